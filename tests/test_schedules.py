"""Schedules: cron fire times, fired once by whichever process claims them, paused for all.

The tests drive `schedules.tick(now)` with chosen times instead of waiting for the wall clock.
They stand in for the real "analytics" job (`analytics.job`) with one of their own that records
its runs and can be held (`engine.registered`, which puts the real one back afterwards);
tests/test_analytics_runs.py fires the real one.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask import Flask

from database import db
from jobs import engine, schedules
from models import Run, ScheduleFire
from tests.fixtures.app import settings_for_tests
from tests.fixtures.together import run_together

EVERY_MINUTE = "* * * * *"
FAR_OFF = "0 12 1 1 *"  # noon on New Year's Day: keeps the sync schedule out of these tests' way


def local(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    """A wall-clock time in the server's time zone (cron's), as an aware datetime."""
    return datetime(year, month, day, hour, minute, second).astimezone()


def join_job_threads() -> None:
    for thread in threading.enumerate():
        if thread.name.startswith("job-"):
            thread.join(30)


class Analytics:
    """A stand-in "analytics" job: records its runs; `hold()` keeps the next one running."""

    def __init__(self) -> None:
        self.runs: list[int] = []
        self.started = threading.Event()
        self.release = threading.Event()
        self.release.set()

    def hold(self) -> None:
        self.release.clear()

    def __call__(self, ctx: engine.JobContext) -> None:
        self.runs.append(ctx.run_id)
        self.started.set()
        assert self.release.wait(30)


@pytest.fixture
def analytics(app: Flask) -> Iterator[Analytics]:
    job = Analytics()
    with engine.registered("analytics", job):
        yield job
        job.release.set()
        join_job_threads()


@pytest.fixture(scope="module")
def every_minute(make_app) -> tuple[Flask, Flask]:
    """Two app instances on the one database (two workers, say), analytics every minute."""
    settings = settings_for_tests(ANALYTICS_SCHEDULE=EVERY_MINUTE, SCRAPE_SCHEDULE=FAR_OFF)
    return make_app(SETTINGS=settings), make_app(SETTINGS=settings)


def tick(app: Flask, now: datetime) -> list[schedules.Fired]:
    with app.app_context():
        try:
            return schedules.tick(now)
        finally:
            db.session.remove()


def fires() -> list[ScheduleFire]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(ScheduleFire).order_by(ScheduleFire.fire_at)))


def runs() -> list[Run]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Run).order_by(Run.id)))


# ------------------------------------------------------------------ cron


def test_fire_times_follow_the_cron_in_the_servers_time_zone():
    cron = "10 0 */2 * *"  # the analytics default: 00:10 on odd days of the month
    now = local(2026, 12, 1, 0, 10, 30)
    assert schedules.latest_fire_time(cron, now) == local(2026, 12, 1, 0, 10)
    assert schedules.next_fire_time(cron, now) == local(2026, 12, 3, 0, 10)
    assert schedules.latest_fire_time(cron, local(2026, 12, 1, 0, 10)) == local(2026, 12, 1, 0, 10)
    assert schedules.describe(cron) == "At 12:10 AM, every 2 days"


# ------------------------------------------------------------------ exactly once


def race_ticks(instances: tuple[Flask, ...], now: datetime) -> list[list[schedules.Fired]]:
    """Every instance ticks at `now`, released together so their claims race."""
    barrier = threading.Barrier(len(instances))
    results: list[list[schedules.Fired]] = []

    def race(instance: Flask) -> None:
        barrier.wait()
        results.append(tick(instance, now))

    threads = [threading.Thread(target=race, args=(instance,)) for instance in instances]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results


def test_two_app_instances_ticking_at_the_same_moments_fire_each_minute_once(
    app, every_minute, analytics
):
    first, second = every_minute
    minutes = [local(2026, 12, 1, 3, m, 1) for m in range(5)]
    for now in minutes:
        results = race_ticks(every_minute, now)
        assert sorted(len(r) for r in results) == [0, 1]  # one instance fired, the other not
        join_job_threads()

    assert [f.fire_at for f in fires()] == [now.replace(second=0) for now in minutes]
    assert [f.outcome for f in fires()] == ["started"] * 5
    fired_runs = runs()
    assert len(fired_runs) == 5 == len(analytics.runs)
    assert {r.triggered_by for r in fired_runs} == {"schedule:analytics"}
    assert {r.status for r in fired_runs} == {"completed"}
    assert tick(first, minutes[-1]) == [] and tick(second, minutes[-1]) == []  # never twice


SCHEDULER_PROCESS = """
import json, sys, threading
from datetime import datetime
from app import create_app
from jobs import engine, schedules

