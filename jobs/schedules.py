"""Schedules: cron strings that start jobs, each fire time fired by exactly one process.

A schedule names the jobs it starts, one after another (`engine.start_chain`), with
`triggered_by` "schedule:<name>". Its state lives in the `schedules` table (cron, paused, last
firing), so every process and replica agrees on it.

Every process with SCHEDULER_ENABLED runs a `Scheduler`: a thread that sleeps until the next fire
time and then calls `tick(now)`. croniter computes the fire times, in the server's local time
zone. `tick` takes each schedule's latest fire time, if it is at most SCHEDULE_GRACE_MINUTES
old, and inserts its claim row (`schedule_fires`, unique per schedule and fire time): whoever
inserts it fires; every other process finds it taken. The first tick, at start-up, so catches a
fire time missed while the app was down, once. A fire time that comes while a schedule is paused
is claimed as "paused", and one that comes while one of its jobs is running as "skipped": neither
runs later. A schedule whose jobs are not all registered (analytics, until its job exists) is
never claimed, so it fires from the first fire time after they are.

The retention clean-up (`tidy`, RETENTION_SCHEDULE) rides on the same thread and claim rows, as
the schedule "retention"; it starts no run and is not listed with the schedules.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from cron_descriptor import get_description
from croniter import croniter
from flask import Flask, current_app
from sqlalchemy.dialects.postgresql import insert

from database import db
from errors import Conflict, NotFound
from jobs import engine, retention
from models import Run, Schedule, ScheduleFire

log = logging.getLogger(__name__)

MAX_SLEEP_SECONDS = 60.0  # look again at least this often: another process may change a cron
RETRY_SECONDS = 30.0  # after a tick failed (the database away, say)
RETENTION = "retention"  # the claim rows' schedule name of the daily clean-up (`tidy`)


@dataclass(frozen=True)
class ScheduleSpec:
    """What a schedule starts, and the setting its cron comes from."""

    name: str
    cron: str
    jobs: tuple[str, ...]
    setting: str


@dataclass
class ScheduleState:
    """A schedule as the API shows it."""

    spec: ScheduleSpec
    cron: str
    paused: bool
    available: bool  # every job it starts is registered
    next_fire_at: datetime
    last_fire_at: datetime | None
    last_outcome: str | None
    last_message: str | None
    last_runs: list[Run] = field(default_factory=list)

    @property
    def cron_in_words(self) -> str:
        return describe(self.cron)


@dataclass(frozen=True)
class Fired:
    """What one claimed fire time did."""

    schedule: str
    fire_at: datetime
    outcome: str  # started, skipped, paused
    run_ids: tuple[int, ...] = ()
    message: str | None = None


def configured(settings: Any) -> tuple[ScheduleSpec, ...]:
    return (
        ScheduleSpec("sync", settings.scrape_schedule, ("dailymed", "portal"), "SCRAPE_SCHEDULE"),
        ScheduleSpec(
            "analytics", settings.analytics_schedule, ("analytics",), "ANALYTICS_SCHEDULE"
        ),
    )


def init_app(app: Flask) -> None:
    app.extensions["medsync.schedules"] = configured(app.config["SETTINGS"])


def specs() -> tuple[ScheduleSpec, ...]:
    return current_app.extensions["medsync.schedules"]


def get_spec(name: str) -> ScheduleSpec:
    for spec in specs():
        if spec.name == name:
            return spec
    raise NotFound(f"No schedule named {name!r}; there are {', '.join(s.name for s in specs())}.")


def available(spec: ScheduleSpec) -> bool:
    return all(job in engine.sources() for job in spec.jobs)


# ------------------------------------------------------------------ cron, in local time


def describe(cron: str) -> str:
    return get_description(cron)


def _local_wall(moment: datetime) -> datetime:
    """The server's local wall-clock time of `moment`, naive, as cron reads it."""
    return moment.astimezone().replace(tzinfo=None, microsecond=0)


def latest_fire_time(cron: str, now: datetime) -> datetime:
    """The last fire time at or before `now` (aware, in UTC)."""
    # Fire times are whole minutes and croniter's get_prev is strict: start one second on.
    wall = croniter(cron, _local_wall(now) + timedelta(seconds=1)).get_prev(datetime)
    return wall.astimezone().astimezone(UTC)  # the naive local time, placed in local time


