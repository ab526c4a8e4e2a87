"""`flask --app app runs prune`: the retention clean-up now (RUN_RETENTION_DAYS,
RUN_LOG_RETENTION_DAYS; the schedule runs it daily at RETENTION_SCHEDULE)."""

from __future__ import annotations

from dataclasses import replace

import click
from flask import current_app
from flask.cli import AppGroup

from jobs import retention

runs_cli = AppGroup("runs", help="Run history: prune old runs and run logs.")


@runs_cli.command("prune")
@click.option(
    "--days",
    type=click.IntRange(min=0),
    default=None,
    help="Runs ended more than this many days ago go (default RUN_RETENTION_DAYS; 0 keeps).",
)
@click.option(
    "--log-days",
    type=click.IntRange(min=0),
    default=None,
    help="Log lines of runs ended more than this many days ago go "
    "(default RUN_LOG_RETENTION_DAYS; 0 keeps).",
)
def prune(days: int | None, log_days: int | None) -> None:
    """Prune old runs and run logs now; runs that records or their history name stay."""
    settings = current_app.config["SETTINGS"]
    if days is not None:
        settings = replace(settings, run_retention_days=days)
    if log_days is not None:
        settings = replace(settings, run_log_retention_days=log_days)
    if not retention.enabled(settings):
        click.echo("RUN_RETENTION_DAYS and RUN_LOG_RETENTION_DAYS are 0: everything is kept.")
        return
    click.echo(retention.prune(settings).summary())
