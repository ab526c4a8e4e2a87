"""Background jobs: every run is a row, written before work starts, read by any process.

Sources plug in with `@register("portal")`; this module knows nothing about portals or DailyMed.
One queued-or-running job per source is enforced by a partial unique index in PostgreSQL, not
by a Python lock, so it holds across worker processes. A heartbeat thread keeps `heartbeat_at`
fresh; a run whose heartbeat goes stale (its process died) is marked interrupted. A source may
follow another (`follow("dailymed", "analytics", when=…)`): each completed run of the one starts
a run of the other, triggered by "after:<source> run <id>".
"""

from __future__ import annotations

import contextvars
import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app

from database import db, pid_alive
from errors import Conflict, NotFound, ValidationFailed
from merge import MergeCounts
from models import ACTIVE_RUN_STATUSES, Run, utcnow
from reporting import Cancelled, Reporter

log = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 5.0
PROGRESS_WRITE_INTERVAL = 0.25
CANCEL_CHECK_INTERVAL = 0.25
# What progress throttling, cancel checks and rate/ETA measure time by. A test swaps in a clock
# its job advances, so the rate it asserts does not depend on how fast the machine is.
clock: Callable[[], float] = time.monotonic
WORKER = f"{socket.gethostname()}:{os.getpid()}"

current_run_id: contextvars.ContextVar[int | None] = contextvars.ContextVar("run_id", default=None)


class RunIdLogFilter(logging.Filter):
    """Puts `[run N]` into every log line written while a job runs."""

    def filter(self, record: logging.LogRecord) -> bool:
        run_id = current_run_id.get()
        record.run = f"[run {run_id}] " if run_id is not None else ""
        return True


@dataclass
class JobContext:
    run_id: int
    reporter: Reporter
    settings: Any
    counts: MergeCounts = field(default_factory=MergeCounts)


JobRunner = Callable[[JobContext], None]
_registry: dict[str, JobRunner] = {}


@dataclass(frozen=True)
class _Follower:
    source: str
    when: Callable[[Any], bool]  # the app's settings → start it this time?


_followers: dict[str, list[_Follower]] = {}


def register(source: str) -> Callable[[JobRunner], JobRunner]:
    def decorator(runner: JobRunner) -> JobRunner:
        _registry[source] = runner
        return runner

    return decorator


def unregister(source: str) -> None:
    """Forget a source's runner; a no-op for a source never registered (tests use this)."""
    _registry.pop(source, None)


@contextmanager
def registered(source: str, runner: JobRunner) -> Iterator[None]:
    """Run `source` with `runner` inside the block, then restore what was registered before
    (tests stand in for a real source this way)."""
    previous = _registry.get(source)
    _registry[source] = runner
    try:
        yield
    finally:
        if previous is None:
            _registry.pop(source, None)
        else:
            _registry[source] = previous


def follow(after: str, source: str, *, when: Callable[[Any], bool] = lambda settings: True) -> None:
    """After each completed run of `after`, start a run of `source` when `when(settings)` says
    so, with `triggered_by` "after:<after> run <id>". In the background it starts in a thread of
    its own; after a foreground run (the CLI) it runs next in the foreground. When `source` is
    already running the follower is skipped (logged), like any second trigger."""
    followers = _followers.setdefault(after, [])
    followers[:] = [f for f in followers if f.source != source]
    followers.append(_Follower(source, when))


def followers_of(after: str, settings: Any) -> tuple[str, ...]:
    """The sources a completed run of `after` starts under these settings."""
    return tuple(f.source for f in _followers.get(after, ()) if f.when(settings))


def _after(source: str, run_id: int) -> str:
    return f"after:{source} run {run_id}"


def sources() -> tuple[str, ...]:
    return tuple(sorted(_registry))


class RunAbandoned(Cancelled):
    """The run was marked interrupted (its heartbeat looked dead) while this thread still ran:
    stop at once and leave the row as it is, since another run may already own the source."""


class JobAlreadyRunning(Conflict):
    def __init__(self, source: str, job_id: int | None) -> None:
        # job_id is None when that run ended between our insert and the look-up.
        which = f" (job {job_id})" if job_id is not None else ""
        super().__init__(f"A {source} job is already running{which}.", job_id=job_id)
        self.job_id = job_id


