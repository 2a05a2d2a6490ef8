# Kokuchi: `make run` sets up and starts with demo data; `make test` sets up and runs the tests.
# Both need only a Python >= 3.12 (found by scripts/find-python) and access to the package registry.
PYTHON ?= $(shell scripts/find-python)
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum < pyproject.toml | cut -d' ' -f1)
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint typecheck migrations-check setup messages

setup: $(STAMP)

# Reinstalls whenever pyproject.toml changes (the stamp name carries its checksum).
$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "No Python >= 3.12 found (Django 6 needs it); set PYTHON=/path/to/python3.12" >&2; exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 12))' \
		|| { echo "$(PYTHON) is older than 3.12 (Django 6 needs 3.12+)" >&2; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	rm -f $(VENV)/.installed-*
	touch $@

# Migrate, load the demo data, run the task worker in the background and the web server in the
# foreground; stopping the server (Ctrl-C) also stops the worker. Development: DEBUG on.
run: export KOKUCHI_DEBUG ?= 1
run: $(STAMP)
	$(BIN)/kokuchi migrate --noinput
	$(BIN)/kokuchi demo
	@bash -c ' \
		$(BIN)/kokuchi db_worker --no-reload & worker=$$!; \
		trap "kill $$worker 2>/dev/null; wait $$worker 2>/dev/null" EXIT; \
		trap "exit 130" INT TERM; \
		echo; echo "Kokuchi: http://$(HOST):$(PORT)/  (log in with a demo login above; Ctrl-C stops)"; echo; \
		$(BIN)/kokuchi runserver --noreload $(HOST):$(PORT)'

test: lint typecheck migrations-check
	$(BIN)/pytest -n 2

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

# mypy with django-stubs; the checked modules are listed in pyproject.toml ([tool.mypy] files).
typecheck: $(STAMP)
	$(BIN)/mypy

# Fails when a model change has no migration.
migrations-check: $(STAMP)
	DJANGO_SETTINGS_MODULE=config.settings_test $(BIN)/kokuchi makemigrations --check --dry-run

# Every app's catalogue and kokuchi/locale (LOCALE_PATHS); the test settings need no secret key.
messages: $(STAMP)
	cd kokuchi && for app in */; do [ -d "$$app/locale" ] && (cd $$app && DJANGO_SETTINGS_MODULE=config.settings_test ../../$(BIN)/kokuchi compilemessages -l ja) ; done; true
