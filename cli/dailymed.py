"""`flask --app app dailymed check`: does DailyMed still answer the way the sync expects?"""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from scraper.dailymed_check import CheckReport, CheckRow, check_contract

dailymed_cli = AppGroup("dailymed", help="DailyMed tools.")
CHECK_TIMEOUT = 30.0  # seconds per request


@dailymed_cli.command("check")
@click.option("--setid", help="Check this label's details (default: the first label listed).")
def check(setid: str | None) -> None:
    """Ask DAILYMED_BASE_URL a handful of questions a sync asks and compare the answers with
    what the sync relies on. Exits 1 when a difference would break a sync."""
    settings = current_app.config["SETTINGS"]
    report = check_contract(
        settings.dailymed_base_url,
        settings.dailymed_class_types,
        set_id=setid,
        timeout=CHECK_TIMEOUT,
    )
    click.echo(format_report(report))
    if not report.ok:
        raise click.exceptions.Exit(1)


def format_report(report: CheckReport) -> str:
    """A block per request (with its round-trip time), a line per comparison."""
    lines = [f"DailyMed contract check: {report.base_url}", ""]
    request = None
    for row in report.rows:
        if row.request != request:
            request = row.request
            lines.append(request)
        lines.append(_line(row))
    lines += ["", report.summary]
    return "\n".join(lines)


def _line(row: CheckRow) -> str:
    result = "BREAKS" if row.breaks_sync else row.result
    time = f"{row.milliseconds:8.1f} ms" if row.milliseconds is not None else " " * 11
    return f"  {result:<8} {row.check:<20} {time}  {row.note}".rstrip()
