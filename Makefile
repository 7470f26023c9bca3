# Two commands (CONTRACT §1): `make run` and `make test`. Both are idempotent.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip --disable-pip-version-check -q
# Tests never read a developer's .env.
TEST_ENV := PORTAL_ENV_FILE=/nonexistent DJANGO_SETTINGS_MODULE=orcid_portal.settings
PG_URL ?= postgres://orcid_portal:orcid_portal@127.0.0.1:5432/orcid_portal
REDIS_TEST_URL ?= redis://127.0.0.1:6379/15

.PHONY: run test lint services install install-dev simulator sync benchmark benchmark-postgres screenshots clean

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

# Reinstall only when a requirements file changed.
$(VENV)/.installed: requirements.txt | $(VENV)/bin/python
	$(PIP) install -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt $(VENV)/.installed
	$(PIP) install -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py demo_data
	$(PY) manage.py run_demo

# PostgreSQL, Redis and Chromium from Debian packages, installed when missing (as root) and
# started on loopback. Prints the variables the tests should use.
services:
	@sh scripts/services.sh

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports
	$(PY) scripts/check_sizes.py

# axe-core (package.json, pinned in package-lock.json) for the accessibility browser tests;
# without npm those tests skip and say why.
node_modules/.installed: package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then npm ci --no-audit --no-fund && touch $@; \
	else echo "npm not found: the accessibility (axe) browser tests will skip"; fi

test: install-dev lint
	@$(MAKE) --no-print-directory node_modules/.installed
	@sh scripts/services.sh > $(VENV)/services.env
	@cat $(VENV)/services.env
	@set -a; . ./$(VENV)/services.env; set +a; \
	if [ -n "$$TEST_DATABASE_URL" ]; then \
	  echo "== Test suite on PostgreSQL"; \
	  $(TEST_ENV) DATABASE_URL="$$TEST_DATABASE_URL" TEST_REDIS_URL="$$TEST_REDIS_URL" $(PY) -m pytest -q -p no:cacheprovider || exit 1; \
	  echo "== Test suite on SQLite (the embedded default)"; \
	  $(TEST_ENV) TEST_REDIS_URL="$$TEST_REDIS_URL" $(PY) -m pytest -q -p no:cacheprovider -m "not postgres_only and not browser and not soak" || exit 1; \
	else \
	  echo "== PostgreSQL is not available (not root?): the suite runs on SQLite only"; \
	  $(TEST_ENV) TEST_REDIS_URL="$$TEST_REDIS_URL" $(PY) -m pytest -q -p no:cacheprovider || exit 1; \
	fi

simulator: install
	$(PY) manage.py orcid_simulator

sync: install
	$(PY) manage.py orcid_sync

# The figures the issues ask for (a few minutes: the sync benchmark waits on ORCID's 24/s limit).
benchmark: install-dev
	PORTAL_ENV_FILE=/nonexistent $(PY) benchmarks/bench_import_works.py
	PORTAL_ENV_FILE=/nonexistent $(PY) benchmarks/bench_sync.py

# Issue 17's figures on PostgreSQL, one benchmark after another, each on a database of its own
# (bench_pg_*, created when missing, emptied): 20-30 minutes on an idle machine. SMALL=1: a 3-minute check.
benchmark-postgres: install-dev
	PYTHON=$(PY) sh benchmarks/run_postgres.sh

# The README's pictures (issue 14): the main pages in headless Chromium, into docs/screenshots/.
screenshots: install-dev
	PORTAL_SCREENSHOTS=docs/screenshots $(TEST_ENV) $(PY) -m pytest tests/screenshots -q -p no:cacheprovider

clean:
	rm -rf $(VENV) db.sqlite3 db.sqlite3-wal db.sqlite3-shm .var