def _create_runs(wanted: Sequence[str], triggered_by: str, user_id: int | None) -> list[Run]:
    """One queued run per source, in one transaction: all of them, or none and JobAlreadyRunning
    naming the source that is already running."""
    for source in wanted:
        if source not in _registry:
            raise ValidationFailed(
                f"Unknown source {source!r}; choose one of {', '.join(sources())}.",
                field="source",
            )
    reap_stale()
    runs = [
        Run(
            source=source,
            status="queued",
            triggered_by=triggered_by,
            triggered_by_user_id=user_id,
            heartbeat_at=sa.func.now(),  # the database's clock: every worker compares against it
            worker=WORKER,
        )
        for source in wanted
    ]
    db.session.add_all(runs)
    try:
        db.session.commit()
    except sa.exc.IntegrityError:
        db.session.rollback()
        # None when that run ended between our insert and this look-up.
        row = db.session.execute(
            sa.select(Run.source, Run.id)
            .where(Run.source.in_(wanted), Run.status.in_(ACTIVE_RUN_STATUSES))
            .limit(1)
        ).first()
        source, running = (row.source, row.id) if row else (wanted[0], None)
        raise JobAlreadyRunning(source, running) from None
    return runs


def _create_run(source: str, triggered_by: str, user_id: int | None) -> Run:
    return _create_runs([source], triggered_by, user_id)[0]


def start(source: str, triggered_by: str, user_id: int | None = None) -> Run:
    """Create the run row and start it in a background thread; returns at once."""
    run = _create_run(source, triggered_by, user_id)
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # proxy typed as Flask
    thread = threading.Thread(
        target=_execute_and_follow, args=(app, run.id), name=f"job-{run.id}", daemon=True
    )
    thread.start()
    return run


def start_chain(chain: Sequence[str], triggered_by: str, user_id: int | None = None) -> list[Run]:
    """Queue one run per source at once (all or none, see `_create_runs`) and run them one after
    another in one background thread. Each runs whatever the one before it did: the sources are
    independent and only take turns. The queued ones keep a heartbeat while they wait."""
    runs = _create_runs(chain, triggered_by, user_id)
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # proxy typed as Flask
    run_ids = [run.id for run in runs]
    thread = threading.Thread(
        target=_execute_chain, args=(app, run_ids), name=f"job-{run_ids[0]}", daemon=True
    )
    thread.start()
    return runs


def _execute_chain(app: Flask, run_ids: list[int]) -> None:
    waiting = _Heartbeat(app, run_ids[1:])
    waiting.start()
    try:
        for run_id in run_ids:
            with app.app_context():
                status = db.session.scalar(sa.select(Run.status).where(Run.id == run_id))
                db.session.remove()
            if status == "queued":  # not marked interrupted while it waited
                _execute_and_follow(app, run_id)
    finally:
        waiting.stopped.set()


def run_in_foreground(source: str, triggered_by: str, watcher: Reporter | None = None) -> Run:
    """Create the run row and do the work in this thread (the CLI). Returns the finished run."""
    run = _create_run(source, triggered_by, None)
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # proxy typed as Flask
    run_id = run.id
    if _execute(app, run_id, watcher) == "completed":
        for follower in followers_of(source, app.config["SETTINGS"]):
            try:
                run_in_foreground(follower, _after(source, run_id), watcher)
            except JobAlreadyRunning as exc:
                log.info("%s not started after run %s: %s", follower, run_id, exc.message)
    db.session.expire_all()
    return db.session.get_one(Run, run_id)


def _execute_and_follow(app: Flask, run_id: int) -> None:
    """Run it; when it completed, start its followers, each in a thread of its own."""
    if _execute(app, run_id, None) != "completed":
        return
    with app.app_context():
        try:
            source = db.session.scalars(sa.select(Run.source).where(Run.id == run_id)).one()
            for follower in followers_of(source, app.config["SETTINGS"]):
                try:
                    started = start(follower, _after(source, run_id))
                    log.info("%s run %s started after run %s", follower, started.id, run_id)
                except JobAlreadyRunning as exc:
                    log.info("%s not started after run %s: %s", follower, run_id, exc.message)
        except Exception:
            log.exception("starting the runs that follow run %s failed", run_id)
        finally:
            db.session.remove()


