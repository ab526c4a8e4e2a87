"""gunicorn.conf.py: what `make serve` runs. Its numbers come from the one settings reader; the
embedded PostgreSQL starts once, in the master; a worker gunicorn recycles ends its running job
at a checkpoint instead of leaving it "running"."""

from __future__ import annotations

import contextlib
import runpy
import time
from typing import Any

import pytest
import requests

import accounts
from config import ConfigError, default_web_concurrency, default_web_threads, load_settings
from database import BACKGROUND_CONNECTIONS, db
from sandbox.catalogue import Catalogue
from tests.fixtures.app import TEST_PASSWORD, recreate_database, settings_for_tests
from tests.fixtures.processes import ROOT, Api, gunicorn, rows, wait_until

CONFIG = ROOT / "gunicorn.conf.py"


def gunicorn_settings(monkeypatch: pytest.MonkeyPatch, **env: str) -> dict[str, Any]:
    for name in ("FLASK_HOST", "FLASK_PORT", "WEB_CONCURRENCY", "WEB_THREADS", "LOG_LEVEL"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(ROOT.parent)  # no .env of the checkout read
    return runpy.run_path(str(CONFIG))


def test_the_config_takes_address_processes_and_threads_from_the_settings(monkeypatch):
    config = gunicorn_settings(
        monkeypatch, FLASK_HOST="0.0.0.0", FLASK_PORT="8080", WEB_CONCURRENCY="5", WEB_THREADS="6"
    )
    assert config["bind"] == ["0.0.0.0:8080"]
    assert (config["workers"], config["threads"], config["worker_class"]) == (5, 6, "gthread")
    assert config["graceful_timeout"] > config["JOB_STOP_SECONDS"]


def test_it_listens_on_loopback_unless_told_otherwise(monkeypatch):
    assert gunicorn_settings(monkeypatch)["bind"] == ["127.0.0.1:5000"]
    assert gunicorn_settings(monkeypatch, FLASK_HOST="::")["bind"] == ["[::]:5000"]


@pytest.mark.parametrize(
    ("cpus", "workers", "threads"), [(1, 2, 4), (2, 3, 4), (3, 4, 6), (4, 5, 8), (32, 8, 8)]
)
def test_workers_and_threads_are_sized_from_the_cpu_count(cpus, workers, threads):
    assert (default_web_concurrency(cpus), default_web_threads(cpus)) == (workers, threads)


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("JOBS_MODE", "celery"),
        ("FLASK_HOST", "localhost:5000"),
        ("FLASK_HOST", "http://0.0.0.0"),
        ("WEB_CONCURRENCY", "0"),
        ("WEB_THREADS", "many"),
    ],
)
def test_a_bad_production_setting_is_refused_naming_the_variable(variable, value):
    with pytest.raises(ConfigError, match=variable):
        load_settings({variable: value})


def test_each_process_pool_holds_a_connection_per_thread_and_the_background(make_app):
    app = make_app(SETTINGS=settings_for_tests(WEB_THREADS="6"))
    with app.app_context():
        assert db.engine.pool.size() == 6 + BACKGROUND_CONNECTIONS
        db.session.remove()


@pytest.mark.slow
def test_the_embedded_postgres_starts_once_in_the_master_and_stops_with_it(tmp_path):
    instance = tmp_path / "instance"
    # initdb first: a minute on a busy machine.
    with gunicorn("", 3, boot_timeout=180, INSTANCE_PATH=str(instance)) as server:
        assert requests.get(f"{server.url}/health", timeout=10).json()["database"] == "connected"
    assert server.log().count("embedded PostgreSQL started") == 1
    assert not (instance / "pgdata" / "postmaster.pid").exists()  # stopped with the master


@pytest.mark.slow
def test_a_worker_recycled_after_max_requests_ends_its_running_job_interrupted(
    pg_server_url, make_app, start_sandbox_dailymed
):
    url = recreate_database(pg_server_url, "medsync_gunicorn_recycle")
    with make_app(SQLALCHEMY_DATABASE_URI=url).app_context():
        user = accounts.create_user("operator", TEST_PASSWORD, "admin")
        token = accounts.create_token(user, "recycle").plaintext
        db.session.remove()
    base_url, state = start_sandbox_dailymed(Catalogue(classes=12, labels=150), latency_ms=40)
    env = {
        "DAILYMED_BASE_URL": base_url,
        "DAILYMED_CONCURRENCY": "2",
        "DAILYMED_RATE_LIMIT": "2000",
        "GUNICORN_CMD_ARGS": "--max-requests 12",
    }
    with gunicorn(url, 1, **env) as server:
        api = Api(server.url, token)
        job_id = api.post("/api/scrape", {"source": "dailymed"}).json()["job_id"]
        # (a run is "queued" for the moment before its thread starts)
        wait_until(lambda: api.status(job_id)["status"] == "running", 10, "the run to start")
        recycling_at = time.monotonic()
        for _ in range(12):  # polls count towards --max-requests: the worker recycles mid-job
            with contextlib.suppress(requests.RequestException):
                api.status(job_id)
        run = wait_until(
            lambda: (found := rows(url, RUN, id=job_id)[0]).status != "running" and found,
            60,
            "the run to end",
        )
        took = time.monotonic() - recycling_at
        assert server.log().count("Booting worker") >= 2  # it was replaced
    print(f"\nrecycled gunicorn worker: its run recorded after {took:.1f} s")
    assert run.status == "interrupted"
    assert "was shut down" in run.error_message
    assert state.latency_ms  # (the sandbox was slow: the job could not have finished first)


RUN = "SELECT status, error_message FROM scrape_runs WHERE id = :id"
