"""`flask --app app worker`: execute queued runs (JOBS_MODE=queue) until stopped."""

from __future__ import annotations

import signal
import threading
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext

from jobs import engine, queue, runs, schedules


@click.command("worker")
@click.option(
    "--concurrency",
    default=1,
    show_default=True,
    type=click.IntRange(1, 16),
    help="Runs this process executes at once (one per source at most, whatever this says).",
)
@click.option(
    "--stop-timeout",
    default=20.0,
    show_default=True,
    type=click.FloatRange(0, 600),
    help="Seconds a running job gets, after SIGTERM or Ctrl-C, to reach a checkpoint and go "
    "back to the queue.",
)
@with_appcontext
def worker_command(concurrency: int, stop_timeout: float) -> None:
    """Claim queued runs from PostgreSQL and execute them (JOBS_MODE=queue). Runs the schedules
    too (SCHEDULER_ENABLED) and marks runs of dead processes interrupted. Stops on SIGTERM."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # proxy typed as Flask
    settings = app.config["SETTINGS"]
    if settings.jobs_mode != "queue":
        raise click.ClickException(
            "JOBS_MODE is threads: each web process runs its own jobs and no run waits for a "
            "worker. Set JOBS_MODE=queue for the web processes and the workers."
        )
    stop = threading.Event()

    def request_stop(signum: int, _frame: Any) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    reaper = runs.Reaper(app).start()
    scheduler = schedules.Scheduler(app) if settings.scheduler_enabled else None
    if scheduler:
        scheduler.start()
    workers = queue.QueueWorker(app, concurrency).start()
    click.echo(f"worker {engine.WORKER}: executing queued runs ({concurrency} at once)", err=True)
    while not stop.wait(1.0):
        pass
    click.echo(f"worker {engine.WORKER}: stopping", err=True)
    if scheduler:
        scheduler.stop()
    reaper.stop()
    left = workers.stop(stop_timeout)
    if left:
        raise click.ClickException(f"{left} job(s) did not reach a checkpoint in time")
