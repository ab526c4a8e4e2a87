"""Background jobs: every run is a row, written before work starts, read by any process.

Sources plug in with `@register("portal")`; this module knows nothing about portals or DailyMed.
One queued-or-running job per source is enforced by a partial unique index in PostgreSQL, not
by a Python lock, so it holds across worker processes. A heartbeat thread keeps `heartbeat_at`
fresh; a run whose heartbeat goes stale (its process died) is marked interrupted.

JOBS_MODE=threads (the default): the process that starts a run executes it in a thread of its
own. JOBS_MODE=queue: `start` only inserts the run, queued and unclaimed; worker processes
(`jobs.queue`, `flask --app app worker`) claim and execute it. When a process is told to stop
(`stop_jobs`, gunicorn's worker exit, the worker's SIGTERM) its running jobs stop at their next
checkpoint: interrupted in threads mode, handed back to the queue in queue mode. A source may
follow another (`follow("dailymed", "analytics", when=…)`): each completed run of the one starts
a run of the other, triggered by "after:<source> run <id>".
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app

from database import db
from errors import Conflict, ValidationFailed
from jobs import alerts, run_log, runs
from jobs.heartbeat import Heartbeat
from jobs.registry import (  # noqa: F401  (the engine's public names; the registry is there)
    JobContext,
    JobRunner,
    follow,
    followers_of,
    register,
    registered,
    runners,
    sources,
    unregister,
)
from jobs.run_log import RunIdLogFilter, current_run_id  # noqa: F401  (re-exported)
from jobs.runs import (  # noqa: F401  (the engine's public names; the work is in jobs.runs)
    get_run,
    plain_failure,
    reap_stale,
    recover_on_startup,
    request_cancel,
    runs_query,
    stale_after,
)
from jobs.shutdown import ProcessStopping, stop_jobs, stopping  # noqa: F401  (re-exported)
from models import ACTIVE_RUN_STATUSES, Run, utcnow
from reporting import Cancelled, Reporter

log = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 5.0
PROGRESS_WRITE_INTERVAL = 0.25
CANCEL_CHECK_INTERVAL = 0.25
# What progress throttling, cancel checks and rate/ETA measure time by. A test swaps in a clock
# its job advances, so the rate it asserts does not depend on how fast the machine is.
clock: Callable[[], float] = time.monotonic
WORKER = f"{socket.gethostname()}:{os.getpid()}"  # who runs a run: host and pid


def _name_this_process() -> None:
    """A forked process (a gunicorn worker, forked from a master that imported this module)
    is a worker of its own: runs must name its pid, not its parent's."""
    global WORKER
    WORKER = f"{socket.gethostname()}:{os.getpid()}"


os.register_at_fork(after_in_child=_name_this_process)


def _after(source: str, run_id: int) -> str:
    return f"after:{source} run {run_id}"


class RunAbandoned(Cancelled):
    """The run was marked interrupted (its heartbeat looked dead) while this thread still ran:
    stop at once and leave the row as it is, since another run may already own the source."""


def queue_mode() -> bool:
    return current_app.config["SETTINGS"].jobs_mode == "queue"


class JobAlreadyRunning(Conflict):
    def __init__(self, source: str, job_id: int | None) -> None:
        # job_id is None when that run ended between our insert and the look-up.
        which = f" (job {job_id})" if job_id is not None else ""
        super().__init__(f"A {source} job is already running{which}.", job_id=job_id)
        self.job_id = job_id


def _create_runs(
    wanted: Sequence[str], triggered_by: str, user_id: int | None, *, enqueue: bool = False
) -> list[Run]:
    """One queued run per source, in one transaction: all of them, or none and JobAlreadyRunning
    naming the source that is already running. With `enqueue` they wait unclaimed for a queue
    worker (no worker named, so no heartbeat is expected), each after the one before it."""
    for source in wanted:
        if source not in runners:
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
            worker=None if enqueue else WORKER,
        )
        for source in wanted
    ]
    try:
        previous: Run | None = None
        for run in runs:
            run.queued_after_id = previous.id if enqueue and previous else None
            db.session.add(run)
            db.session.flush()
            previous = run
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
    """Create the run row and start it in a background thread (queue mode: leave it queued for
    a worker); returns at once."""
    if queue_mode():
        return _create_runs([source], triggered_by, user_id, enqueue=True)[0]
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
    if queue_mode():  # each waits for the one before it to end (queued_after_id)
        return _create_runs(chain, triggered_by, user_id, enqueue=True)
    runs = _create_runs(chain, triggered_by, user_id)
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # proxy typed as Flask
    run_ids = [run.id for run in runs]
    thread = threading.Thread(
        target=_execute_chain, args=(app, run_ids), name=f"job-{run_ids[0]}", daemon=True
    )
    thread.start()
    return runs


