"""Signing in: password check with a constant-time miss, and the login throttle."""

from __future__ import annotations

import logging
from datetime import timedelta

import sqlalchemy as sa
from argon2.exceptions import InvalidHashError, VerificationError

from accounts import audit
from accounts.users import hash_password, hasher
from database import db
from models import LoginAttempt, User, utcnow

log = logging.getLogger(__name__)

# Verifying against this when the user does not exist keeps timing the same either way.
_DUMMY_HASH = hasher.hash("not-a-real-password")

LOGIN_FAILURES_ALLOWED = 5
LOGIN_WINDOW = timedelta(minutes=1)


class LoginThrottled(Exception):
    """Too many failed logins for this user or address in the last minute."""


def _recent_failures(username: str, remote_addr: str) -> int:
    since = utcnow() - LOGIN_WINDOW
    return db.session.execute(
        sa.select(sa.func.count(LoginAttempt.id)).where(
            LoginAttempt.attempted_at >= since,
            sa.or_(LoginAttempt.username == username, LoginAttempt.remote_addr == remote_addr),
        )
    ).scalar_one()


def _serialize_attempts(username: str, remote_addr: str) -> None:
    """Concurrent attempts for one user or address take turns (until this transaction ends),
    so a burst of parallel guesses cannot all pass the count before any failure is written."""
    for key in (f"user:{username}", f"addr:{remote_addr}"):
        db.session.execute(sa.select(sa.func.pg_advisory_xact_lock(sa.func.hashtext(key))))


def authenticate(username: str, password: str, remote_addr: str) -> User | None:
    """The active user with these credentials, or None. Raises LoginThrottled when throttled."""
    username = (username or "").strip()[:80]
    remote_addr = (remote_addr or "unknown")[:64]
    _serialize_attempts(username, remote_addr)
    if _recent_failures(username, remote_addr) >= LOGIN_FAILURES_ALLOWED:
        db.session.rollback()
        audit.record("sign_in_throttled", actor=None, username=username, remote_addr=remote_addr)
        db.session.commit()
        raise LoginThrottled()
    user = db.session.scalar(sa.select(User).where(User.username == username))
    try:
        hasher.verify(user.password_hash if user else _DUMMY_HASH, password or "")
        ok = user is not None and user.is_active
    except (VerificationError, InvalidHashError):
        ok = False
    if not ok or user is None:  # (ok implies a user; said again for the type checker)
        db.session.add(LoginAttempt(username=username, remote_addr=remote_addr))
        audit.record("sign_in_failed", actor=None, username=username, remote_addr=remote_addr)
        db.session.execute(
            sa.delete(LoginAttempt).where(LoginAttempt.attempted_at < utcnow() - timedelta(days=1))
        )
        db.session.commit()
        log.info("failed login for %r from %s", username, remote_addr)
        return None
    if hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    audit.record("sign_in", actor=user, remote_addr=remote_addr)
    db.session.commit()
    return user
