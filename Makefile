# Two commands set everything up: `make run` serves the API, `make test` runs the suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
UV_VERSION := 0.13.8
HOST ?= 127.0.0.1
PORT ?= 8000
DOCS_PORT ?= 8001

.PHONY: run edge worker test install migrate seed lint format typecheck openapi bench bench-limits faults clients docs docs-build clean


$(VENV)/.installed: requirements.lock pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check uv==$(UV_VERSION)
	$(VENV)/bin/uv pip install -q --python $(PY) --require-hashes -r requirements.lock
	touch $@

install: $(VENV)/.installed

migrate: install
	$(PY) manage.py migrate --noinput

seed: migrate
	$(PY) manage.py ensure_roles
	$(PY) manage.py load_content --publish

# The API and the background worker together (Procfile, run by honcho); Ctrl-C stops both.
run: seed
	@echo "Serving on http://$(HOST):$(PORT)/  (API docs: /api/docs/, admin: /admin/), with the worker"
	@echo "First admin user (in another terminal): $(PY) manage.py createsuperuser"
	@echo "  Admin users need staff status; put each in a role group made by 'manage.py ensure_roles':"
	@echo "  editors, publishers, clinical reviewers (admin > Users > the user > Groups)."
	@echo "  The editors' guide: docs/editors/guide.md"
	WEB_ADDRESS=$(HOST):$(PORT) PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(VENV)/bin/honcho start

# The edge cache: Varnish on EDGE_PORT (config/edge/default.vcl) in front of gunicorn on PORT,
# with the worker purging it on every public change (Procfile.edge); Ctrl-C stops all three.
# Local settings with DEBUG off, as production serves; Varnish's files go to .edge/.
EDGE_PORT ?= 8080
edge: seed
	@$(PY) -c "from config.edge.varnish import missing; import sys; r = missing(); sys.exit(r and 'make edge: ' + r)"
	@echo "Edge cache on http://$(HOST):$(EDGE_PORT)/ in front of the API on http://$(HOST):$(PORT)/, with the worker"
	DJANGO_SETTINGS_MODULE=config.settings.local DJANGO_DEBUG=$${DJANGO_DEBUG:-0} \
	EDGE_PURGE_URL=http://$(HOST):$(EDGE_PORT)/ TRUSTED_PROXIES=$${TRUSTED_PROXIES:-127.0.0.1} \
	EDGE_LISTEN=$(HOST):$(EDGE_PORT) EDGE_ORIGIN=$(HOST):$(PORT) \
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(VENV)/bin/honcho -f Procfile.edge start

# The background worker alone (the API runs elsewhere): as production runs it.
worker: migrate
	$(PY) manage.py run_worker

test: install
	$(PY) -m pytest $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy .

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

openapi: install
	$(PY) manage.py spectacular --api-version v1 --file openapi.yaml

lock:
	$(VENV)/bin/uv pip compile pyproject.toml --extra dev --generate-hashes --python-version 3.11 --universal -q -o requirements.lock

bench: install
	$(PY) bench/run.py $(BENCH_ARGS)

# Rate limits: cost per check at any rate, and throughput with a paused (SIGSTOP) Redis.
bench-limits: install
	$(PY) bench/rate_limits.py $(BENCH_LIMITS_ARGS)

faults: install
	$(PY) bench/faults.py $(FAULTS_ARGS)

# Generated TypeScript and Python clients, type-checked and run against a live server.
clients: install
	bash clients/check.sh

# The documentation site (mkdocs-material, sources in docs/): served with live reload, or built
# into site/ with --strict (any warning fails). Nothing is fetched from the network.
docs: install
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs serve --dev-addr $(HOST):$(DOCS_PORT)

docs-build: install
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs build --strict --clean --site-dir site

clean:
	rm -rf $(VENV) db.sqlite3 db.sqlite3-wal db.sqlite3-shm staticfiles site .pytest_cache .mypy_cache .ruff_cache
	rm -rf clients/typescript/node_modules clients/typescript/generated clients/typescript/build
