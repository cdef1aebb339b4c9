# Eternity: `make run` serves the site locally, `make test` checks everything.
# Both create the virtualenv on first use; nothing but Python 3.13 is needed.

PYTHON ?= $(shell command -v python3.13 2>/dev/null || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
MANAGE := $(BIN)/python manage.py
# Production-like settings for the deploy check; the key is a throwaway, only for the check.
DEPLOY_ENV := DEBUG=0 SECRET_KEY=deploy-check-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFGHIJ \
	ALLOWED_HOSTS=eternity.example.com DATABASE_URL=sqlite:///:memory: EMAIL_HOST=smtp.example.com

.PHONY: run test lint fmt migrate demo check-deploy pytest e2e clean bench messages compilemessages

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

run: export DEBUG = 1
run: $(STAMP) migrate demo
	$(MANAGE) runserver 127.0.0.1:8000

migrate: export DEBUG = 1
migrate: $(STAMP)
	$(MANAGE) migrate --noinput
	$(MANAGE) createcachetable

demo: export DEBUG = 1
demo: $(STAMP)
	$(MANAGE) demo_data

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/djlint templates --lint
	$(BIN)/djlint templates --check
	$(BIN)/lint-imports

fmt: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .
	$(BIN)/djlint templates --reformat --quiet || true

check-deploy: $(STAMP)
	env $(DEPLOY_ENV) $(MANAGE) check --deploy --fail-level WARNING
	env $(DEPLOY_ENV) $(MANAGE) makemigrations --check --dry-run

pytest: $(STAMP)
	$(BIN)/pytest --create-db

test: lint check-deploy pytest

e2e: $(STAMP)
	$(BIN)/pytest --create-db tests/e2e

clean:
	rm -rf $(VENV) staticfiles

bench: $(STAMP)
	$(BIN)/python bench/run.py

messages: export DEBUG = 1
messages: $(STAMP)
	$(MANAGE) makemessages -l ru --no-obsolete --ignore=.venv --ignore=staticfiles --ignore=tests --ignore=bench --ignore=docs

compilemessages: export DEBUG = 1
compilemessages: $(STAMP)
	$(MANAGE) compilemessages --ignore=.venv
