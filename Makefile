# Eternity: `make run` serves the site locally, `make test` checks everything.
# Both create the virtualenv on first use; nothing but Python 3.13 is needed.

PYTHON ?= $(shell command -v python3.13 2>/dev/null || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
# What the site needs to run (make run) and, on top, the test and lint tools (make test).
RUNTIME := $(VENV)/.installed-runtime
TOOLS := $(VENV)/.installed-tools
MANAGE := $(BIN)/python manage.py
# Lighthouse, for tests/e2e/test_lighthouse.py: the npm package in tests/lighthouse (the tool
# only, pinned by its package-lock.json). Without npm the test skips, or fails with CI set.
LIGHTHOUSE := tests/lighthouse/node_modules/.installed
# Production-like settings for the deploy check; the keys are throwaways, only for the check.
DEPLOY_ENV := DEBUG=0 SECRET_KEY=deploy-check-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFGHIJ \
	ALLOWED_HOSTS=eternity.example.com SITE_URL=https://eternity.example.com DATABASE_URL=sqlite:///:memory: EMAIL_HOST=smtp.example.com \
	VAPID_PRIVATE_KEY=0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c

.PHONY: reset run test test-fast lint fmt migrate demo check-deploy pytest e2e clean bench messages compilemessages

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(RUNTIME): requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $(RUNTIME)

$(TOOLS): requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $(RUNTIME) $(TOOLS)

# The development server's port (`make run PORT=8001`); SITE_URL, the address in mail links,
# follows it unless set.
PORT ?= 8000

$(LIGHTHOUSE): tests/lighthouse/package.json tests/lighthouse/package-lock.json
	@if command -v npm >/dev/null; then \
		npm ci --prefix tests/lighthouse --no-audit --no-fund --loglevel=error && touch $@; \
	else echo "npm not found: tests/e2e/test_lighthouse.py will skip (apt-get install npm)"; fi

run: export DEBUG = 1
run: export PORT := $(PORT)
# The task worker (mail, periodic jobs) runs alongside the development server; Ctrl+C stops both.
run: $(RUNTIME) migrate demo
	@trap 'kill 0' EXIT; $(MANAGE) worker & $(MANAGE) runserver 127.0.0.1:$(PORT)

migrate: export DEBUG = 1
migrate: $(RUNTIME)
	$(MANAGE) migrate --noinput
	$(MANAGE) createcachetable

# A fresh demo: the embedded database and local uploads are removed and made again.
reset: export DEBUG = 1
reset: $(RUNTIME)
	@if [ -n "$$DATABASE_URL" ]; then echo "make reset resets the embedded SQLite database only; DATABASE_URL is set."; exit 2; fi
	rm -f db.sqlite3 db.sqlite3-journal db.sqlite3-wal db.sqlite3-shm
	rm -rf media
	$(MAKE) migrate demo

demo: export DEBUG = 1
demo: $(RUNTIME)
	$(MANAGE) demo_data

lint: $(TOOLS)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/djlint templates --lint
	$(BIN)/djlint templates --check
	$(BIN)/lint-imports

fmt: $(TOOLS)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .
	$(BIN)/djlint templates --reformat --quiet || true

check-deploy: $(TOOLS)
	env $(DEPLOY_ENV) $(MANAGE) check --deploy --fail-level WARNING
	env $(DEPLOY_ENV) $(MANAGE) makemigrations --check --dry-run

pytest: $(TOOLS) $(LIGHTHOUSE)
	$(BIN)/pytest --create-db

test: lint check-deploy pytest

# The edit loop: lint and every test but the browser journeys and those that start processes
# (gunicorn, the worker, manage.py); about a minute and a half. `make test` runs them all.
test-fast: lint
	$(BIN)/pytest --create-db -m "not e2e and not process" --ignore=tests/e2e

e2e: $(TOOLS) $(LIGHTHOUSE)
	$(BIN)/pytest --create-db tests/e2e

clean:
	rm -rf $(VENV) staticfiles tests/lighthouse/node_modules

bench: $(TOOLS)
	$(BIN)/python bench/run.py

messages: export DEBUG = 1
messages: $(RUNTIME)
	$(MANAGE) makemessages -l ru --no-obsolete --ignore=.venv --ignore=staticfiles --ignore=tests --ignore=bench --ignore=docs

compilemessages: export DEBUG = 1
compilemessages: $(RUNTIME)
	$(MANAGE) compilemessages --ignore=.venv
