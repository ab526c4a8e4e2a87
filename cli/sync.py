"""`flask --app app sync portal|dailymed`: a sync in the foreground with a progress bar."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from errors import AppError
from jobs import engine
from reporting import Reporter

sync_cli = AppGroup("sync", help="Run a sync in the foreground with a progress bar.")


class ProgressBar(Reporter):
    """Draws `[#####.....]  45/100  step` on the terminal as a job reports progress."""

    width = 30

    def progress(self, done: int, total: int | None, step: str, **details: object) -> None:
        if total:
            filled = int(self.width * min(done, total) / total)
            bar = "#" * filled + "." * (self.width - filled)
            line = f"[{bar}] {done:>6}/{total:<6} {step}"
        else:
            line = f"[{'.' * self.width}] {done:>6}        {step}"
        click.echo(f"\r{line[:110]:<110}", nl=False, err=True)

    def warn(self, message: str) -> None:
        click.echo(f"\nwarning: {message}", err=True)


def _sync(source: str) -> None:
    try:
        run = engine.run_in_foreground(source, "cli", ProgressBar())
    except AppError as exc:
        raise click.ClickException(exc.message) from None
    click.echo("", err=True)
    summary = (
        f"{source} sync {run.status} in {run.duration_seconds or 0:.1f}s: "
        f"found {run.records_found}, "
        f"inserted {run.records_inserted}, updated {run.records_updated}, "
        f"unchanged {run.records_unchanged}, kept manual {run.records_kept_manual}, "
        f"missing {run.records_missing}"
    )
    click.echo(summary)
    if run.status != "completed":
        raise click.ClickException(f"run {run.id} {run.status}: {run.error_message or ''}".strip())


@sync_cli.command("portal")
def sync_portal() -> None:
    """Sync the portal's authorizations (PORTAL_PROFILE, PORTAL_BASE_URL …)."""
    _sync("portal")


@sync_cli.command("dailymed")
def sync_dailymed() -> None:
    """Sync drug classes, labels, NDCs and ingredients from DailyMed (DAILYMED_BASE_URL …)."""
    _sync("dailymed")
