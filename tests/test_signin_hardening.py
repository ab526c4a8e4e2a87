"""The sign-in throttle cannot be turned into a lockout, usernames cannot impersonate each other,
and what a failed sign-in leaves in logs never holds a password typed in the wrong field."""

import logging
import time

import pytest
import sqlalchemy as sa

import accounts
from accounts import access, signin
from database import db
from models import AuditEvent
from tests.fixtures.app import TEST_PASSWORD, csrf_from


def attempt(app, username: str, password: str, address: str, **headers: str):
    """A sign-in from `address`, in a browser of its own."""
    client = app.test_client()
    environ = {"REMOTE_ADDR": address}
    token = csrf_from(client.get("/login", environ_base=environ).get_data(as_text=True))
    return client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token},
        environ_base=environ,
        headers=headers,
    )


def test_guessing_from_one_address_does_not_lock_the_user_out_elsewhere(app):
    accounts.create_user("nora", TEST_PASSWORD, "viewer")
    for _ in range(accounts.LOGIN_FAILURES_ALLOWED):
        assert attempt(app, "nora", "guess", "198.51.100.7").status_code == 401
    assert attempt(app, "nora", TEST_PASSWORD, "198.51.100.7").status_code == 429
    assert attempt(app, "nora", TEST_PASSWORD, "192.0.2.10").status_code == 302


def test_one_address_trying_many_usernames_is_throttled(app):
    for n in range(signin.ADDRESS_FAILURES_ALLOWED):
        assert attempt(app, f"user{n}", "guess", "198.51.100.8").status_code == 401
    accounts.create_user("nora", TEST_PASSWORD, "viewer")
    assert attempt(app, "nora", TEST_PASSWORD, "198.51.100.8").status_code == 429
    assert attempt(app, "nora", TEST_PASSWORD, "192.0.2.11").status_code == 302


def test_many_addresses_guessing_one_user_slow_down_instead_of_locking_out(app):
    accounts.create_user("nora", TEST_PASSWORD, "viewer")
    for n in range(signin.USER_FAILURES_BEFORE_DELAY):
        assert attempt(app, "nora", "guess", f"203.0.113.{n + 1}").status_code == 401
    started = time.monotonic()
    assert attempt(app, "nora", TEST_PASSWORD, "192.0.2.12").status_code == 302
    assert time.monotonic() - started >= signin.USER_DELAY_SECONDS


def test_a_forged_forwarded_for_does_not_escape_the_throttle(app):
    """With TRUSTED_PROXIES=0 the header is ignored: the address is the connection's."""
    accounts.create_user("nora", TEST_PASSWORD, "viewer")
    for n in range(accounts.LOGIN_FAILURES_ALLOWED):
        forged = {"X-Forwarded-For": f"203.0.113.{n + 1}"}
        assert attempt(app, "nora", "guess", "198.51.100.9", **forged).status_code == 401
    forged = {"X-Forwarded-For": "203.0.113.200"}
    assert attempt(app, "nora", TEST_PASSWORD, "198.51.100.9", **forged).status_code == 429


def test_a_forwarded_for_without_trusted_proxies_is_warned_about_once(app, client, caplog):
    access._ProxyWarning.given = False
    with caplog.at_level(logging.WARNING, logger="accounts.access"):
        client.get("/login", headers={"X-Forwarded-For": "203.0.113.1"})
        client.get("/login", headers={"X-Forwarded-For": "203.0.113.2"})
    warnings = [r for r in caplog.records if "TRUSTED_PROXIES=0" in r.getMessage()]
    assert len(warnings) == 1


@pytest.mark.parametrize(
    "lookalike",
    [
        "\u0430dmin",  # Cyrillic a
        "r\u043eot",  # Cyrillic o
        "\u0440\u0430\u0443",  # all Cyrillic, reads "pay"
    ],
)
def test_usernames_that_pass_for_latin_ones_are_refused(admin, lookalike):
    created = admin.post(
        "/api/users", json={"username": lookalike, "password": TEST_PASSWORD, "role": "viewer"}
    )
    assert created.status_code == 422, created.json
    assert created.json["error"]["details"]["field"] == "username"
    assert "look like Latin" in created.json["error"]["message"]


def test_a_full_width_username_is_the_same_name_in_ascii(app, admin):
    full_width = "\uff52\uff4f\uff4f\uff54"  # "root" in full-width letters
    created = admin.post(
        "/api/users", json={"username": full_width, "password": TEST_PASSWORD, "role": "viewer"}
    )
    assert created.status_code == 201, created.json
    assert created.json["data"]["username"] == "root"
    again = admin.post(
        "/api/users", json={"username": "root", "password": TEST_PASSWORD, "role": "viewer"}
    )
    assert again.status_code == 409
    assert attempt(app, full_width, TEST_PASSWORD, "192.0.2.13").status_code == 302


def test_other_scripts_without_latin_lookalikes_are_still_welcome(admin):
    for name in ("jos\u00e9", "\u674e\u96f7"):  # josé, 李雷
        created = admin.post(
            "/api/users", json={"username": name, "password": TEST_PASSWORD, "role": "viewer"}
        )
        assert created.status_code == 201, created.json


def test_a_password_typed_as_the_username_is_never_logged_or_audited(app, caplog):
    secret = "hunter2-my-real-password"
    with caplog.at_level(logging.INFO):
        assert attempt(app, secret, "x", "192.0.2.14").status_code == 401
    assert secret not in caplog.text
    assert "failed login for unknown:" in caplog.text
    stored = db.session.scalars(sa.select(AuditEvent.username)).all()
    assert stored and all(secret not in (name or "") for name in stored)


def test_a_known_users_failed_sign_in_is_logged_by_name(app, caplog):
    accounts.create_user("nora", TEST_PASSWORD, "viewer")
    with caplog.at_level(logging.INFO):
        attempt(app, "nora", "guess", "192.0.2.15")
    assert "failed login for nora from 192.0.2.15" in caplog.text
