# story-clusters: `make serve` runs the service (SQLite, seeds loaded); `make test` runs
# the test suite on SQLite and on PostgreSQL (TEST_DATABASE_URL; set it empty to skip).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
TEST_DATABASE_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install serve test test-sqlite test-postgres lint bench clean

$(BIN)/story-clusters: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(BIN)/story-clusters

serve: install
	$(BIN)/story-clusters serve --seed --host $(HOST) --port $(PORT)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test-sqlite: install
	$(BIN)/pytest -q

test-postgres: install
ifneq ($(strip $(TEST_DATABASE_URL)),)
	TEST_DATABASE_URL=$(TEST_DATABASE_URL) $(BIN)/pytest -q
else
	@echo "TEST_DATABASE_URL is empty: PostgreSQL run skipped"
endif

test: lint test-sqlite test-postgres

bench: install
	$(BIN)/pip install --quiet -e '.[dev,bench]'
	$(BIN)/python -m bench.run

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache .ruff_cache
