# Two commands for a newcomer (see README):
#   make run   – set up everything and start Lighthouse with demo data (SQLite, in-process tasks)
#   make test  – set up everything and run the whole test suite
# Both are idempotent: re-running only redoes what changed.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(VENV)/bin/pip
HOST   ?= 127.0.0.1
PORT   ?= 8000
# Links in SMS and e-mail point where runserver listens (`make run PORT=8201` → :8201), unless
# SITE_URL is set already: in the environment, as `make run SITE_URL=…`, or in .env.
SITE_URL ?= $(if $(shell grep -Es '^(export +)?SITE_URL=' .env),,http://$(HOST):$(PORT))
RUN_ENV   = $(if $(SITE_URL),SITE_URL='$(SITE_URL)')

.PHONY: run test setup assets messages migrate seed check lint bench clean

# The embedded default has no Redis and no `celery beat`: run_schedule runs the beat schedule
# (scheduled announcements, SLA warnings and escalations, delivery sweeps) beside runserver, in
# one shell so that Ctrl-C, or runserver ending any other way, stops it too.
run: setup migrate seed
	@$(PY) manage.py demo_logins --url http://$(HOST):$(PORT)/
	$(RUN_ENV) $(PY) manage.py run_schedule & scheduler=$$!; \
	trap 'kill $$scheduler 2>/dev/null; wait $$scheduler' EXIT INT TERM; \
	$(RUN_ENV) $(PY) manage.py runserver $(HOST):$(PORT)

test: setup
	$(VENV)/bin/pytest $(PYTEST_ARGS)

setup: $(VENV)/.installed assets messages

$(VENV)/.installed: requirements.txt requirements-dev.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Lighthouse needs Python 3.11 or newer")'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Vendor assets are copied from node_modules into static/vendor and served by Django
# (whitenoise in production); nothing is loaded from a CDN at run time.
assets: node_modules/.installed
	sh scripts/vendor_assets.sh

# The compiled catalogue is committed (a fresh machine may lack GNU gettext);
# recompile it when msgfmt is available so it always matches the .po file.
messages: $(VENV)/.installed
	@if command -v msgfmt >/dev/null; then $(PY) manage.py compilemessages --ignore=.venv --ignore=node_modules -v 0; fi

migrate: setup
	$(PY) manage.py migrate --no-input -v 0

seed: migrate
	$(RUN_ENV) $(PY) manage.py seed_demo

check: setup
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) manage.py check

# Style and layering: ruff, and the import-linter contract in pyproject.toml (docs/architecture.md).
lint: setup
	$(VENV)/bin/ruff check .
	PYTHONPATH=. $(VENV)/bin/lint-imports

bench: setup
	$(PY) manage.py benchmark $(BENCH_ARGS)

clean:
	rm -rf $(VENV) node_modules static/vendor staticfiles
