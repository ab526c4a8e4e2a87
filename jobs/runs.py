"""Runs as records: a run's verdict (`finish`: status, counts, what failed in plain words), and
looking runs up, cancelling them, and marking runs whose process died as interrupted (by their
stale heartbeat, or at start-up by their dead pid). The engine (`jobs.engine`) starts and executes
runs; everything here works on the rows alone, from any process.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta

import sqlalchemy as sa
from flask import Flask, current_app

from database import db, pid_alive
from errors import Conflict, NotFound
from jobs import alerts
from merge import MergeCounts
from models import ACTIVE_RUN_STATUSES, Run, utcnow

log = logging.getLogger("jobs.engine")  # one logger for the engine's lines, wherever written


def plain_failure(exc: BaseException, source: str) -> str:
    """What failed, in words for people, from the first exception in the chain that says (a
    `failure` attribute: sources give their exceptions one), else from the kind of error."""
    seen: BaseException | None = exc
    while seen is not None:
        words = getattr(seen, "failure", None)
        if isinstance(words, str) and words:
            return words
        seen = seen.__cause__ or seen.__context__
    if isinstance(exc, (ConnectionError, TimeoutError)):
        return f"Could not reach the {source} source"
    return f"The {source} job stopped on an unexpected error"


def one_line(exc: Exception) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0][:1000]


@dataclass(frozen=True)
class Verdict:
    """How a run ended, as the engine hands it to `finish`: named once, stored as one."""

    status: str  # completed, failed, cancelled, interrupted
    error: str | None = None
    counts: MergeCounts = field(default_factory=MergeCounts)
    warnings: list[str] = field(default_factory=list)
    failure: str | None = None  # what failed, in plain words (`plain_failure`)


def finish(run_id: int, verdict: Verdict) -> bool:
    """Store the run's verdict; False when it was marked interrupted meanwhile (that stands)."""
    run = db.session.scalars(sa.select(Run).where(Run.id == run_id).with_for_update()).one()
    if run.status != "running":
        db.session.rollback()
        return False
    now = utcnow()
    status, counts, warnings = verdict.status, verdict.counts, verdict.warnings
    run.status = status
    run.completed_at = now
    run.duration_seconds = round((now - (run.started_at or now)).total_seconds(), 3)
    run.error_message = verdict.error
    run.failure = verdict.failure
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
    return True


VERDICT_RETRY_SECONDS = 60.0


def finish_when_possible(run_id: int, verdict: Verdict) -> bool:
    """`runs.finish`, retried while the database is away (its heartbeat keeps beating once it is
    back), so a run that failed because the database went down still ends "failed" with its
    error. After VERDICT_RETRY_SECONDS the reaper marks it interrupted instead."""
    deadline = time.monotonic() + VERDICT_RETRY_SECONDS
    while True:
        try:
            db.session.rollback()
            return finish(run_id, verdict)
        except sa.exc.DBAPIError:  # the server gone, or this connection closed by it
            db.session.remove()
            if time.monotonic() > deadline:
                log.error("the verdict of run %s (%s) could not be stored", run_id, verdict.status)
                return False
            log.warning("storing the verdict of run %s failed; retrying", run_id)
            time.sleep(1.0)


def request_cancel(run_id: int) -> Run:
    run = get_run(run_id)
    if run.status not in ACTIVE_RUN_STATUSES:
        raise Conflict(f"Job {run_id} is already {run.status}.", job_id=run_id, status=run.status)
    # Waiting in the queue, unclaimed: no worker will see the request, so it ends here (unless
    # a worker claims it this instant; then that worker sees the request at its start).
    db.session.execute(
        sa.update(Run)
        .where(Run.id == run_id, Run.status == "queued", Run.worker.is_(None))
        .values(
            status="cancelled",
            completed_at=sa.func.now(),
            duration_seconds=0,
            current_step="cancelled before it started",
        )
    )
    run.cancel_requested = True
    db.session.commit()
    db.session.refresh(run)
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
    this cutoff both use the database's clock, so clock skew between hosts cannot fake a death.
    A run waiting unclaimed in the queue (JOBS_MODE=queue, no worker yet) has no heartbeat to
    miss and is left to wait."""
    result = db.session.execute(
        sa.update(Run)
        .where(
            Run.status.in_(ACTIVE_RUN_STATUSES),
            sa.or_(Run.status == "running", Run.worker.is_not(None)),
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
        alerts.after_run(current_app.config["SETTINGS"], run_id)
    return len(ids)


def hand_back(run_id: int, worker: str) -> bool:
    """Put a run `worker` was running back in the queue, unclaimed, as if it had never started
    (its process is stopping: another worker runs it from the start). False when it is no
    longer that worker's running run."""
    handed = db.session.execute(
        sa.update(Run)
        .where(Run.id == run_id, Run.status == "running", Run.worker == worker)
        .values(
            status="queued",
            worker=None,
            started_at=None,
            progress_done=0,
            progress_total=None,
            progress_details={},
            current_step=f"handed back to the queue: worker {worker} stopped",
            heartbeat_at=sa.func.now(),
        )
        .returning(Run.id)
    ).first()
    db.session.commit()
    return handed is not None


class Reaper:
    """A thread that marks stale runs interrupted every JOB_STALE_AFTER / 3 seconds, so a run
    whose process was killed is marked within JOB_STALE_AFTER × 4/3 even when nobody looks at
    it (a poll of the run marks it at once, after JOB_STALE_AFTER)."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.interval = app.config["SETTINGS"].job_stale_after / 3
        self.stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="reaper", daemon=True)

    def start(self) -> Reaper:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopped.set()

    def _run(self) -> None:
        while not self.stopped.wait(self.interval):
            try:
                with self.app.app_context():
                    reap_stale()
                    db.session.remove()
            except Exception:  # the database may be away; the next round tries again
                log.warning("looking for stale runs failed; trying again in %.0f s", self.interval)


def recover_on_startup() -> int:
    """At start-up: runs this host's dead processes left behind, and any stale run, end
    interrupted."""
    host = socket.gethostname()
    orphaned: list[int] = []
    for run in db.session.scalars(
        sa.select(Run).where(Run.status.in_(ACTIVE_RUN_STATUSES), Run.worker.like(f"{host}:%"))
    ):
        assert run.worker is not None  # the query matched "host:%"
        pid = int(run.worker.rsplit(":", 1)[1])
        if pid != os.getpid() and not pid_alive(pid):
            run.status, run.completed_at = "interrupted", utcnow()
            run.error_message = "The process running this job stopped before it finished."
            orphaned.append(run.id)
    db.session.commit()
    for run_id in orphaned:
        alerts.after_run(current_app.config["SETTINGS"], run_id)
    return len(orphaned) + reap_stale()


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
