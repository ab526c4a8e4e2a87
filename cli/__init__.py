"""The command line (`flask --app app …`): one module per command group.

Commands validate their arguments, call one function, and print. A failure is a one-line
message and a non-zero exit. May import: `accounts`, `analytics`, `jobs`, `scraper` (the
DailyMed contract check), `database`, `models`, `errors`, `config`. Nothing imports it but `app`.
"""

from __future__ import annotations

from flask import Flask

from cli.accounts import tokens_cli, users_cli
from cli.analytics import analytics_cli
from cli.dailymed import dailymed_cli
from cli.runs import runs_cli
from cli.sync import sync_cli
from cli.worker import worker_command


def init_app(app: Flask) -> None:
    app.cli.add_command(users_cli)
    app.cli.add_command(sync_cli)
    app.cli.add_command(tokens_cli)
    app.cli.add_command(dailymed_cli)
    app.cli.add_command(analytics_cli)
    app.cli.add_command(worker_command)
    app.cli.add_command(runs_cli)
