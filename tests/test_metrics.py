"""Prometheus /metrics: admins only (a session or an admin's API token), with the runs' figures
read from PostgreSQL and the request latency by route rule; under gunicorn the workers' figures
add up, whichever worker answers the scrape."""

from __future__ import annotations

import subprocess
import sys

import requests
from prometheus_client.parser import text_string_to_metric_families

from jobs import engine
from tests.fixtures.processes import ROOT, Api, admin_token, base_env, gunicorn, worker_pids

PROMETHEUS_ACCEPT = (
    "application/openmetrics-text;version=1.0.0;q=0.5,text/plain;version=0.0.4;q=0.4,*/*;q=0.1"
)


def parse(text: str) -> dict[str, dict[tuple[tuple[str, str], ...], float]]:
    """Every sample by name, then by its sorted labels."""
    samples: dict[str, dict[tuple[tuple[str, str], ...], float]] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples.setdefault(sample.name, {})[tuple(sorted(sample.labels.items()))] = sample.value
    return samples


def latency_count(samples, route: str, method: str = "GET", status: str = "2xx") -> float:
    key = (("method", method), ("route", route), ("status", status))
    return samples.get("medsync_http_request_duration_seconds_count", {}).get(key, 0.0)


# ------------------------------------------------------------------ who may read it


def test_a_scraper_without_credentials_gets_401(client):
    response = client.get("/metrics", headers={"Accept": PROMETHEUS_ACCEPT})
    assert response.status_code == 401
    assert response.json["error"]["code"] == "unauthorized"
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_a_scraper_with_a_wrong_token_gets_401(client):
    response = client.get("/metrics", headers={"Authorization": "Bearer msk_not-a-token"})
    assert response.status_code == 401


def test_a_browser_without_a_session_is_sent_to_sign_in(client):
    response = client.get("/metrics", headers={"Accept": "text/html,*/*;q=0.8"})
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_a_viewer_or_an_editor_gets_403(viewer, bearer):
    assert viewer.get("/metrics").status_code == 403
    response = viewer.client.get("/metrics", headers=bearer("editor"))
    assert response.status_code == 403
    assert "admin" in response.json["error"]["message"]


def test_an_admin_session_and_an_admin_token_read_it(admin, client, bearer):
    for response in (admin.get("/metrics"), client.get("/metrics", headers=bearer("admin"))):
        assert response.status_code == 200
        assert response.content_type.startswith("text/plain")
        assert "medsync_job_queue_depth" in parse(response.get_data(as_text=True))


# ------------------------------------------------------------------ what it says


def test_runs_durations_queue_and_latency_are_reported(app, client, bearer):
    calls = iter(["ok", "ok", "fail"])

    def job(ctx: engine.JobContext) -> None:
        if next(calls) == "fail":
            raise RuntimeError("the source said no")

    headers = bearer("admin")
    with engine.registered("_test_metrics", job):
        for _ in range(3):
            engine.run_in_foreground("_test_metrics", "tests")
        before = parse(client.get("/metrics", headers=headers).get_data(as_text=True))
        for _ in range(4):
            assert client.get("/health").status_code == 200
        assert client.get("/api/scrape/status/999999", headers=headers).status_code == 404
        samples = parse(client.get("/metrics", headers=headers).get_data(as_text=True))

    runs = samples["medsync_runs"]
    assert runs[(("source", "_test_metrics"), ("status", "completed"))] == 2
    assert runs[(("source", "_test_metrics"), ("status", "failed"))] == 1
    durations = samples["medsync_run_duration_seconds_count"]
    assert durations[(("source", "_test_metrics"),)] == 3
    assert (
        samples["medsync_run_duration_seconds_bucket"][
            (("le", "+Inf"), ("source", "_test_metrics"))
        ]
        == 3
    )
    assert samples["medsync_job_queue_depth"][()] == 0
    assert (("source", "_test_metrics"),) in samples["medsync_last_completed_run_timestamp_seconds"]

    # Latency by route rule, never the raw URL: the status poll of run 999999 is its rule.
    assert latency_count(samples, "/health") - latency_count(before, "/health") == 4
    assert latency_count(samples, "/api/scrape/status/<int:job_id>", status="4xx") >= 1
    assert not any(
        "999999" in dict(key).get("route", "")
        for key in samples["medsync_http_request_duration_seconds_count"]
    )


def test_a_queued_run_counts_in_the_queue_depth(app, client, bearer, make_app):
    from tests.fixtures.app import settings_for_tests

    queue_app = make_app(SETTINGS=settings_for_tests(JOBS_MODE="queue"))
    with engine.registered("_test_queued", lambda ctx: None), queue_app.app_context():
        engine.start("_test_queued", "tests")
    samples = parse(client.get("/metrics", headers=bearer("admin")).get_data(as_text=True))
    assert samples["medsync_job_queue_depth"][()] == 1
    assert samples["medsync_runs"][(("source", "_test_queued"), ("status", "queued"))] == 1


# ------------------------------------------------------------------ several workers


def test_under_gunicorn_the_workers_latency_counts_add_up(app, database_url):
    with gunicorn(database_url, workers=2) as server:
        api = Api(server.url, admin_token(database_url))
        before = parse(api.get("/metrics").text)
        sent = 0
        while sent < 30 or len(worker_pids(server)) < 2:  # until both workers answered some
            # A new connection each: gunicorn deals them out to its workers.
            assert requests.get(f"{server.url}/health", timeout=10).status_code == 200
            sent += 1
            assert sent < 500, "every /health went to one worker"
        scrapes = [parse(api.get("/metrics").text) for _ in range(4)]

    for after in scrapes:  # whichever worker answered, it counts every worker's requests
        assert latency_count(after, "/health") - latency_count(before, "/health") == sent


def test_reading_the_gunicorn_config_changes_nothing_in_the_reading_process():
    """Tests and tools read gunicorn.conf.py: that must not make the process look like a server
    (a gunicorn import starts reapers) nor switch /metrics to multiprocess mode; only a gunicorn
    master's on_starting does that."""
    probe = (
        "import os, runpy, sys; config = runpy.run_path('gunicorn.conf.py'); "
        "print('gunicorn' in sys.modules, 'PROMETHEUS_MULTIPROC_DIR' in os.environ, "
        "config.get('logger_class'))"
    )
    env = {**base_env("postgresql://unused@127.0.0.1/unused"), "LOG_FORMAT": "json"}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.stdout.split() == ["False", "False", "observability.gunicorn_logs.JsonLogger"]
