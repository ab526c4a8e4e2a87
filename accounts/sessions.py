"""Browser sessions kept on the server, so that they can be ended.

The signed session cookie holds a random token (`session["sid"]`); `user_sessions` keeps its
SHA-256 with the session's start and last request. A request's session counts only while its row
is open, younger than SESSION_MAX_HOURS and used within SESSION_IDLE_MINUTES. Logout ends the
session; a password, role or activation change ends every session of that user (but the one
making the change, when people change their own password). A stolen cookie therefore dies with
the session it belongs to, wherever it is replayed from: sessions are not bound to the client's
address, which a proxy can hide or a header can forge.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app, has_request_context, request, session

from database import db
from models import UserSession, utcnow

log = logging.getLogger(__name__)

SESSION_KEY = "sid"
TOUCH_EVERY = timedelta(seconds=60)  # last_seen_at is written at most this often per session


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _limits() -> tuple[timedelta, timedelta]:
    settings = current_app.config["SETTINGS"]
    return (
        timedelta(minutes=settings.session_idle_minutes),
        timedelta(hours=settings.session_max_hours),
    )


def max_age() -> timedelta:
    """The absolute lifetime: the cookie's own expiry matches it."""
    return _limits()[1]


def start(user_id: int) -> None:
    """Open a session for `user_id` and put its token in the cookie (a fresh token at every
    sign-in, so a token planted before sign-in is worth nothing)."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    db.session.add(
        UserSession(
            user_id=user_id,
            token_hash=_digest(token),
            created_at=now,
            last_seen_at=now,
            remote_addr=(request.remote_addr or "")[:64] or None,
            user_agent=(request.user_agent.string or "")[:200] or None,
        )
    )
    db.session.commit()
    session.clear()
    session[SESSION_KEY] = token
    session.permanent = True  # the cookie expires with the session's absolute lifetime


def _current_row(user_id: int) -> UserSession | None:
    token = session.get(SESSION_KEY) if has_request_context() else None
    if not isinstance(token, str) or not token:
        return None
    return db.session.scalar(
        sa.select(UserSession).where(
            UserSession.token_hash == _digest(token), UserSession.user_id == user_id
        )
    )


def is_live(user_id: int) -> bool:
    """Whether this request's cookie belongs to an open session of `user_id`. Ends a session
    found past its idle or absolute limit, and notes the request on a live one."""
    row = _current_row(user_id)
    if row is None or row.ended_at is not None:
        return False
    idle, lifetime = _limits()
    now = utcnow()
    reason = (
        "expired"
        if now - row.created_at >= lifetime
        else "idle"
        if now - row.last_seen_at >= idle
        else None
    )
    if reason:
        _end_rows(sa.and_(UserSession.id == row.id), reason, now)
        return False
    if now - row.last_seen_at >= TOUCH_EVERY:
        db.session.execute(
            sa.update(UserSession).where(UserSession.id == row.id).values(last_seen_at=now)
        )
        db.session.commit()
    return True


def end_current(user_id: int, reason: str = "logout") -> None:
    row = _current_row(user_id)
    if row is not None and row.ended_at is None:
        _end_rows(UserSession.id == row.id, reason, utcnow())
    session.clear()


def end_all(user_id: int, reason: str, *, keep_current: bool = False) -> int:
    """End every open session of `user_id` (but this request's, with `keep_current`), in the
    caller's transaction. Returns how many ended."""
    condition = sa.and_(UserSession.user_id == user_id, UserSession.ended_at.is_(None))
    if keep_current and (row := _current_row(user_id)) is not None:
        condition = sa.and_(condition, UserSession.id != row.id)
    result = db.session.execute(
        sa.update(UserSession).where(condition).values(ended_at=utcnow(), end_reason=reason)
    )
    count = getattr(result, "rowcount", 0) or 0
    if count:
        log.info("ended %d session(s) of user %d: %s", count, user_id, reason)
    return count


def _end_rows(condition: sa.ColumnElement[bool], reason: str, now: datetime) -> None:
    db.session.execute(
        sa.update(UserSession)
        .where(condition, UserSession.ended_at.is_(None))
        .values(ended_at=now, end_reason=reason)
    )
    db.session.commit()


def prune(older_than: timedelta = timedelta(days=30)) -> None:
    """Forget sessions that ended (or started) long ago."""
    cutoff = utcnow() - older_than
    db.session.execute(
        sa.delete(UserSession).where(
            sa.or_(UserSession.ended_at < cutoff, UserSession.created_at < cutoff)
        )
    )
