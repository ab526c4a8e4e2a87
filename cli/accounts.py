"""`flask --app app users …` and `tokens …`: accounts from the command line."""

from __future__ import annotations

import click
from flask.cli import AppGroup

import accounts
from database import db
from errors import AppError
from models import ROLES

users_cli = AppGroup("users", help="Manage dashboard users.")
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
