# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run test test-sqlite test-pg lint fmt openapi bench check migrate clean

# pip shows its progress: the first install takes two to three minutes.
$(STAMP): pyproject.toml
	@echo ">>> Setting up $(VENV) (first run, or pyproject.toml changed): this takes a few minutes"
	@test -x $(BIN)/python || { echo ">>> Creating the virtualenv $(VENV)"; $(PYTHON) -m venv $(VENV); }
	@echo ">>> Upgrading pip"
	$(BIN)/python -m pip install --progress-bar on --upgrade pip
	@echo ">>> Installing cadre-selection and its dependencies (editable, with the dev tools)"
	$(BIN)/python -m pip install --progress-bar on -e '.[dev]'
	@touch $(STAMP)
	@echo ">>> $(VENV) is ready"

install: $(STAMP)

migrate: install
	mkdir -p var
	$(BIN)/alembic upgrade head

run: migrate
	$(BIN)/cadre bootstrap-dev
	@echo ">>> Serving on http://$(HOST):$(PORT) (make run PORT=8080 HOST=0.0.0.0 to change; Ctrl-C stops)"
	$(BIN)/uvicorn app.main:app --factory --host $(HOST) --port $(PORT) --no-proxy-headers

# The whole suite on both cores (pytest-xdist); under CI=true the PostgreSQL run is mandatory
# (see tests/conftest.py).
test: install
	$(BIN)/python -m pytest -q -n 2

lint: install
	$(BIN)/ruff check app tests migrations scripts
	$(BIN)/ruff format --check app tests migrations scripts
	$(BIN)/mypy
	$(BIN)/lint-imports

fmt: install
	$(BIN)/ruff format app tests migrations
	$(BIN)/ruff check --fix app tests migrations

openapi: install
	$(BIN)/python -m app.openapi_export openapi/openapi.json

# Not part of `make test`: ~10 minutes of load (scripts/bench.py says what and why). Needs wrk,
# installed here from Debian when missing; PostgreSQL at 127.0.0.1:5432 is used when reachable.
bench: install
	@command -v wrk >/dev/null 2>&1 || { \
		SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
		$$SUDO apt-get install -y wrk || { $$SUDO apt-get update && $$SUDO apt-get install -y wrk; }; }
	$(BIN)/python scripts/bench.py $(BENCH_ARGS)

check: lint test
	CADRE_DATABASE_URL=sqlite:///var/check.db $(BIN)/alembic upgrade head
	CADRE_DATABASE_URL=sqlite:///var/check.db $(BIN)/alembic check
	rm -f var/check.db

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
