# Two commands for a newcomer: `make demo` and `make test`. Each installs what it needs.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha256sum | cut -c1-12)
DEMO_VAULT ?= ./demo-vault

.PHONY: help setup test test-deps lint typecheck pytest docs demo bench fuzz clean

help:
	@echo "make demo   - set up, build a demo vault from fictional sample data, and show how to open it"
	@echo "make test   - set up and run every check (ruff, mypy, pytest)"
	@echo "make bench  - run the benchmarks in bench/ (slow; prints ratios)"
	@echo "make fuzz   - fuzz every importer for FUZZ_SECONDS each (atheris); crashes go to fuzz/crashes/"

$(STAMP): pyproject.toml
	@command -v $(PY) >/dev/null || { echo "python3 is missing: apt-get install -y python3 python3-venv"; exit 1; }
	@scripts/system-deps.sh run
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

setup: $(STAMP)

lint: setup
	$(BIN)/ruff check src tests bench fuzz

typecheck: setup
	$(BIN)/mypy

# Two workers (the CI machine has two cores); a test file stays on one worker.
PYTEST_ARGS ?= -n 2 --dist loadfile -m "not slow"
FUZZ_SECONDS ?= 60
FUZZ_JOBS ?= 1

pytest: setup
	$(BIN)/pytest $(PYTEST_ARGS)

fuzz: setup
	$(BIN)/pip install -q -e '.[fuzz]'
	$(BIN)/python -m fuzz.run --seconds $(FUZZ_SECONDS) --jobs $(FUZZ_JOBS)

docs: setup
	$(BIN)/python scripts/gen_cli_reference.py

test-deps:
	@scripts/system-deps.sh test

test: test-deps lint typecheck pytest

demo: setup
	$(BIN)/nocontact demo --vault $(DEMO_VAULT) $(if $(DISPLAY)$(WAYLAND_DISPLAY),,--no-browser)

bench: setup
	$(BIN)/pip install -q -e '.[bench]'
	for b in bench/*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache demo-vault
