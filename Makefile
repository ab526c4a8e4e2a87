# MedSync — two commands do all set-up: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
CHROME := $(or $(CHROME_BINARY),/usr/bin/chromium)
CHROMEDRIVER := $(or $(CHROMEDRIVER_PATH),$(shell command -v chromedriver 2>/dev/null),/usr/bin/chromedriver)

.PHONY: run test lint format css css-check demo browser sandbox clean

$(VENV)/.runtime: requirements.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --disable-pip-version-check -r requirements.txt
	@touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(PIP) install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

## run: the app on FLASK_PORT (5000), on an embedded PostgreSQL unless DATABASE_URL is set
run: $(VENV)/.runtime
	$(PY) app.py

## test: the whole suite (real PostgreSQL, real Chromium, real HTTP servers)
test: $(VENV)/.dev browser
	$(PY) -m pytest

## lint: ruff, as CI runs it
lint: $(VENV)/.dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

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

## css-check: the committed CSS and vendored Chart.js are what the locked packages build (CI)
css-check:
	@npm ci --no-audit --no-fund --loglevel=error
	@built=$$(mktemp --suffix=.css); \
	npx --no-install tailwindcss -i static/css/src/input.css -o $$built --minify 2>/dev/null; \
	if ! cmp -s $$built static/css/app.css; then \
		echo "static/css/app.css is stale: run 'make css' and commit it" >&2; rm -f $$built; exit 1; fi; \
	rm -f $$built
	@cmp -s node_modules/chart.js/dist/chart.umd.min.js static/vendor/chart.umd.min.js || \
		{ echo "static/vendor/chart.umd.min.js differs from the locked chart.js: run 'npm run vendor'" >&2; exit 1; }
	@echo "static/css/app.css and static/vendor/chart.umd.min.js are current"

## sandbox: the local DailyMed-compatible API and demo portal on port 5050
sandbox: $(VENV)/.runtime
	$(PY) -m sandbox

## demo: the sandbox plus the app wired to it (portal profile 'sandbox')
demo: $(VENV)/.runtime
	@$(PY) -m sandbox --port 5050 --control & SANDBOX=$$!; \
	trap "kill $$SANDBOX" EXIT; \
	PORTAL_PROFILE=sandbox PORTAL_BASE_URL=http://127.0.0.1:5050/portal \
	PORTAL_USERNAME=demo PORTAL_PASSWORD=demo-password \
	DAILYMED_BASE_URL=http://127.0.0.1:5050/dailymed/services/v2 $(PY) app.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
