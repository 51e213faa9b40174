# The README's two commands. Each does the (idempotent) set-up first.
.PHONY: setup demo test lint mutate soak go-lint go-test

setup:
	scripts/setup

demo: setup
	.venv/bin/python -m gate demo

test: setup lint go-test
	.venv/bin/python -m pytest -m "not load"

lint: go-lint
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/mypy

# The Go proxy (proxy/): gofmt, go vet and staticcheck (installed by scripts/setup-go), then
# its tests, which read tests/vectors/, under the race detector. Without Go both are
# skipped with a message, except in CI (CI=true), where Go is required.
define NEEDS_GO
if ! command -v go >/dev/null 2>&1; then \
  if [ "$${CI:-}" = true ]; then echo "make $@: Go 1.26+ is required in CI (https://go.dev/dl/)" >&2; exit 1; fi; \
  echo "make $@: Go is not installed; skipping the Go proxy's checks (https://go.dev/dl/)" >&2; exit 0; \
fi
endef
# Also the Go custom runtime the end-to-end tests build (tests/e2e/functions/go, its own module).
GO_MODULES = proxy tests/e2e/functions/go
go-lint:
	@$(NEEDS_GO); \
	if [ ! -x .tools/bin/staticcheck ]; then echo "staticcheck missing: run make setup" >&2; exit 1; fi; \
	for module in $(GO_MODULES); do \
	  (cd $$module && unformatted="$$(gofmt -l .)" && \
	  if [ -n "$$unformatted" ]; then echo "gofmt would change in $$module: $$unformatted" >&2; exit 1; fi && \
	  go vet ./... && $(CURDIR)/.tools/bin/staticcheck ./...) || exit 1; \
	done

go-test:
	@$(NEEDS_GO); cd proxy && go test -race -count=1 ./...

# Soak (slow; not part of `make test` or CI), see docs/testing.md: the concurrency and
# replay tests SOAK_RUNS times, each a fresh pytest run, with one CPU-burning process per
# core alongside; prints "N runs, K failures". Bounded: SOAK_RUN_TIMEOUT seconds a run,
# no run started after SOAK_MAX_MINUTES.
SOAK_RUNS ?= 20
SOAK_RUN_TIMEOUT ?= 600
SOAK_MAX_MINUTES ?= 120
soak: setup
	.venv/bin/python scripts/soak.py --runs $(SOAK_RUNS) --run-timeout $(SOAK_RUN_TIMEOUT) --max-minutes $(SOAK_MAX_MINUTES)

# Mutation testing (slow; not part of `make test` or CI), see docs/testing.md. Niced, one
# worker per core. By default it mutates the modules `only_mutate` names in pyproject.toml
# (the window) and runs the tests its selection line names. MUTATE_ONLY and MUTATE_TESTS
# replace those two lines for one run, without editing pyproject.toml; MUTANTS narrows a
# run by mutant name:
#   make mutate MUTATE_ONLY=gate/replay/leases.py MUTATE_TESTS=tests/unit/replay/test_leases.py
#   make mutate MUTANTS='gate.window.decide.x_decide__mutmut_*'
# mutmut reads its configuration only from pyproject.toml; MUTMUT_WITH_OVERRIDES wraps
# its reader (before mutmut loads it, on import) so the two variables, space-separated
# lists, win when set.
MUTANTS ?=
MUTATE_ONLY ?=
MUTATE_TESTS ?=
define MUTMUT_WITH_OVERRIDES
import os, sys
import mutmut.configuration as configuration
overrides = {
    "only_mutate": os.environ["MUTATE_ONLY"].split(),
    "pytest_add_cli_args_test_selection": os.environ["MUTATE_TESTS"].split(),
}
read_pyproject = configuration._config_reader
def read_with_overrides():
    read = read_pyproject()
    return lambda key, default: overrides.get(key) or read(key, default)
configuration._config_reader = read_with_overrides
configuration.reset_config()
from mutmut.__main__ import cli
sys.exit(cli())
endef
export MUTMUT_WITH_OVERRIDES
MUTMUT = env MUTATE_ONLY='$(MUTATE_ONLY)' MUTATE_TESTS='$(MUTATE_TESTS)' .venv/bin/python -c "$$MUTMUT_WITH_OVERRIDES"
mutate: setup
	nice -n 10 $(MUTMUT) run $(MUTANTS)
	$(MUTMUT) results
