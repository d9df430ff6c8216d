# The two commands: `make run` and `make test`. Both set everything up on a fresh clone.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PG_URL ?= $(CRM_TEST_DATABASE_URL)

.PHONY: setup run test lint test-sqlite test-pg bench clean

$(STAMP): requirements.txt requirements-dev.txt
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

setup: $(STAMP)

run: setup
	$(BIN)/python -m bot db upgrade
	$(BIN)/python -m bot start

lint: setup
	$(BIN)/ruff check .

test-sqlite: setup
	CRM_TEST_BACKEND=sqlite $(BIN)/pytest -q

test-pg: setup
	@if [ -n "$(PG_URL)" ]; then \
		echo "== the suite again on PostgreSQL ($(PG_URL))"; \
		CRM_TEST_BACKEND=postgresql CRM_TEST_DATABASE_URL="$(PG_URL)" $(BIN)/pytest -q -m "not store_free"; \
	else echo "CRM_TEST_DATABASE_URL is not set: PostgreSQL run skipped (CI sets it)"; fi

test: lint test-sqlite test-pg

bench: setup
	$(BIN)/python bench/register.py

clean:
	rm -rf $(VENV) var/*.db var/*.db-*
