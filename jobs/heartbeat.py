"""The heartbeat of runs while they are queued or running: a thread per execution that keeps
`heartbeat_at` fresh (the database's clock) and writes out the runs' buffered log lines and
the progress the throttle held back. A run whose heartbeat goes stale counts as dead
(`jobs.runs.reap_stale`)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

import sqlalchemy as sa
from flask import Flask

from database import db
from jobs import run_log
from models import ACTIVE_RUN_STATUSES, Run

log = logging.getLogger("jobs.engine")  # one logger for the engine's lines, wherever written


class Heartbeat(threading.Thread):
    """Keeps `heartbeat_at` of the given runs fresh while they are queued or running, every
    `interval` seconds (the engine's HEARTBEAT_SECONDS)."""

    def __init__(
        self,
        app: Flask,
        run_ids: list[int],
        interval: float,
        flush_progress: Callable[[], None] | None = None,
    ) -> None:
        super().__init__(name=f"heartbeat-{'-'.join(map(str, run_ids))}", daemon=True)
        self.app, self.run_ids, self.interval = app, run_ids, interval
        self.flush_progress = flush_progress  # the running job's progress the throttle held
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(self.interval):
            try:
                with self.app.app_context(), db.engine.begin() as conn:
                    conn.execute(
                        sa.update(Run)
                        .where(Run.id.in_(self.run_ids), Run.status.in_(ACTIVE_RUN_STATUSES))
                        .values(heartbeat_at=sa.func.now())
                    )
                with self.app.app_context():
                    run_log.flush(self.run_ids)
                    if self.flush_progress:
                        self.flush_progress()
            except Exception:  # a missed beat is not fatal; the next one may get through
                log.warning("heartbeat for run(s) %s failed", self.run_ids)
