"""`flask --app app analytics run`: an analytics run in the foreground with a progress bar."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from analytics import job
from cli.sync import ProgressBar
from errors import AppError

analytics_cli = AppGroup("analytics", help="Analytics over the drug data.")


@analytics_cli.command("run")
def analytics_run() -> None:
    """Compute and store every analysis (one step per analysis); exit 1 naming what failed."""
    try:
        run = job.run_in_foreground(ProgressBar())
    except AppError as exc:  # another analytics run is running: 409's message, exit 1
        raise click.ClickException(exc.message) from None
    click.echo("", err=True)
    click.echo(
        f"analytics run {run.id} {run.status} in {run.duration_seconds or 0:.1f}s: "
        f"{run.records_inserted} of {run.records_found} analyses stored"
    )
    if run.status != "completed":
        raise click.ClickException(f"run {run.id} {run.status}: {run.error_message or ''}".strip())
