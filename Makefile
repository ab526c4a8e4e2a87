# MedSync — two commands do all set-up: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
CHROME := $(or $(CHROME_BINARY),/usr/bin/chromium)
CHROMEDRIVER := $(or $(CHROMEDRIVER_PATH),$(shell command -v chromedriver 2>/dev/null),/usr/bin/chromedriver)

.PHONY: run serve worker test lint typecheck lint-js lock lock-check format css css-check demo demo-sync demo-seed seed browser sandbox clean

# The venv is installed from the locks: every package of the tree pinned and checked against its
# hash. requirements*.txt are what people edit; `make lock` regenerates the locks from them.
$(VENV)/.runtime: requirements.lock
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --disable-pip-version-check --require-hashes -r requirements.lock
	@touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.lock
	$(PIP) install --quiet --disable-pip-version-check --require-hashes -r requirements-dev.lock
	@touch $@

LOCK_FLAGS := --quiet --generate-hashes --strip-extras --allow-unsafe --no-emit-index-url --no-emit-find-links

## lock: regenerate requirements.lock and requirements-dev.lock (pip-tools) after editing requirements*.txt
lock: $(VENV)/.dev
	$(VENV)/bin/pip-compile $(LOCK_FLAGS) --output-file=requirements.lock requirements.txt
	$(VENV)/bin/pip-compile $(LOCK_FLAGS) --output-file=requirements-dev.lock requirements-dev.txt

## lock-check: every pin in requirements*.txt is in its lock (a forgotten `make lock` fails CI)
lock-check:
	@for f in requirements requirements-dev; do \
		grep -E '^[A-Za-z0-9]' $$f.txt | tr 'A-Z_' 'a-z-' | while read -r pin; do \
			grep -q "^$$pin " $$f.lock || { echo "$$f.lock lacks $$pin: run 'make lock'" >&2; exit 1; }; \
		done || exit 1; \
	done

## run: the app on FLASK_PORT (5000), on an embedded PostgreSQL unless DATABASE_URL is set
run: $(VENV)/.runtime
	$(PY) app.py

## serve: gunicorn (gunicorn.conf.py: FLASK_HOST, FLASK_PORT, WEB_CONCURRENCY, WEB_THREADS)
serve: $(VENV)/.runtime
	$(VENV)/bin/gunicorn --config gunicorn.conf.py "app:create_app()"

## worker: execute queued runs (JOBS_MODE=queue); start as many as you like, on any host
worker: $(VENV)/.runtime
	$(VENV)/bin/flask --app app worker

## test: the whole suite (real PostgreSQL, real Chromium, real HTTP servers) on TEST_WORKERS
## processes (pytest-xdist; 0 = one), then the tests marked `alone` with nothing beside them
TEST_WORKERS ?= 2
test: $(VENV)/.dev browser
	status=0; \
	$(PY) -m pytest -n $(TEST_WORKERS) --dist worksteal -m "not alone" || status=$$?; \
	$(PY) -m pytest -m alone || status=$$?; \
	exit $$status

## lint: ruff (rules and formatting), mypy, eslint and the locks, as CI and pre-commit run them
lint: $(VENV)/.dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache
	@$(MAKE) --no-print-directory typecheck lint-js lock-check deploy-check

## deploy-check: hadolint (Dockerfile), yamllint (all YAML), the compose file against the
## compose-spec schema, k8s/ rendered by kubectl kustomize and checked by kubernetes-validate
.PHONY: deploy-check
deploy-check: $(VENV)/.dev
	$(VENV)/bin/hadolint Dockerfile
	$(VENV)/bin/yamllint --strict .
	$(PY) -m tests.deploy_check

## typecheck: mypy over the packages and entry files ([tool.mypy] in pyproject.toml)
typecheck: $(VENV)/.dev
	$(VENV)/bin/mypy

## lint-js: eslint over static/js (flat config in eslint.config.js; zero warnings allowed)
lint-js:
	@test -d node_modules || npm ci --no-audit --no-fund --loglevel=error
	npx --no-install eslint --max-warnings=0 static/js

format: $(VENV)/.dev
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

## browser: Debian's chromium + chromium-driver (installed when missing and running as root)
browser:
	@if [ -n "$(SELENIUM_REMOTE_URL)" ] || { [ -x "$(CHROME)" ] && [ -x "$(CHROMEDRIVER)" ]; }; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "Installing Debian's chromium and chromium-driver for the browser tests…"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; \
	else \
		echo "The browser tests need Chromium and ChromeDriver: run 'sudo apt-get install chromium chromium-driver'" >&2; \
		echo "(or set CHROME_BINARY and CHROMEDRIVER_PATH)." >&2; exit 1; \
	fi

## css: rebuild static/css/app.css from Tailwind (needs Node and npm; the output is committed)
css:
	npm ci --no-audit --no-fund
	npm run build:css

## css-check: the committed CSS, vendored Chart.js and Swagger UI are what the locked packages build (CI)
css-check:
	@npm ci --no-audit --no-fund --loglevel=error
	@built=$$(mktemp --suffix=.css); \
	npx --no-install tailwindcss -i static/css/src/input.css -o $$built --minify 2>/dev/null; \
	if ! cmp -s $$built static/css/app.css; then \
		echo "static/css/app.css is stale: run 'make css' and commit it" >&2; rm -f $$built; exit 1; fi; \
	rm -f $$built
	@cmp -s node_modules/chart.js/dist/chart.umd.min.js static/vendor/chart.umd.min.js || \
		{ echo "static/vendor/chart.umd.min.js differs from the locked chart.js: run 'npm run vendor'" >&2; exit 1; }
	@for f in swagger-ui-bundle.js swagger-ui.css; do cmp -s node_modules/swagger-ui-dist/$$f static/vendor/swagger-ui/$$f || \
		{ echo "static/vendor/swagger-ui/$$f differs from the locked swagger-ui-dist: run 'npm run vendor'" >&2; exit 1; }; done
	@echo "static/css/app.css, static/vendor/chart.umd.min.js and static/vendor/swagger-ui are current"

## seed: sample run history for a demo (python seed_scrape_runs.py), in make run's data
seed: $(VENV)/.runtime
	$(PY) seed_scrape_runs.py

## sandbox: the local DailyMed-compatible API and demo portal on port 5050
sandbox: $(VENV)/.runtime
	$(PY) -m sandbox

# The demo's settings live in .env.demo (sandbox addresses, a local rate cap, instance/demo);
# the CLI reads the same file with `flask --env-file .env.demo`.
DEMO_ENV := set -a && . ./.env.demo && set +a
SANDBOX_UP := $(PY) -c "import socket; socket.create_connection(('127.0.0.1', 5050), 1)" 2>/dev/null

## demo: the sandbox plus the app wired to it, on data of its own (instance/demo)
demo: $(VENV)/.runtime
	@$(PY) -m sandbox --port 5050 --control & SANDBOX=$$!; \
	trap "kill $$SANDBOX" EXIT; \
	$(DEMO_ENV) && $(PY) app.py

## demo-sync: a sync in the foreground against the running sandbox, into the demo's data
demo-sync: $(VENV)/.runtime
	@$(SANDBOX_UP) || { echo "Nothing answers on port 5050: start 'make demo' (or 'make sandbox') first." >&2; exit 1; }
	$(VENV)/bin/flask --app app --env-file .env.demo sync $(or $(SOURCE),dailymed)

## demo-seed: sample run history in the demo's data
demo-seed: $(VENV)/.runtime
	$(DEMO_ENV) && $(PY) seed_scrape_runs.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache
