"""API tokens for scripts: issued once, stored as a SHA-256 digest, revocable."""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa

from accounts import audit
from database import db
from errors import NotFound, ValidationFailed
from models import ApiToken, User, utcnow

log = logging.getLogger(__name__)

TOKEN_PREFIX = "msk_"  # noqa: S105 - a marker, not a secret


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    plaintext: str


def create_token(user: User, name: object, *, acting_user: User | None = None) -> IssuedToken:
    if not isinstance(name, str) or not name.strip():
        raise ValidationFailed("Token name is required.", field="name")
    plaintext = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id,
        name=name.strip()[:120],
        token_hash=_token_digest(plaintext),
        prefix=plaintext[: len(TOKEN_PREFIX) + 6],
    )
    db.session.add(token)
    db.session.flush()
    audit.record(
        "token_created",
        actor=acting_user,
        target=token,
        owner=user.username,
        name=token.name,
        prefix=token.prefix,
    )
    db.session.commit()
    log.info("API token %r (%s…) created for %s", token.name, token.prefix, user.username)
    return IssuedToken(token, plaintext)


def get_token(token_id: int) -> ApiToken:
    token = db.session.get(ApiToken, token_id)
    if token is None:
        raise NotFound(f"No API token with id {token_id}.")
    return token


def revoke_token(token: ApiToken, *, acting_user: User | None = None) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        audit.record(
            "token_revoked",
            actor=acting_user,
            target=token,
            owner=token.user.username,
            name=token.name,
            prefix=token.prefix,
        )
        db.session.commit()
        log.info("API token %s… revoked", token.prefix)
    return token


# Built once: an API request pays for this statement on every call.
_USER_FOR_TOKEN = (
    sa.select(User, ApiToken.id, ApiToken.last_used_at)
    .join(ApiToken, ApiToken.user_id == User.id)
    .where(
        ApiToken.token_hash == sa.bindparam("digest"),
        ApiToken.revoked_at.is_(None),
        User.is_active.is_(True),
    )
)


def user_for_token(plaintext: str) -> User | None:
    """The active user of an unrevoked token: one statement, the token read as two columns
    (an API request pays for this on every call; no token object is built for it)."""
    found = db.session.execute(_USER_FOR_TOKEN, {"digest": _token_digest(plaintext)}).first()
    if found is None:
        return None
    user, token_id, last_used_at = found
    now = utcnow()
    if last_used_at is None or now - last_used_at > timedelta(minutes=1):
        # coarse, so a polling script does not write on every request
        db.session.execute(
            sa.update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=now)
        )
        db.session.commit()
    return user


def find_token(id_or_prefix: str) -> ApiToken:
    """A token by its id or its printed prefix (the CLI's way of naming one)."""
    token_id = int(id_or_prefix) if id_or_prefix.isascii() and id_or_prefix.isdecimal() else -1
    found = db.session.scalars(
        sa.select(ApiToken).where(sa.or_(ApiToken.prefix == id_or_prefix, ApiToken.id == token_id))
    ).all()
    if len(found) != 1:
        raise NotFound(f"No single token matches {id_or_prefix!r}.")
    return found[0]


def list_tokens_query() -> sa.Select:
    return sa.select(ApiToken).order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
