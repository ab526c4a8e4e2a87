"""JOBS_MODE=queue: worker processes that claim queued runs from PostgreSQL and execute them.

The queue is the runs table itself. Web processes only insert runs (`engine.start` leaves them
queued with no worker); each worker loop claims the oldest claimable one with `SELECT … FOR
UPDATE SKIP LOCKED`, so two workers never take the same run, and executes it with the engine,
exactly as threads mode does (heartbeat, progress, cancel, run log, followers, alerts). A run of a
chain is claimable once the run it waits for (`queued_after_id`) has ended.

A worker killed outright stops heartbeating: the reapers of the other processes mark its run
interrupted (JOB_STALE_AFTER, see `runs.Reaper`). A worker told to stop (SIGTERM, Ctrl-C) stops
its job at the next checkpoint and hands the run back to the queue for another worker.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import aliased

from database import db
from jobs import engine
from models import ACTIVE_RUN_STATUSES, Run

log = logging.getLogger(__name__)

POLL_SECONDS = 1.0  # how often an idle worker looks for a queued run


def claim(sources: Sequence[str], worker: str | None = None) -> int | None:
    """Take the oldest claimable queued run of these sources for `worker` (this process by
    default); its id, or None."""
    before = aliased(Run)
    waiting = sa.exists().where(
        before.id == Run.queued_after_id, before.status.in_(ACTIVE_RUN_STATUSES)
    )
    oldest = (
        sa.select(Run.id)
        .where(Run.status == "queued", Run.worker.is_(None), Run.source.in_(sources), ~waiting)
        .order_by(Run.id)
        .limit(1)
        .with_for_update(skip_locked=True, of=Run)
        .scalar_subquery()
    )
    run_id = db.session.scalar(
        sa.update(Run)
        .where(Run.id == oldest)
        .values(worker=worker or engine.WORKER, heartbeat_at=sa.func.now())
        .returning(Run.id)
    )
    db.session.commit()
    return run_id


class QueueWorker:
    """`concurrency` threads, each claiming and executing one run at a time, until `stop()` (or
    `engine.stop_jobs`)."""

    def __init__(self, app: Flask, concurrency: int = 1, poll_seconds: float = POLL_SECONDS):
        self.app = app
        self.poll_seconds = poll_seconds
        self.threads = [
            threading.Thread(target=self._loop, name=f"queue-worker-{n}", daemon=True)
            for n in range(1, concurrency + 1)
        ]

    def start(self) -> QueueWorker:
        log.info("queue worker %s: %d thread(s)", engine.WORKER, len(self.threads))
        for thread in self.threads:
            thread.start()
        return self

    def stop(self, timeout: float) -> int:
        """Stop claiming; running jobs stop at their next checkpoint and go back to the queue.
        How many jobs were still running after `timeout` seconds."""
        left = engine.stop_jobs(timeout)
        for thread in self.threads:
            thread.join(timeout)
        return left

    def _loop(self) -> None:
        stopping = engine.stopping()
        while not stopping.is_set():
            try:
                with self.app.app_context():
                    run_id = claim(engine.sources())
                    db.session.remove()
            except Exception:  # the database may be away: wait and look again
                log.warning("claiming a queued run failed; trying again")
                run_id = None
            if run_id is None:
                stopping.wait(self.poll_seconds)
                continue
            log.info("claimed run %s", run_id)
            # A thread named like the engine's own job threads, so stop_jobs waits for it.
            job = threading.Thread(
                target=engine.execute_claimed, args=(self.app, run_id), name=f"job-{run_id}"
            )
            job.start()
            job.join()