def next_fire_time(cron: str, now: datetime) -> datetime:
    """The first fire time after `now` (aware, in UTC)."""
    return croniter(cron, _local_wall(now)).get_next(datetime).astimezone().astimezone(UTC)


def grace() -> timedelta:
    return timedelta(minutes=current_app.config["SETTINGS"].schedule_grace_minutes)


# ------------------------------------------------------------------ stored state


def store_configured_crons() -> None:
    """At start-up: the settings' crons into the shared rows (paused and history stay)."""
    for spec in specs():
        db.session.execute(
            insert(Schedule)
            .values(name=spec.name, cron=spec.cron)
            .on_conflict_do_update(index_elements=[Schedule.name], set_={"cron": spec.cron})
        )
    db.session.commit()


def _rows() -> dict[str, Schedule]:
    """Every configured schedule's row, created from the settings when missing."""
    for spec in specs():
        db.session.execute(
            insert(Schedule).values(name=spec.name, cron=spec.cron).on_conflict_do_nothing()
        )
    db.session.commit()
    names = [spec.name for spec in specs()]
    return {
        row.name: row
        for row in db.session.scalars(sa.select(Schedule).where(Schedule.name.in_(names)))
    }


def states(now: datetime | None = None) -> list[ScheduleState]:
    now = now or datetime.now(UTC)
    rows = _rows()
    run_ids = [run_id for row in rows.values() for run_id in row.last_run_ids]
    runs = {run.id: run for run in db.session.scalars(sa.select(Run).where(Run.id.in_(run_ids)))}
    return [
        ScheduleState(
            spec=spec,
            cron=row.cron,
            paused=row.paused,
            available=available(spec),
            next_fire_at=next_fire_time(row.cron, now),
            last_fire_at=row.last_fire_at,
            last_outcome=row.last_outcome,
            last_message=row.last_message,
            last_runs=[runs[i] for i in row.last_run_ids if i in runs],
        )
        for spec in specs()
        for row in (rows[spec.name],)
    ]


def state(name: str) -> ScheduleState:
    get_spec(name)
    return next(s for s in states() if s.spec.name == name)


def set_paused(name: str, paused: bool) -> ScheduleState:
    get_spec(name)
    _rows()
    db.session.execute(sa.update(Schedule).where(Schedule.name == name).values(paused=paused))
    db.session.commit()
    log.info("schedule %s %s", name, "paused" if paused else "resumed")
    return state(name)


def _record(fired: Fired) -> None:
    db.session.execute(
        sa.update(Schedule)
        .where(Schedule.name == fired.schedule)
        .values(
            last_fire_at=fired.fire_at,
            last_outcome=fired.outcome,
            last_message=fired.message,
            last_run_ids=list(fired.run_ids),
        )
    )
    db.session.commit()


def _start(spec: ScheduleSpec, fire_at: datetime, triggered_by: str, user_id: int | None) -> Fired:
    try:
        runs = engine.start_chain(spec.jobs, triggered_by, user_id)
    except engine.JobAlreadyRunning as exc:
        return Fired(spec.name, fire_at, "skipped", message=f"Skipped: {exc.message}")
    return Fired(spec.name, fire_at, "started", tuple(run.id for run in runs))


# ------------------------------------------------------------------ firing


def run_now(name: str, username: str, user_id: int | None) -> Fired:
    """Start a schedule's jobs at once; JobAlreadyRunning (409) when one of them is running."""
    spec = get_spec(name)
    if not available(spec):
        raise Conflict(f"The {name} schedule cannot run: no {', '.join(spec.jobs)} job exists yet.")
    _rows()
    runs = engine.start_chain(spec.jobs, f"schedule:{name}:{username}", user_id)
    fired = Fired(
        name, datetime.now(UTC), "started", tuple(r.id for r in runs), f"Run now by {username}"
    )
    _record(fired)
    return fired


def _claim(name: str, fire_at: datetime, paused: bool) -> int | None:
    """Insert the claim row of this fire time; its id, or None when another process has it."""
    claim_id = db.session.scalar(
        insert(ScheduleFire)
        .values(
            schedule=name,
            fire_at=fire_at,
            claimed_by=engine.WORKER,
            outcome="paused" if paused else "claimed",
        )
        .on_conflict_do_nothing(constraint="schedule_fires_once")
        .returning(ScheduleFire.id)
    )
    db.session.commit()
    return claim_id


