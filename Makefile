# The README's two commands. Each does the (idempotent) set-up first.
.PHONY: setup demo test lint mutate

setup:
	scripts/setup

demo: setup
	.venv/bin/python -m gate demo

test: setup lint
	.venv/bin/python -m pytest -m "not load"

lint:
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/mypy

# Mutation testing of the modules `only_mutate` names in pyproject.toml (slow; not part of
# `make test` or CI). Niced, one worker per core. Narrow a run by mutant name:
#   make mutate MUTANTS='gate.window.decide.x_decide__mutmut_*'
MUTANTS ?=
mutate: setup
	nice -n 10 .venv/bin/mutmut run $(MUTANTS)
	.venv/bin/mutmut results