class RunReporter(Reporter):
    """Writes progress to the run row (throttled) and turns a cancel request into Cancelled."""

    def __init__(self, app: Flask, run_id: int, watcher: Reporter | None = None) -> None:
        self.app = app
        self.run_id = run_id
        self.watcher = watcher
        self.warnings: list[str] = []
        self._last_write = 0.0
        self._last_cancel_check = 0.0
        self._phase: object = None
        self._phase_started = clock()
        self._phase_first_done = 0

    def _pace(self, done: int, total: int | None, phase: object) -> dict[str, float | None]:
        """Rate and ETA within the current phase (pages and records are not mixed)."""
        now = clock()
        if phase != self._phase:
            self._phase, self._phase_started, self._phase_first_done = phase, now, done
        elapsed, progressed = now - self._phase_started, done - self._phase_first_done
        rate = progressed / elapsed if elapsed > 0.2 and progressed > 0 else None
        eta = max(total - done, 0) / rate if rate and total is not None else None
        return {
            "rate_per_second": round(rate, 3) if rate else None,
            "eta_seconds": round(eta, 1) if eta is not None else None,
        }

    def _update(self, **values: Any) -> None:
        with db.engine.begin() as conn:
            conn.execute(
                sa.update(Run)
                .where(Run.id == self.run_id, Run.status == "running")
                .values(**values)
            )

    def progress(self, done: int, total: int | None, step: str, **details: Any) -> None:
        if self.watcher:
            self.watcher.progress(done, total, step, **details)
        details = {**details, **self._pace(done, total, details.get("phase"))}
        now = clock()
        finished = total is not None and done >= total
        if now - self._last_write < PROGRESS_WRITE_INTERVAL and not finished:
            return
        self._last_write = now
        self._update(
            progress_done=done,
            progress_total=total,
            current_step=step[:500],
            progress_details=details,
            warnings=self.warnings,
            heartbeat_at=sa.func.now(),
        )

    def checkpoint(self) -> None:
        now = clock()
        if now - self._last_cancel_check < CANCEL_CHECK_INTERVAL:
            return
        self._last_cancel_check = now
        with db.engine.connect() as conn:
            status, wanted = conn.execute(
                sa.select(Run.status, Run.cancel_requested).where(Run.id == self.run_id)
            ).one()
        if status != "running":
            raise RunAbandoned()
        if wanted:
            raise Cancelled()

    def warn(self, message: str) -> None:
        log.warning("%s", message)
        self.warnings.append(message[:1000])
        if self.watcher:
            self.watcher.warn(message)


class _Heartbeat(threading.Thread):
    """Keeps `heartbeat_at` of the given runs fresh while they are queued or running."""

    def __init__(self, app: Flask, run_ids: list[int]) -> None:
        super().__init__(name=f"heartbeat-{'-'.join(map(str, run_ids))}", daemon=True)
        self.app, self.run_ids, self.stopped = app, run_ids, threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(HEARTBEAT_SECONDS):
            try:
                with self.app.app_context(), db.engine.begin() as conn:
                    conn.execute(
                        sa.update(Run)
                        .where(Run.id.in_(self.run_ids), Run.status.in_(ACTIVE_RUN_STATUSES))
                        .values(heartbeat_at=sa.func.now())
                    )
            except Exception:  # a missed beat is not fatal; the next one may get through
                log.warning("heartbeat for run(s) %s failed", self.run_ids)


def _execute(app: Flask, run_id: int, watcher: Reporter | None) -> str | None:
    """Run one queued run in this thread; its final status (None: it was abandoned)."""
    token = current_run_id.set(run_id)
    with app.app_context():
        run = db.session.get_one(Run, run_id)
        source = run.source
        started = utcnow()
        run.status, run.started_at, run.worker = "running", started, WORKER
        run.heartbeat_at = sa.func.now()
        db.session.commit()
        log.info("%s job started (triggered by %s)", source, run.triggered_by)
        heartbeat = _Heartbeat(app, [run_id])
        heartbeat.start()
        reporter = RunReporter(app, run_id, watcher)
        context = JobContext(run_id, reporter, app.config["SETTINGS"])
        status: str | None = None
        error: str | None = None
        try:
            if run.cancel_requested:
                raise Cancelled()
            _registry[source](context)
            status = "completed"
        except RunAbandoned:
            log.warning("%s job stopped: the run was marked interrupted meanwhile", source)
        except Cancelled:
            status = "cancelled"
            log.info("%s job cancelled at a checkpoint", source)
        except Exception as exc:
            status, error = "failed", _one_line(exc)
            log.exception("%s job failed: %s", source, error)
        except BaseException as exc:  # Ctrl-C in the CLI, SystemExit: record, then let it go
            status, error = "interrupted", f"Stopped before it finished ({type(exc).__name__})."
            raise
        finally:
            heartbeat.stopped.set()
            db.session.rollback()
            if status is not None:
                _finish(run_id, status, error, context.counts, reporter.warnings)
            db.session.remove()
            current_run_id.reset(token)
    return status


