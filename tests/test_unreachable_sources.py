"""A source that cannot be reached fails the run with a sentence a newcomer can act on: what
failed, where, and which setting to check — not the library's text."""

from __future__ import annotations

import dataclasses
import socket
from collections.abc import Callable, Iterator

import pytest
from flask import Flask

from jobs import engine
from models import Run

UNRESOLVED = "http://medsync-source.invalid"  # .invalid never resolves (RFC 2606)
RAW_TEXT = ("HTTPConnectionPool", "NameResolutionError", "net::ERR_", "Max retries exceeded")


@pytest.fixture
def closed_port_url() -> str:
    """The address of a port nobody listens on (not port 1: Chromium blocks that one)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}"


@pytest.fixture
def portal_at(app: Flask) -> Iterator[Callable[[str], Flask]]:
    original = app.config["SETTINGS"]

    def point_at(base_url: str) -> Flask:
        app.config["SETTINGS"] = dataclasses.replace(
            original, portal_profile="sandbox", portal_base_url=base_url
        )
        return app

    yield point_at
    app.config["SETTINGS"] = original


def failed_run(source: str) -> Run:
    run = engine.run_in_foreground(source, "tests")
    assert run.status == "failed"
    assert not any(text in run.error_message for text in RAW_TEXT), run.error_message
    return run


def test_dailymed_refusing_connections_fails_the_run_in_plain_words(dailymed_app, closed_port_url):
    dailymed_app(f"{closed_port_url}/dailymed/services/v2")
    run = failed_run("dailymed")
    assert run.error_message.startswith(
        f"Could not reach DailyMed at {closed_port_url}: the connection was refused"
    )
    assert run.error_message.endswith("Check DAILYMED_BASE_URL and this machine's network access.")


def test_a_dailymed_name_that_does_not_resolve_fails_the_run_in_plain_words(dailymed_app):
    dailymed_app(f"{UNRESOLVED}/dailymed/services/v2")
    run = failed_run("dailymed")
    assert run.error_message.startswith(
        f"Could not reach DailyMed at {UNRESOLVED}: the name did not resolve"
    )
    assert "Check DAILYMED_BASE_URL" in run.error_message


def test_a_portal_refusing_connections_fails_the_run_in_plain_words(portal_at, closed_port_url):
    portal_at(f"{closed_port_url}/portal")
    run = failed_run("portal")
    assert run.error_message == (
        f"Could not reach the portal at {closed_port_url}/portal/login: "
        "the connection was refused. Check PORTAL_BASE_URL and this machine's network access."
    )


def test_a_portal_name_that_does_not_resolve_fails_the_run_in_plain_words(portal_at):
    portal_at(f"{UNRESOLVED}/portal")
    run = failed_run("portal")
    assert run.error_message.startswith(
        f"Could not reach the portal at {UNRESOLVED}/portal/login: the name did not resolve."
    )