app = create_app()
engine.register("analytics")(lambda ctx: None)
minutes = [datetime.fromisoformat(m) for m in json.loads(sys.argv[1])]
print("ready", flush=True)
sys.stdin.readline()  # both processes start ticking together
with app.app_context():
    for now in minutes:
        for fired in schedules.tick(now):
            print(json.dumps([fired.fire_at.isoformat(), fired.outcome]), flush=True)
for thread in threading.enumerate():
    if thread.name.startswith("job-"):
        thread.join(30)
"""


def test_two_app_processes_fire_each_minute_once(app, database_url):
    minutes = [local(2026, 12, 2, 4, m, 2).isoformat() for m in range(6)]
    env = {
        "DATABASE_URL": database_url,
        "ANALYTICS_SCHEDULE": EVERY_MINUTE,
        "SCRAPE_SCHEDULE": FAR_OFF,
        "SCHEDULER_ENABLED": "false",  # the test drives the ticks
        "MIGRATE_ON_START": "false",
        "SECRET_KEY": "test",
        "LOG_LEVEL": "WARNING",
        "PATH": "/usr/bin:/bin",
    }
    outputs = run_together(SCHEDULER_PROCESS, [json.dumps(minutes)], env)

    claimed = [json.loads(line)[0] for out in outputs for line in out.splitlines()]
    expected = [datetime.fromisoformat(m).replace(second=0) for m in minutes]
    assert sorted(datetime.fromisoformat(c) for c in claimed) == expected  # each once, no twice
    assert [f.fire_at for f in fires()] == expected
    assert {f.outcome for f in fires()} <= {"started", "skipped"}
    started = sum(1 for f in fires() if f.outcome == "started")
    assert started == len(runs()) and started >= 1


# ------------------------------------------------------------------ missed, skipped, absent


@pytest.fixture(scope="module")
def nightly(make_app) -> Flask:
    """An instance whose analytics schedule is daily at midnight, with 60 minutes' grace."""
    return make_app(
        SETTINGS=settings_for_tests(
            ANALYTICS_SCHEDULE="0 0 * * *", SCRAPE_SCHEDULE=FAR_OFF, SCHEDULE_GRACE_MINUTES="60"
        )
    )


def test_a_fire_time_missed_while_down_runs_once_at_start_up_within_the_grace(
    app, nightly, analytics
):
    scheduler = schedules.Scheduler(nightly, clock=lambda: local(2026, 12, 3, 0, 40))
    scheduler.start()  # its first tick is the start-up
    try:
        assert scheduler.ticked.wait(30)
    finally:
        scheduler.stop()
    join_job_threads()
    assert [(f.fire_at, f.outcome) for f in fires()] == [(local(2026, 12, 3, 0, 0), "started")]
    assert len(analytics.runs) == 1
    assert tick(nightly, local(2026, 12, 3, 0, 41)) == []  # another start-up: never twice


def test_a_fire_time_older_than_the_grace_is_left_alone(app, nightly, analytics):
    assert tick(nightly, local(2026, 12, 3, 1, 1)) == []
    assert fires() == [] and analytics.runs == []


def test_a_schedule_firing_while_its_job_runs_is_recorded_as_skipped(
    app, every_minute, analytics, bearer
):
    first, _ = every_minute
    analytics.hold()
    with first.app_context():
        manual = engine.start("analytics", "user:alice").id
        db.session.remove()
    assert analytics.started.wait(30)

    [fired] = tick(first, local(2026, 12, 4, 0, 5, 3))
    assert fired.outcome == "skipped" and fired.run_ids == ()
    assert f"already running (job {manual})" in (fired.message or "")
    [row] = fires()
    assert row.outcome == "skipped" and row.run_ids == []
    last = schedule(app, bearer, "analytics")["last"]
    assert last["outcome"] == "skipped" and f"job {manual}" in last["message"]
    analytics.release.set()


def test_a_schedule_fires_only_while_its_job_is_registered(app, every_minute):
    first, _ = every_minute
    now = local(2026, 12, 5, 0, 7, 1)
    job = Analytics()
    with engine.registered("analytics", job):  # the real job comes back afterwards
        engine.unregister("analytics")
        assert tick(first, now) == []
        assert fires() == []  # not claimed: registering the job later still lets it fire
        engine.register("analytics")(job)
        [fired] = tick(first, now)
        assert fired.outcome == "started"
        join_job_threads()
    assert len(job.runs) == 1


