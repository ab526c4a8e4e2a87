"""Command-line administration: `flask --app app users …`, `tokens …`."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

import accounts
import jobs
from database import db
from errors import AppError
from models import ROLES
from reporting import Reporter

users_cli = AppGroup("users", help="Manage dashboard users.")
sync_cli = AppGroup("sync", help="Run a sync in the foreground with a progress bar.")
tokens_cli = AppGroup("tokens", help="Manage API tokens for scripts.")


def _fail(exc: AppError) -> None:
    raise click.ClickException(exc.message)


@users_cli.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES), default="viewer", show_default=True)
@click.option("--password", help="Prompted for (hidden, twice) when omitted.")
def create_user(username: str, role: str, password: str | None) -> None:
    """Create a user."""
    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = accounts.create_user(username, password, role)
    except AppError as exc:
        _fail(exc)
    click.echo(f"Created {user.role} {user.username}.")


@users_cli.command("list")
def list_users() -> None:
    """List users."""
    for user in db.session.scalars(accounts.list_users_query()):
        state = "active" if user.is_active else "inactive"
        click.echo(f"{user.id:>4}  {user.username:<24} {user.role:<7} {state}")


@tokens_cli.command("create")
@click.argument("username")
@click.option("--name", default="cli", show_default=True, help="A label for the token.")
def create_token(username: str, name: str) -> None:
    """Create an API token for USERNAME and print it (shown only this once)."""
    try:
        issued = accounts.create_token(accounts.find_user(username), name)
    except AppError as exc:
        _fail(exc)
    click.echo(issued.plaintext)


@tokens_cli.command("list")
def list_tokens() -> None:
    """List API tokens (never their values)."""
    for token in db.session.scalars(accounts.list_tokens_query()):
        state = "revoked" if token.revoked_at else "active"
        click.echo(
            f"{token.id:>4}  {token.prefix}…  {token.user.username:<16} {token.name:<20} {state}"
        )


@tokens_cli.command("revoke")
@click.argument("token", metavar="ID_OR_PREFIX")
def revoke_token(token: str) -> None:
    """Revoke a token by its id or its printed prefix."""
    try:
        revoked = accounts.revoke_token(accounts.find_token(token))
    except AppError as exc:
        _fail(exc)
    click.echo(f"Revoked token {revoked.prefix}….")


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
        run = jobs.run_in_foreground(source, "cli", ProgressBar())
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


def init_app(app: Flask) -> None:
    app.cli.add_command(users_cli)
    app.cli.add_command(sync_cli)
    app.cli.add_command(tokens_cli)
