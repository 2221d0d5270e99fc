# Rumbo: `make run` serves on embedded SQLite with seed data; `make test` runs every check.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
TOOLS := .tools
UV := $(TOOLS)/bin/uv
UV_VERSION := 0.13.9
BIN := $(VENV)/bin
PORT ?= 8000
# Two workers: one per core of the reference machine (each gets its own PostgreSQL database).
PYTEST_ARGS ?= -n 2 -p no:cacheprovider
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

# The benchmark suite (see docs/benchmarks.md): loads 100k and 1M generated points
# (cached in var/bench, or in RUMBO_BENCH_CACHE shared by checkouts), drives the real server
# with wrk. BENCH_POSTGRES_URL adds PostGIS; BENCH_ARGS passes options, e.g.
# BENCH_ARGS="--sizes 100000 --seconds 10", "--sections side crowd beside", "--prepare-only".
bench: install
	@command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; }
	$(BIN)/python -m bench.run $(BENCH_ARGS)

# Mixed reads and writes at a fixed rate for SOAK_SECONDS (default 600), loopback only.
soak: install
	$(BIN)/python -m bench.soak --seconds $${SOAK_SECONDS:-600} $(SOAK_ARGS)

clean:
	rm -rf $(VENV) $(TOOLS) var .pytest_cache .mypy_cache .ruff_cache
