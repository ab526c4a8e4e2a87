"""Faults with real processes: gunicorn with several workers, queue workers, processes killed and
restarted, the database stopped and started again. Real PostgreSQL, the sandbox DailyMed over
real HTTP. Marked slow (`pytest -m "not slow"` leaves them out; `make test` runs them).

The times a killed run takes to be marked interrupted are printed (`pytest -s`) and bounded:
under gunicorn on one host, as soon as the replacement worker boots (it finds the dead pid); a
queue worker on any host, within JOB_STALE_AFTER × 4/3 (the other processes' reapers).
"""

from __future__ import annotations

import re
import signal
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
import requests
from flask import Flask

import accounts
from database import db
from sandbox.catalogue import Catalogue
from sandbox.dailymed_state import DailymedState
from tests.fixtures.app import (
    TEST_PASSWORD,
    admin_url,
    embedded_postgres_server,
    recreate_database,
)
from tests.fixtures.dailymed_sync import run_sync, stored_catalogue
from tests.fixtures.processes import (
    JOB_STALE_AFTER,
    Api,
    Process,
    booted_pids,
    gunicorn,
    kill_9,
    queue_workers,
    rows,
    scalar,
    stop_postgres,
    wait_until,
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


@contextmanager
def slow_sync_served(
    database: Database, workers: int, dailymed: tuple[str, DailymedState], **env: str
) -> Iterator[tuple[Process, Api]]:
    """gunicorn with `workers` workers on `database`, syncing from the sandbox, which answers
    slowly so a sync is still running when the test strikes; the server and an admin's API."""
    base_url, state = dailymed
    state.latency_ms = SLOW_MS
    with gunicorn(database.url, workers, **sync_env(base_url), **env) as server:
        yield server, Api(server.url, database.token)


def sync_under_way(api: Api) -> int:
    """A DailyMed sync started and a few steps in; its job id."""
    job_id = api.trigger()
    api.under_way(job_id)
    return job_id


def a_new_sync_completes(api: Api, dailymed: tuple[str, DailymedState]) -> int:
    """The sandbox at full speed again, a new sync runs to completion; its job id."""
    dailymed[1].latency_ms = 0
    return api.completes()


def pid_of(database: Database, job_id: int) -> int:
    worker = scalar(database.url, "SELECT worker FROM scrape_runs WHERE id = :id", id=job_id)
    return int(worker.rsplit(":", 1)[1])


def status_pollers(server: Process, job_id: int) -> set[int]:
    pattern = rf'"GET /api/scrape/status/{job_id} HTTP/1.1" 200 .* <(\d+)>$'
    return {int(pid) for pid in re.findall(pattern, server.log(), re.MULTILINE)}


def test_three_workers_one_run_polled_through_all_and_a_second_trigger_refused(
    fresh_database, dailymed
):
    with slow_sync_served(fresh_database, 3, dailymed) as (server, api):
        job_id = api.trigger()
        second = api.post("/api/scrape", {"source": "dailymed"})
        assert second.status_code == 409
        assert second.json()["error"]["details"]["job_id"] == job_id
        runner = pid_of(fresh_database, job_id)
        seen: list[dict[str, Any]] = []

        others = set(booted_pids(server)) - {runner}
        assert len(others) == 2

        def polled_through_the_others() -> bool:
            with ThreadPoolExecutor(12) as pool:  # at once, so the workers share them
                seen.extend(pool.map(lambda _: api.status(job_id), range(12)))
            return others <= status_pollers(server, job_id)

        wait_until(polled_through_the_others, 60, "polls answered by both other workers")
        assert any(body["status"] == "running" for body in seen)
        dailymed[1].latency_ms = 0
        body = api.wait_for(job_id, ("completed",), 90)
    assert body["records_found"] == LABELS
    assert len(booted_pids(server)) == 3  # no worker died or was replaced on the way


def test_kill_9_of_the_worker_running_a_job_marks_it_interrupted_and_loses_nothing(
    fresh_database, dailymed, uninterrupted
):
    with slow_sync_served(fresh_database, 2, dailymed) as (_, api):
        job_id = sync_under_way(api)
        body, took = kill_9(pid_of(fresh_database, job_id), api, job_id, REAPED_WITHIN)
        print(f"\nkill -9 of a gunicorn worker: run marked interrupted after {took:.1f} s")
        assert "stopped before it finished" in body["error"]
        a_new_sync_completes(api, dailymed)
    assert fresh_database.catalogue() == uninterrupted  # no torn rows, nothing missing


def test_a_restart_mid_sync_interrupts_the_run_and_the_next_run_stores_the_same_data(
    fresh_database, dailymed, uninterrupted
):
    with slow_sync_served(fresh_database, 2, dailymed) as (server, api):
        job_id = sync_under_way(api)
        stopping_at = time.monotonic()
        server.stop(signal.SIGTERM)  # a deploy: gunicorn stops gracefully
        took = time.monotonic() - stopping_at
    run = fresh_database.run(job_id)
    print(f"\ngraceful restart mid-sync: gunicorn stopped, run recorded, after {took:.1f} s")
    assert run.status == "interrupted"
    assert "was shut down" in run.error_message
    assert took < 30  # gunicorn's graceful_timeout: the job reached a checkpoint before it
    with slow_sync_served(fresh_database, 1, dailymed) as (_, api):  # restarted
        a_new_sync_completes(api, dailymed)
    assert fresh_database.catalogue() == uninterrupted


@pytest.fixture
def own_postgres() -> Iterator[Any]:
    """A PostgreSQL server of this test's own, which it may stop and start again."""
    with embedded_postgres_server() as server:
        yield server


def test_the_database_going_away_and_coming_back(own_postgres, make_app, dailymed):
    database = prepared(recreate_database(admin_url(own_postgres), "medsync"), make_app)
    with slow_sync_served(database, 1, dailymed) as (server, api):
        job_id = sync_under_way(api)
        stop_postgres(own_postgres)

        def health() -> Any:
            answer = requests.get(f"{server.url}/health", timeout=10)
            return answer.status_code == 503 and answer.json()  # (a 503 Response is falsy)

        assert wait_until(health, 30, "/health to answer 503")["database"] == "disconnected"
        own_postgres.ensure_postgres_running()
        wait_until(lambda: requests.get(f"{server.url}/health", timeout=10).ok, 60, "/health 200")
        body = api.wait_for(job_id, ("failed", "interrupted"), REAPED_WITHIN + 10)
        print(f"\nthe database went away mid-sync: run {body['status']}: {body['error']}")
        assert body["error"]
        again = a_new_sync_completes(api, dailymed)  # the source is free again, nothing lost
        runs = api.get("/api/scrape-runs").json()
        assert {run["job_id"] for run in runs["data"]} == {job_id, again}


def test_two_queue_workers_never_share_a_run_and_a_killed_one_leaves_it_interrupted(
    fresh_database, make_app, dailymed
):
    with (
        slow_sync_served(fresh_database, 1, dailymed, JOBS_MODE="queue") as (_, api),
        queue_workers(fresh_database.url, 2, **sync_env(dailymed[0])) as (first, second),
    ):
        job_id = sync_under_way(api)
        runner = pid_of(fresh_database, job_id)
        assert runner in (first.pid, second.pid)  # a worker runs it, never the web process
        survivor = second if runner == first.pid else first
        body, took = kill_9(runner, api, job_id, REAPED_WITHIN)
        print(f"\nkill -9 of a queue worker: run marked interrupted after {took:.1f} s")
        again = a_new_sync_completes(api, dailymed)
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
