"""LOG_FORMAT=json: every line gunicorn and the app write is one JSON object with the documented
fields (access lines with the request's, a job's lines with its run id), and no secret — a
password, an API token, a session cookie, a webhook URL, the secret key — ever reaches them."""

from __future__ import annotations

import json
import logging
import re
import subprocess
import sys

import pytest
import requests

from config import ConfigError, load_settings
from observability.logs import JsonFormatter
from tests.fixtures.app import TEST_PASSWORD
from tests.fixtures.processes import BIN, ROOT, Api, admin_token, base_env, free_port, gunicorn

WEBHOOK_SECRET = "T0SECRET/B0SECRET/webhook-secret-part"
BASE_FIELDS = {"time", "level", "logger", "message", "process"}
ACCESS_FIELDS = {"client", "method", "path", "status", "bytes", "duration_ms", "user_agent"}


def test_a_bad_log_format_is_refused_naming_the_variable():
    with pytest.raises(ConfigError, match="LOG_FORMAT must be one of text, json"):
        load_settings({"LOG_FORMAT": "yaml"})
    assert load_settings({"LOG_FORMAT": "JSON"}).log_format == "json"
    assert load_settings({}).log_format == "text"


def test_start_up_stops_on_a_bad_log_format_with_one_line(database_url):
    result = subprocess.run(
        [str(BIN / "flask"), "--app", "app", "users", "list"],
        cwd=ROOT,
        env=base_env(database_url, LOG_FORMAT="yaml"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "configuration error: LOG_FORMAT must be one of text, json" in result.stderr


def test_a_record_with_a_traceback_and_a_run_id_is_one_json_line():
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        caught = sys.exc_info()
    record = logging.LogRecord("jobs.engine", logging.ERROR, "", 1, "run %s failed", (7,), caught)
    record.run_id = 7
    line = JsonFormatter().format(record)
    assert "\n" not in line
    fields = json.loads(line)
    assert set(fields) >= BASE_FIELDS
    assert fields["message"] == "run 7 failed" and fields["run_id"] == 7
    assert fields["level"] == "ERROR" and "RuntimeError: boom" in fields["exc_info"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", fields["time"])


def sign_in(url: str) -> requests.Session:
    session = requests.Session()
    page = session.get(f"{url}/login", timeout=10).text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert token
    response = session.post(
        f"{url}/login",
        data={"username": "admin", "password": TEST_PASSWORD, "csrf_token": token.group(1)},
        timeout=10,
        allow_redirects=False,
    )
    assert response.status_code == 302
    return session


def test_under_gunicorn_requests_and_runs_write_json_lines_without_secrets(app, database_url):
    webhook = f"http://127.0.0.1:{free_port()}/services/{WEBHOOK_SECRET}"
    secret_key = "json-logs-secret-key-value"
    with gunicorn(
        database_url,
        workers=2,
        LOG_FORMAT="json",
        SECRET_KEY=secret_key,
        NOTIFY_WEBHOOK_URL=webhook,
        NOTIFY_RETRIES="0",
        DAILYMED_BASE_URL=f"http://127.0.0.1:{free_port()}/nothing-listens-here",
        DAILYMED_MAX_RETRIES="0",
    ) as server:
        token = admin_token(database_url)
        api = Api(server.url, token)
        browser = sign_in(server.url)
        assert browser.get(f"{server.url}/api/stats", timeout=10).status_code == 200
        assert api.get("/api/stats?include_samples=1").status_code == 200
        job_id = api.post("/api/scrape", {"source": "dailymed"}).json()["job_id"]
        assert api.wait_for(job_id, ("failed",), 60)["status"] == "failed"
        cookie = browser.cookies.get("session")
        assert cookie
    output = server.log()

    lines = [json.loads(line) for line in output.splitlines() if line.strip()]  # all JSON
    assert all(set(line) >= BASE_FIELDS for line in lines)
    access = [line for line in lines if line["logger"] == "gunicorn.access"]
    stats = [line for line in access if line.get("path") == "/api/stats"]
    assert len(stats) == 2 and all(set(line) >= ACCESS_FIELDS for line in stats)
    assert {line["status"] for line in stats} == {200}
    run_lines = [line for line in lines if line.get("run_id") == job_id]
    assert any(line["level"] == "ERROR" and "dailymed" in line["message"] for line in run_lines)

    for secret in (TEST_PASSWORD, token, cookie, WEBHOOK_SECRET, secret_key, "include_samples"):
        assert secret not in output, f"{secret[:12]}… reached the log"
