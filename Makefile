# The README's two commands. Each does the (idempotent) set-up first.
.PHONY: setup demo test lint

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
