# Handoff — `make run` starts the app, `make test` runs lint and the whole suite.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test lint fmt bench screenshot clean

install: $(STAMP)

$(STAMP): pyproject.toml
	@$(PY) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "Handoff needs Python 3.11 or newer (found $$($(PY) --version))"; exit 1; }
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

run: install
	$(BIN)/python -m bot

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

fmt: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: lint
	$(BIN)/pytest -q --durations=25

bench: install
	$(BIN)/python -m bench

# Refresh the README's picture of the sandbox page (the browser test takes it; needs Debian's chromium).
screenshot: install
	mkdir -p docs
	SANDBOX_SCREENSHOT=docs/sandbox.png $(BIN)/pytest -q tests/e2e/test_sandbox_browser.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache handoff.db
