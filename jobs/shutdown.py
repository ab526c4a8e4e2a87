"""Stopping a process's jobs: a deploy's SIGTERM, gunicorn recycling a worker, a queue worker
told to stop. `stop_jobs` sets one flag that every job checkpoint watches (`ProcessStopping`),
then waits for the job threads (named "job-<id>") to record how they ended.
"""

from __future__ import annotations

import logging
import threading
import time

from reporting import Cancelled

log = logging.getLogger("jobs.engine")  # one logger for the engine's lines, wherever written


class ProcessStopping(Cancelled):
    """This process is shutting down (`stop_jobs`): stop at the checkpoint, the run is not
    finished (interrupted, or handed back to the queue in queue mode)."""


_stopping = threading.Event()


def stopping() -> threading.Event:
    """Set once this process is shutting down; job checkpoints and queue workers watch it."""
    return _stopping


def stop_jobs(timeout: float) -> int:
    """Ask this process's running jobs to stop at their next checkpoint and wait for them, at
    most `timeout` seconds; how many were still running after that."""
    _stopping.set()
    deadline = time.monotonic() + timeout
    running = [t for t in threading.enumerate() if t.name.startswith("job-")]
    for thread in running:
        thread.join(max(0.0, deadline - time.monotonic()))
    left = sum(thread.is_alive() for thread in running)
    if running:
        log.warning("stopping: %d job(s) stopped, %d still running", len(running) - left, left)
    return left
