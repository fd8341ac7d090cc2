# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed-$(shell sha1sum pyproject.toml | cut -c1-12)
# the pages' third-party browser libraries (bpmn-js, dmn-js, ECharts, htmx, ...) from npm
STATIC  = app/static
ASSETS  = $(STATIC)/node_modules/.installed-$(shell sha1sum $(STATIC)/package-lock.json | cut -c1-12)

.PHONY: run test lint bench install clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	rm -f $(VENV)/.installed-* && touch $@

$(ASSETS): $(STATIC)/package-lock.json
	npm ci --prefix $(STATIC) --ignore-scripts --no-audit --no-fund --loglevel=error
	rm -f $(STATIC)/node_modules/.installed-* && touch $@

install: $(STAMP) $(ASSETS)

## Set up (virtualenv, package, SQLite database, processes, demo users) and serve on :5000.
run: $(STAMP) $(ASSETS)
	CRM_DEMO=$${CRM_DEMO:-1} $(BIN)/crm serve

## The whole test suite (SQLite by default; DATABASE_URL=postgresql+psycopg://... for PostgreSQL).
test: $(STAMP) $(ASSETS)
	$(BIN)/ruff check .
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check .

## Throughput and latency figures (see bench/RESULTS.md).
bench: $(STAMP)
	$(BIN)/python bench/engine_bench.py

clean:
	rm -rf $(VENV) instance .pytest_cache $(STATIC)/node_modules
