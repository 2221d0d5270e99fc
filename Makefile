# Rumbo: `make run` serves on embedded SQLite with seed data; `make test` runs every check.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
TOOLS := .tools
UV := $(TOOLS)/bin/uv
UV_VERSION := 0.13.9
BIN := $(VENV)/bin
PORT ?= 8000
export UV_PROJECT_ENVIRONMENT := $(abspath $(VENV))

.PHONY: install run test lint typecheck pytest bench soak clean

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.installed: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --python $(PYTHON)
	touch $@

install: $(VENV)/.installed

run: install
	$(BIN)/rumbo migrate
	$(BIN)/rumbo seed --if-empty
	PORT=$(PORT) $(BIN)/rumbo serve

lint: install
	$(BIN)/ruff check app tests migrations seed bench
	$(BIN)/ruff format --check app tests migrations seed bench

typecheck: install
	$(BIN)/mypy

# pytest exits 5 when it collects nothing: that is not a failure of the checks.
pytest: install
	$(BIN)/pytest $(PYTEST_ARGS) || [ $$? -eq 5 ]

test: lint typecheck pytest

bench: install
	$(BIN)/python -m bench.run

clean:
	rm -rf $(VENV) $(TOOLS) var .pytest_cache .mypy_cache .ruff_cache