def tick(now: datetime | None = None) -> list[Fired]:
    """Fire every schedule whose latest fire time is due, unclaimed and within the grace period.
    Returns what this process fired (other processes may have fired the rest)."""
    now = now or datetime.now(UTC)
    fired: list[Fired] = []
    rows = _rows()
    for spec in specs():
        row = rows[spec.name]
        fire_at = latest_fire_time(row.cron, now)
        if not available(spec) or now - fire_at > grace():
            continue
        claim_id = _claim(spec.name, fire_at, row.paused)
        if claim_id is None:
            continue
        if row.paused:
            result = Fired(spec.name, fire_at, "paused", message="Not run: the schedule is paused.")
        else:
            result = _start(spec, fire_at, f"schedule:{spec.name}", None)
        db.session.execute(
            sa.update(ScheduleFire)
            .where(ScheduleFire.id == claim_id)
            .values(outcome=result.outcome, message=result.message, run_ids=list(result.run_ids))
        )
        _record(result)
        log.info(
            "schedule %s, fire time %s: %s %s", spec.name, fire_at, result.outcome, result.run_ids
        )
        fired.append(result)
    return fired


def tidy(now: datetime | None = None) -> Fired | None:
    """The retention clean-up (`jobs.retention`) at RETENTION_SCHEDULE's fire times, fired by
    the one process that inserts the fire time's claim row, like a schedule's; a fire time
    missed while everything was down runs once at start-up within SCHEDULE_GRACE_MINUTES.
    What this process pruned, or None (nothing due, retention off, or another process has it).
    Not a schedule of the Schedules panel: nothing to pause, and no run of its own."""
    settings = current_app.config["SETTINGS"]
    now = now or datetime.now(UTC)
    if not retention.enabled(settings):
        return None
    fire_at = latest_fire_time(settings.retention_schedule, now)
    if now - fire_at > grace():
        return None
    db.session.execute(  # the claim rows' parent row (not among `specs()`: never listed)
        insert(Schedule)
        .values(name=RETENTION, cron=settings.retention_schedule)
        .on_conflict_do_nothing()
    )
    db.session.commit()
    claim_id = _claim(RETENTION, fire_at, paused=False)
    if claim_id is None:
        return None
    try:
        fired = Fired(RETENTION, fire_at, "done", message=retention.prune(settings, now).summary())
    except Exception as exc:
        db.session.rollback()
        fired = Fired(RETENTION, fire_at, "failed", message=f"Retention failed: {exc}"[:1000])
        log.exception("retention, fire time %s, failed", fire_at)
    db.session.execute(
        sa.update(ScheduleFire)
        .where(ScheduleFire.id == claim_id)
        .values(outcome=fired.outcome, message=fired.message)
    )
    _record(fired)
    return fired


def seconds_to_next_fire(now: datetime) -> float:
    waits = [(s.next_fire_at - now).total_seconds() for s in states(now) if s.available]
    settings = current_app.config["SETTINGS"]
    if retention.enabled(settings):
        waits.append((next_fire_time(settings.retention_schedule, now) - now).total_seconds())
    return max(0.0, min([MAX_SLEEP_SECONDS, *waits]))


def _utc_now() -> datetime:
    return datetime.now(UTC)


class Scheduler:
    """The background thread of one process: tick, sleep until the next fire time, repeat.
    `clock` is what it reads the time from (a test hands it a fixed time); `ticked` is set after
    every tick, so a test waits for the tick instead of the clock."""

    def __init__(self, app: Flask, clock: Callable[[], datetime] = _utc_now) -> None:
        self.app = app
        self.clock = clock
        self.ticked = threading.Event()
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="scheduler", daemon=True)

    def start(self) -> None:
        log.info("scheduler started (%s)", engine.WORKER)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stopped.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stopped.is_set():
            try:
                with self.app.app_context():
                    tick(self.clock())
                    tidy(self.clock())
                    wait = seconds_to_next_fire(self.clock()) + 0.5  # land past the minute
                    db.session.remove()
            except Exception:
                log.exception("scheduler tick failed; trying again in %.0f s", RETRY_SECONDS)
                wait = RETRY_SECONDS
            self.ticked.set()
            self._stopped.wait(wait)
