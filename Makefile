# Semis: `make run` serves, `make test` tests. Both set up everything they need first:
# `make run` only what the server needs (pyproject's dependencies), `make test` and
# `make lint` the development tools too (the dev extra), `make bench` the bench extra.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 5000
export HOST PORT

.PHONY: run test test-js install install-dev vendor translations migrate check-migrations lint format \
	extract-messages demo clean bench bench-grouping stack

## run: install the runtime dependencies, migrate the SQLite database in instance/,
## serve on http://$(HOST):$(PORT)
run: migrate
	$(PY) run.py

## test: install, lint, check the migrations, run every test (browser and server ones included),
## spread over TEST_WORKERS processes (default: one per core; TEST_WORKERS=0 runs them in this one)
TEST_WORKERS ?= auto
test: install-dev lint check-migrations test-js
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

## test-js: the browser modules' unit tests (tests/js/, Node's own test runner); the files
## are named rather than the folder, which Node 21+ no longer searches on every platform
test-js:
	node --test tests/js/*.test.js

## install: what the server needs (runtime dependencies, browser libraries, catalogues)
install: $(VENV)/.installed vendor translations

# An editable install of the checkout: setuptools then says, every time, that a folder named
# like the package may shadow it; here that folder is the package itself.
PIP_EDITABLE := PYTHONWARNINGS="ignore:Editable installation" $(PY) -m pip install --quiet -e

## install-dev: the same, plus the test and lint tools (pyproject's dev extra)
install-dev: install $(VENV)/.dev-installed

$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Semis needs Python 3.11 or newer (found " + sys.version.split()[0] + ")")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PIP_EDITABLE) .
	@touch $@

$(VENV)/.dev-installed: $(VENV)/.installed pyproject.toml
	$(PIP_EDITABLE) '.[dev]'
	@touch $@

## vendor: browser libraries from the npm registry (package-lock.json) into static/vendor/
vendor: static/vendor/.installed

static/vendor/.installed: package-lock.json
	@command -v npm >/dev/null || { echo "npm is required (Node.js 18+): apt-get install nodejs npm"; exit 1; }
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	mkdir -p static/vendor
	cp node_modules/socket.io-client/dist/socket.io.esm.min.js static/vendor/
	cp node_modules/socket.io-client/dist/socket.io.esm.min.js.map static/vendor/
	cp node_modules/sortablejs/modular/sortable.core.esm.js static/vendor/sortable.esm.js
	@touch $@

## translations: compile the message catalogues (translations/*/LC_MESSAGES/*.po)
translations: $(VENV)/.installed
	$(VENV)/bin/pybabel compile --statistics -d translations

## extract-messages: refresh the catalogues after changing user-facing strings
extract-messages: $(VENV)/.installed
	$(VENV)/bin/pybabel extract -F babel.cfg -k _l -k plural_forms:1,2 -o translations/messages.pot .
	$(VENV)/bin/pybabel update -i translations/messages.pot -d translations

migrate: install
	$(VENV)/bin/flask --app workshop db upgrade

## check-migrations: the migrations build exactly the models' schema (on a scratch database)
check-migrations: $(VENV)/.installed
	@tmp=$$(mktemp -d) && \
	WORKSHOP_INSTANCE_PATH=$$tmp WORKSHOP_DATABASE_URL= $(VENV)/bin/flask --app workshop db upgrade >/dev/null 2>&1 && \
	WORKSHOP_INSTANCE_PATH=$$tmp WORKSHOP_DATABASE_URL= $(VENV)/bin/flask --app workshop db check; \
	status=$$?; rm -rf $$tmp; exit $$status

## bench: load benchmarks against the real run.py beside a bare python-socketio server
## (vote storm, fan-out, reconnect after a restart, memory per phone, permessage-deflate,
## and two workers + Redis + PostgreSQL when installed); prints tables, writes
## bench-results.json (docs/performance.md). PHONES=200 for a smaller run.
PHONES ?= 1000
bench: $(VENV)/.bench-installed translations
	$(PY) -m bench --phones $(PHONES) $(BENCH_ARGS)

$(VENV)/.bench-installed: $(VENV)/.dev-installed pyproject.toml
	$(PIP_EDITABLE) '.[dev,bench]'
	@touch $@

## bench-grouping: automatic grouping vs human themes (ARI, NMI, vs a TF-IDF + k-means
## baseline) on ../shared/datasets/ideas/, and seconds per 1,000 ideas on one core;
## prints a table, writes bench-grouping.json. IDEAS=path/to/datasets to point elsewhere.
IDEAS ?= ../shared/datasets/ideas
bench-grouping: $(VENV)/.installed
	OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 \
		$(PY) -m bench.grouping --data $(IDEAS) $(BENCH_GROUPING_ARGS)

## stack: scale-out on this machine (docs/deploy.md): PostgreSQL, Redis, $(WORKERS) eventlet
## workers and nginx on http://127.0.0.1:$(STACK_PORT), from Debian packages (postgresql,
## redis-server, nginx); migrates, prints the URL, and Ctrl-C stops everything.
WORKERS ?= 2
STACK_PORT ?= 8080
stack: install
	$(PY) -m scripts.stack --workers $(WORKERS) --port $(STACK_PORT) $(STACK_ARGS)

## demo: create a lively demo workshop and print its links
demo: migrate
	$(VENV)/bin/flask --app workshop demo

## lint: ruff (lint and format), mypy, import-linter (the layers of docs/architecture.md),
## and ESLint on the browser code (eslint.config.js)
lint: $(VENV)/.dev-installed vendor
	$(VENV)/bin/ruff check --quiet .
	$(VENV)/bin/ruff format --check --quiet .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports --no-cache
	npx --no-install eslint static/js tests/js eslint.config.js

format: $(VENV)/.dev-installed
	$(VENV)/bin/ruff format .

clean:
	rm -rf $(VENV) node_modules static/vendor .pytest_cache .ruff_cache .mypy_cache