def test_the_sync_schedule_runs_dailymed_then_portal(app, make_app):
    order: list[str] = []
    dailymed_running, release_dailymed = threading.Event(), threading.Event()

    def dailymed(ctx: engine.JobContext) -> None:
        order.append("dailymed")
        dailymed_running.set()
        assert release_dailymed.wait(30)

    with (
        engine.registered("dailymed", dailymed),
        engine.registered("portal", lambda ctx: order.append("portal")),
    ):
        nightly_sync = make_app(SETTINGS=settings_for_tests(SCRAPE_SCHEDULE="0 0 * * *"))

        [fired] = tick(nightly_sync, local(2026, 12, 6, 0, 0, 4))
        assert dailymed_running.wait(30)
        queued = {r.source: r.status for r in runs()}
        assert queued == {"dailymed": "running", "portal": "queued"}  # the portal waits its turn
        release_dailymed.set()
        join_job_threads()

        assert order == ["dailymed", "portal"]
        fired_runs = runs()
        assert [r.id for r in fired_runs] == list(fired.run_ids)
        assert [(r.source, r.status, r.triggered_by) for r in fired_runs] == [
            ("dailymed", "completed", "schedule:sync"),
            ("portal", "completed", "schedule:sync"),
        ]
        assert fired_runs[0].completed_at <= fired_runs[1].started_at


# ------------------------------------------------------------------ pause, resume, API


def schedule(app: Flask, bearer, name: str, client=None) -> dict:
    client = client or app.test_client()
    body = client.get("/api/schedules", headers=bearer("viewer")).json
    return next(s for s in body["data"] if s["name"] == name)


def test_pause_and_resume_hold_across_app_instances(app, every_minute, analytics, bearer):
    first, second = every_minute
    admin = bearer("admin")
    paused = first.test_client().post("/api/schedules/analytics/pause", headers=admin)
    assert paused.status_code == 200 and paused.json["data"]["paused"] is True
    assert schedule(second, bearer, "analytics", second.test_client())["paused"] is True

    [fired] = tick(second, local(2026, 12, 7, 0, 1, 1))
    assert fired.outcome == "paused" and analytics.runs == []

    resumed = second.test_client().post("/api/schedules/analytics/resume", headers=admin)
    assert resumed.json["data"]["paused"] is False
    assert tick(first, local(2026, 12, 7, 0, 1, 30)) == []  # the paused minute stays unrun
    [fired] = tick(first, local(2026, 12, 7, 0, 2, 1))
    assert fired.outcome == "started"
    join_job_threads()
    assert len(analytics.runs) == 1


def test_anyone_signed_in_reads_the_schedules(app, viewer):
    response = viewer.get("/api/schedules")
    assert response.status_code == 200
    by_name = {s["name"]: s for s in response.json["data"]}
    sync = by_name["sync"]
    assert sync["cron"] == "0 0 * * *" and sync["cron_in_words"] == "At 12:00 AM"
    assert sync["jobs"] == ["dailymed", "portal"] and sync["setting"] == "SCRAPE_SCHEDULE"
    next_fire = datetime.fromisoformat(sync["next_fire_at"])
    assert timedelta(0) < next_fire - datetime.now(UTC) <= timedelta(days=1)
    assert sync["paused"] is False and sync["last"] is None
    assert by_name["analytics"]["available"] is True  # the analytics job is registered


def test_only_admins_pause_resume_or_run_a_schedule(app, editor):
    for action in ("pause", "resume", "run"):
        response = editor.post(f"/api/schedules/sync/{action}")
        assert response.status_code == 403, action


def test_an_unknown_schedule_is_a_404(app, admin):
    response = admin.post("/api/schedules/weekly/pause")
    assert response.status_code == 404
    assert "sync" in response.json["error"]["message"]


def test_run_now_answers_202_with_job_ids_then_409_while_running(app, admin, analytics):
    analytics.hold()
    response = admin.post("/api/schedules/analytics/run")
    assert response.status_code == 202
    [job_id] = response.json["job_ids"]
    assert analytics.started.wait(30)
    again = admin.post("/api/schedules/analytics/run")
    assert again.status_code == 409 and again.json["error"]["details"]["job_id"] == job_id
    analytics.release.set()
    join_job_threads()
    run = db.session.get(Run, job_id)
    assert run is not None and run.triggered_by == "schedule:analytics:alice"
    last = admin.get("/api/schedules").json["data"][1]["last"]
    assert last["outcome"] == "started" and [r["id"] for r in last["runs"]] == [job_id]
    assert last["runs"][0]["status"] == "completed"


def test_run_now_of_a_schedule_whose_job_does_not_exist_is_a_409(app, admin):
    with engine.registered("analytics", Analytics()):  # the real job comes back afterwards
        engine.unregister("analytics")
        response = admin.post("/api/schedules/analytics/run")
    assert response.status_code == 409
    assert "no analytics job" in response.json["error"]["message"]
