"""Signing in: password check with a constant-time miss, and the login throttle.

The throttle counts failed sign-ins in `login_attempts` (shared by every process):
- per (username, address) pair: LOGIN_FAILURES_ALLOWED a minute, then 429 for that pair only,
  so guessing someone's password from one place does not lock them out everywhere;
- per address: ADDRESS_FAILURES_ALLOWED a minute, then 429 (one address trying many names);
- per username from everywhere: past USER_FAILURES_BEFORE_DELAY in USER_WINDOW, each attempt on
  that name waits USER_DELAY_SECONDS, one at a time across every process. Many addresses guessing
  one password get slower; the real person still gets in, a little late, instead of refused.
Usernames that belong to nobody are kept, logged and audited only as a short digest: people
type their password into the username field.
"""

from __future__ import annotations

import hashlib
import logging
import time
from datetime import timedelta

import sqlalchemy as sa
from argon2.exceptions import InvalidHashError, VerificationError

from accounts import audit, sessions
from accounts.users import hash_password, hasher, normalize_username
from database import db
from models import LoginAttempt, User, utcnow

log = logging.getLogger(__name__)

# Verifying against this when the user does not exist keeps timing the same either way.
_DUMMY_HASH = hasher.hash("not-a-real-password")

LOGIN_FAILURES_ALLOWED = 5  # per (username, address) per LOGIN_WINDOW
ADDRESS_FAILURES_ALLOWED = 20  # per address per LOGIN_WINDOW
LOGIN_WINDOW = timedelta(minutes=1)
USER_FAILURES_BEFORE_DELAY = 10  # per username, from every address, per USER_WINDOW
USER_WINDOW = timedelta(minutes=15)
USER_DELAY_SECONDS = 2.0


class LoginThrottled(Exception):
    """Too many failed logins for this username from this address, or from this address."""


def _failures(*conditions: sa.ColumnElement[bool], window: timedelta) -> int:
    return db.session.execute(
        sa.select(sa.func.count(LoginAttempt.id)).where(
            LoginAttempt.attempted_at >= utcnow() - window, *conditions
        )
    ).scalar_one()


def _take_turns(*keys: str) -> None:
    """Concurrent attempts on one key take turns (until this transaction ends), so a burst of
    parallel guesses cannot all pass the count before any failure is written."""
    for key in keys:
        db.session.execute(sa.select(sa.func.pg_advisory_xact_lock(sa.func.hashtext(key))))


def known_as(username: str, user: User | None) -> str:
    """How a sign-in names its username in logs, the audit log and the throttle: as typed when
    it is a user's, else `unknown:<digest>` (it may be a password typed in the wrong field)."""
    if user is not None:
        return user.username
    return "unknown:" + hashlib.sha256(username.encode()).hexdigest()[:12]


def authenticate(username: str, password: str, remote_addr: str) -> User | None:
    """The active user with these credentials, or None. Raises LoginThrottled when throttled."""
    username = normalize_username(username or "")[:80]
    remote_addr = (remote_addr or "unknown")[:64]
    user = db.session.scalar(sa.select(User).where(User.username == username))
    name = known_as(username, user)
    _take_turns(f"user:{name}", f"addr:{remote_addr}")
    pair = _failures(
        LoginAttempt.username == name, LoginAttempt.remote_addr == remote_addr, window=LOGIN_WINDOW
    )
    from_address = _failures(LoginAttempt.remote_addr == remote_addr, window=LOGIN_WINDOW)
    if pair >= LOGIN_FAILURES_ALLOWED or from_address >= ADDRESS_FAILURES_ALLOWED:
        db.session.rollback()
        audit.record("sign_in_throttled", actor=None, username=name, remote_addr=remote_addr)
        db.session.commit()
        raise LoginThrottled()
    if _failures(LoginAttempt.username == name, window=USER_WINDOW) >= USER_FAILURES_BEFORE_DELAY:
        time.sleep(USER_DELAY_SECONDS)  # holding this username's turn: one attempt at a time
    try:
        hasher.verify(user.password_hash if user else _DUMMY_HASH, password or "")
        ok = user is not None and user.is_active
    except (VerificationError, InvalidHashError):
        ok = False
    if not ok or user is None:  # (ok implies a user; said again for the type checker)
        db.session.add(LoginAttempt(username=name, remote_addr=remote_addr))
        audit.record("sign_in_failed", actor=None, username=name, remote_addr=remote_addr)
        db.session.execute(
            sa.delete(LoginAttempt).where(LoginAttempt.attempted_at < utcnow() - timedelta(days=1))
        )
        db.session.commit()
        log.info("failed login for %s from %s", name, remote_addr)
        return None
    if hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    audit.record("sign_in", actor=user, remote_addr=remote_addr)
    sessions.prune()
    db.session.commit()
    return user