def _execute_chain(app: Flask, run_ids: list[int]) -> None:
    waiting = Heartbeat(app, run_ids[1:], HEARTBEAT_SECONDS)
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


def execute_claimed(app: Flask, run_id: int) -> None:
    """Execute a run a queue worker claimed (`jobs.queue`), then queue its followers."""
    _execute_and_follow(app, run_id)


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
        self._unwritten: dict[str, Any] | None = None  # progress the throttle held back
        self._write_lock = threading.Lock()
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
        values = {
            "progress_done": done,
            "progress_total": total,
            "current_step": step[:500],
            "progress_details": details,
            "warnings": list(self.warnings),
        }
        now = clock()
        finished = total is not None and done >= total
        with self._write_lock:
            if now - self._last_write < PROGRESS_WRITE_INTERVAL and not finished:
                self._unwritten = values  # the heartbeat writes it if nothing newer comes
                return
            self._last_write, self._unwritten = now, None
            self._update(**values, heartbeat_at=sa.func.now())

    def flush_progress(self) -> None:
        """Write the latest progress the throttle held back (called by the heartbeat), so a job
        that waits after a burst of progress — a source that stalls — shows where it stands."""
        with self._write_lock:
            if self._unwritten is None:
                return
            values, self._unwritten = self._unwritten, None
            self._last_write = clock()
            self._update(**values)

    def checkpoint(self) -> None:
        if stopping().is_set():
            raise ProcessStopping()
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


def _execute(app: Flask, run_id: int, watcher: Reporter | None) -> str | None:
    """Run one queued run in this thread; its final status (None: it was abandoned)."""
    token = current_run_id.set(run_id)
    with app.app_context():
        run = db.session.get_one(Run, run_id)
        if run.status != "queued":  # reaped or cancelled before it could start
            db.session.remove()
            current_run_id.reset(token)
            return None
        source = run.source
        started = utcnow()
        run.status, run.started_at, run.worker = "running", started, WORKER
        run.heartbeat_at = sa.func.now()
        db.session.commit()
        log.info("%s job started (triggered by %s)", source, run.triggered_by)
        reporter = RunReporter(app, run_id, watcher)
        heartbeat = Heartbeat(app, [run_id], HEARTBEAT_SECONDS, reporter.flush_progress)
        heartbeat.start()
        context = JobContext(run_id, reporter, app.config["SETTINGS"])
        status: str | None = None
        error: str | None = None
        failure: str | None = None
        try:
            if stopping().is_set():
                raise ProcessStopping()
            if run.cancel_requested:
                raise Cancelled()
            runners[source](context)
            status = "completed"
        except RunAbandoned:
            log.warning("%s job stopped: the run was marked interrupted meanwhile", source)
        except ProcessStopping:
            if app.config["SETTINGS"].jobs_mode == "queue" and runs.hand_back(run_id, WORKER):
                log.warning("%s job handed back to the queue: %s is stopping", source, WORKER)
            else:
                status = "interrupted"
                error = f"Stopped before it finished: its process ({WORKER}) was shut down."
                log.warning("%s job interrupted: this process is shutting down", source)
        except Cancelled:
            status = "cancelled"
            log.info("%s job cancelled at a checkpoint", source)
        except Exception as exc:
            status, error, failure = "failed", runs.one_line(exc), runs.plain_failure(exc, source)
            log.exception("%s job failed: %s", source, error)
        except BaseException as exc:  # Ctrl-C in the CLI, SystemExit: record, then let it go
            status, error = "interrupted", f"Stopped before it finished ({type(exc).__name__})."
            raise
        finally:
            try:
                verdict = runs.Verdict(
                    status or "interrupted", error, context.counts, reporter.warnings, failure
                )
                if status is not None and runs.finish_when_possible(run_id, verdict):
                    alerts.after_run(app.config["SETTINGS"], run_id)
            finally:  # a run whose verdict could not be stored is left to the reapers
                heartbeat.stopped.set()
            run_log.flush([run_id], final=True)
            db.session.remove()
            current_run_id.reset(token)
    return status


RERUNNABLE_STATUSES = ("failed", "cancelled", "interrupted")


def rerun(run_id: int, user_name: str, user_id: int | None) -> Run:
    """Start the job of a failed, cancelled or interrupted run again; the new run's trigger
    names the run it repeats (`rerun:<id>:<user>`)."""
    run = get_run(run_id)
    if run.status not in RERUNNABLE_STATUSES:
        raise Conflict(
            f"Run {run_id} is {run.status}; only a failed, cancelled or interrupted run can run "
            "again.",
            job_id=run_id,
            status=run.status,
        )
    return start(run.source, f"rerun:{run_id}:{user_name}", user_id)
