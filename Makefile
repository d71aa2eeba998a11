# OnePlan: `make run` serves the demo district; `make test` runs the whole suite.
# Every install step lives here, so a fresh machine needs nothing done by hand.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app app
DEMO_PEOPLE ?= 2000
DEMO_SEED ?= 1
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test lint bench mutation install install-test install-dev browser migrate demo clean

# Served by gunicorn, as in production; `make run DEV=1` uses Flask's development server (reloads on change).
WORKERS ?= 2
run: install migrate demo
	@ONEPLAN_DEMO=1 $(FLASK) demo-sign-ins
	@echo "OnePlan is at http://$(HOST):$(PORT)"
ifdef DEV
	ONEPLAN_DEMO=1 $(FLASK) run --debug --host $(HOST) --port $(PORT)
else
	ONEPLAN_DEMO=1 $(BIN)/gunicorn --bind $(HOST):$(PORT) --workers $(WORKERS) --access-logfile - "app:create_app()"
endif

# Every core runs tests (pytest-xdist, handed out one at a time, longest first: tests/conftest.py),
# and the run ends with branch coverage of app/ and models/ and the ten slowest tests.
test: install-test browser
	$(BIN)/pytest -n auto --maxschedchunk 1 --cov --cov-report=term --durations=10 $(PYTEST_ARGS)

# ruff (lint and format) and mypy, as configured in pyproject.toml; .ci/run runs this before the tests.
lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

bench: install-test
	$(BIN)/python -m bench $(BENCH_ARGS)

# Mutation testing of the rule modules (mutmut, one module at a time; see README "Mutation testing").
mutation: install-test
	$(BIN)/python -m tests.mutation $(MUTATION_ARGS)

install: $(VENV)/.installed node_modules/.package-lock.json

install-test: install $(VENV)/.installed-test

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: $(VENV)/bin/python pyproject.toml
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	$(BIN)/pip install --quiet -e ".[test]"
	touch $@

install-dev: install $(VENV)/.installed-dev

$(VENV)/.installed-dev: $(VENV)/.installed pyproject.toml
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund

# Debian's Chromium drives the browser tests (Playwright's own browser download cannot work here).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian's chromium for the browser tests"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium; }

migrate: install
	$(FLASK) db upgrade

demo: migrate
	$(FLASK) demo-data --people $(DEMO_PEOPLE) --seed $(DEMO_SEED) --if-empty

clean:
	rm -rf $(VENV) node_modules instance/oneplan.db*
