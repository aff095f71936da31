# 1+X Pilot Portal. Two commands set everything up:
#   make demo   try it: embedded SQLite, tasks in-process, demo data, http://127.0.0.1:8000
#   make test   the suite CI runs (ruff, import-linter, pytest); real PostgreSQL/Redis/Celery
#               when DATABASE_URL and REDIS_URL are set; then the tests marked embedded again on
#               SQLite with in-process tasks (the make demo path)
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# make test runs the suite in this many processes (pytest-xdist; an idle process takes tests from the busy one)
TEST_PROCESSES ?= 2

.PHONY: demo test bench lint messages clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@ $(VENV)/.runtime

demo: $(VENV)/.runtime
	scripts/system-deps
	PILOT_ENV=demo $(BIN)/python manage.py compile_translations
	PILOT_ENV=demo $(BIN)/python manage.py migrate --noinput -v0
	PILOT_ENV=demo $(BIN)/python manage.py seed_demo --base-url http://$(HOST):$(PORT) $(SEED_ARGS)
	@echo "门户地址 / portal: http://$(HOST):$(PORT)/"
	PILOT_ENV=demo $(BIN)/python manage.py runserver $(HOST):$(PORT)

test: $(VENV)/.dev
	scripts/system-deps --browser
	PILOT_ENV=test $(BIN)/python manage.py compile_translations --check
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/pytest -n $(TEST_PROCESSES) --dist worksteal $(PYTEST_ARGS)
	@echo "# the make demo path: the tests marked embedded again, on SQLite with in-process tasks"
	env -u DATABASE_URL -u REDIS_URL -u CELERY_BROKER_URL -u CELERY_RESULT_BACKEND PILOT_TEST_EMBEDDED=1 \
		$(BIN)/pytest -m embedded -p no:cacheprovider

bench: $(VENV)/.dev
	scripts/system-deps --bench
	$(BIN)/python bench/run.py $(BENCH)

messages: $(VENV)/.dev
	PILOT_ENV=development $(BIN)/python manage.py makemessages -l en --no-obsolete -i ".venv/*" -i "var/*"
	PILOT_ENV=development $(BIN)/python manage.py compile_translations

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
