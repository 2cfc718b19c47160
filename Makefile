# NatJoub: `make run` serves the API on $PORT (8080); `make test` runs the whole suite.
# Both set everything up on first use: a Python >= 3.12 venv, the locked dependencies, the
# embedded PostgreSQL (when DATABASE_URL is unset), migrations and demo data.

SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
LOCKS := requirements/lock.txt requirements/dev-lock.txt pyproject.toml
export PIP_DISABLE_PIP_VERSION_CHECK := 1
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: run cluster backup restore test test-cluster test-backup lint check coverage bench fuzz test-browser clean help

help:
	@echo "make run           set up and serve the API on PORT (default 8080)"
	@echo "make cluster       primary + 2 replicas, PgBouncer, Valkey, 3 app nodes behind HAProxy on PORT"
	@echo "make test          set up and run lint, checks and the whole test suite"
	@echo "make test-cluster  the scale-out proofs (tests/cluster) against one such topology"
	@echo "make backup        a base backup now (Barman; ARGS='--list' or '--check' for the catalogue/health)"
	@echo "make restore       ARGS='--to-time <ISO-8601> --target DIR' point-in-time recovery (docs/operations.md)"
	@echo "make test-backup   the backup and point-in-time recovery proofs (tests/backup; needs rsync)"
	@echo "make lint          ruff"
	@echo "make coverage      test suite with an HTML coverage report in htmlcov/"
	@echo "make bench         the benchmark suite (bench/), results in bench/results/"
	@echo "make fuzz          a long schemathesis run against the OpenAPI schema"
	@echo "make test-browser  Playwright tests of the admin in Debian's Chromium"
	@echo "make clean         remove the venv, the embedded database and caches"

# Reinstall only when the locks or the project metadata change.
$(STAMP): $(LOCKS)
	@set -e; \
	if [ ! -x $(PY) ]; then \
	  python=$$(scripts/find-python.sh); \
	  echo "creating $(VENV) with $$python"; \
	  "$$python" -m venv $(VENV); \
	fi; \
	$(PY) -m pip install -qq --upgrade pip; \
	$(PY) -m pip install -qq --no-deps -r requirements/lock.txt -r requirements/dev-lock.txt; \
	$(PY) -m pip install -qq --no-deps -e .; \
	touch $(STAMP)

venv: $(STAMP)

run: $(STAMP)
	exec $(PY) manage.py serve

# Needs Debian's pgbouncer and haproxy (apt-get install -y pgbouncer haproxy); docs/scaling.md.
cluster: $(STAMP)
	exec $(PY) -m natjoub.cluster

# Backups with Barman (docs/api.md §38); `barman recover` needs Debian's rsync.
backup: $(STAMP)
	$(PY) manage.py backup $(ARGS)

restore: $(STAMP)
	$(PY) manage.py restore $(ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

check: $(STAMP)
	$(PY) manage.py check --fail-level WARNING
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) manage.py spectacular --validate --fail-on-warn --file /dev/null

test: lint check
	$(PY) -m pytest -m "not browser" --ignore=tests/browser --ignore=tests/cluster --ignore=tests/backup

test-backup: $(STAMP)
	$(PY) -m pytest tests/backup -m backup -s

test-cluster: $(STAMP)
	$(PY) -m pytest tests/cluster -m cluster -s

coverage: $(STAMP)
	$(PY) -m coverage run -m pytest -m "not browser" --ignore=tests/browser --ignore=tests/cluster --ignore=tests/backup
	$(PY) -m coverage html
	@echo "coverage report: htmlcov/index.html"

bench: $(STAMP)
	$(PY) bench/run_all.py

fuzz: $(STAMP)
	$(PY) -m pytest tests/fuzz -m "not browser" --fuzz-examples=200

test-browser: $(STAMP)
	$(PY) -m pip install --quiet --no-deps -r requirements/browser-lock.txt
	$(PY) -m pytest tests/browser -m browser

clean:
	rm -rf $(VENV) .pgdata .cluster htmlcov .coverage .ruff_cache .hypothesis natjoub.egg-info
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