def _one_line(exc: Exception) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0][:1000]


def _finish(
    run_id: int, status: str, error: str | None, counts: MergeCounts, warnings: list[str]
) -> None:
    run = db.session.scalars(sa.select(Run).where(Run.id == run_id).with_for_update()).one()
    if run.status != "running":  # marked interrupted meanwhile: that verdict stands
        db.session.rollback()
        return
    now = utcnow()
    run.status = status
    run.completed_at = now
    run.duration_seconds = round((now - (run.started_at or now)).total_seconds(), 3)
    run.error_message = error
    run.warnings = warnings
    run.records_found = counts.found
    run.records_inserted = counts.inserted
    run.records_updated = counts.updated
    run.records_unchanged = counts.unchanged
    run.records_kept_manual = counts.kept_manual
    run.records_missing = counts.missing
    if status == "completed" and run.progress_total is not None:
        run.progress_done = run.progress_total
    if status == "completed":
        run.current_step = "completed with errors" if warnings else "done"
    db.session.commit()
    log.info(
        "%s job %s in %.1fs: found %d, inserted %d, updated %d, unchanged %d, kept manual %d",
        run.source,
        status,
        run.duration_seconds,
        counts.found,
        counts.inserted,
        counts.updated,
        counts.unchanged,
        counts.kept_manual,
    )


def request_cancel(run_id: int) -> Run:
    run = get_run(run_id)
    if run.status not in ACTIVE_RUN_STATUSES:
        raise Conflict(f"Job {run_id} is already {run.status}.", job_id=run_id, status=run.status)
    run.cancel_requested = True
    db.session.commit()
    log.info("cancel requested for run %s", run_id)
    return run


def get_run(run_id: int) -> Run:
    run = db.session.get(Run, run_id)
    if run is None:
        raise NotFound(f"No job with id {run_id}.")
    if run.status in ACTIVE_RUN_STATUSES and reap_stale():
        db.session.refresh(run)
    return run


def stale_after() -> timedelta:
    """How long a run may go without a heartbeat before it counts as dead (JOB_STALE_AFTER)."""
    return timedelta(seconds=current_app.config["SETTINGS"].job_stale_after)


def reap_stale() -> int:
    """Mark runs whose heartbeat stopped as interrupted (their process died). Heartbeats and
    this cutoff both use the database's clock, so clock skew between hosts cannot fake a death."""
    result = db.session.execute(
        sa.update(Run)
        .where(
            Run.status.in_(ACTIVE_RUN_STATUSES),
            sa.func.coalesce(Run.heartbeat_at, Run.created_at) < sa.func.now() - stale_after(),
        )
        .values(
            status="interrupted",
            completed_at=sa.func.now(),
            error_message="The process running this job stopped before it finished.",
        )
        .returning(Run.id)
    )
    ids = result.scalars().all()
    db.session.commit()
    for run_id in ids:
        log.warning("run %s marked interrupted: its heartbeat stopped", run_id)
    return len(ids)


def recover_on_startup() -> int:
    """At start-up: runs this host's dead processes left behind, and any stale run, end
    interrupted."""
    host = socket.gethostname()
    orphaned = 0
    for run in db.session.scalars(
        sa.select(Run).where(Run.status.in_(ACTIVE_RUN_STATUSES), Run.worker.like(f"{host}:%"))
    ):
        assert run.worker is not None  # the query matched "host:%"
        pid = int(run.worker.rsplit(":", 1)[1])
        if pid != os.getpid() and not pid_alive(pid):
            run.status, run.completed_at = "interrupted", utcnow()
            run.error_message = "The process running this job stopped before it finished."
            orphaned += 1
    db.session.commit()
    return orphaned + reap_stale()


def runs_query(
    source: str | None = None, status: str | None = None, sample: bool | None = None
) -> sa.Select:
    """Runs, optionally of one source, one status, only samples (True) or only real (False)."""
    query = sa.select(Run)
    if source:
        query = query.where(Run.source == source)
    if status:
        query = query.where(Run.status == status)
    if sample is not None:
        query = query.where(Run.is_sample.is_(sample))
    return query
