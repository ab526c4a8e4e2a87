"""Users, passwords, API tokens and login throttling: the rules, used by the web, API and CLI."""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from config import MIN_PASSWORD_LENGTH
from database import db
from errors import Conflict, NotFound, ValidationFailed
from models import ROLES, ApiToken, LoginAttempt, User, utcnow

log = logging.getLogger(__name__)

_hasher = PasswordHasher()
# Verifying against this when the user does not exist keeps timing the same either way.
_DUMMY_HASH = _hasher.hash("not-a-real-password")

LOGIN_FAILURES_ALLOWED = 5
LOGIN_WINDOW = timedelta(minutes=1)
TOKEN_PREFIX = "msk_"  # noqa: S105 - a marker, not a secret


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def validate_username(username: object) -> str:
    if not isinstance(username, str) or not username.strip():
        raise ValidationFailed("Username is required.", field="username")
    username = username.strip()
    if len(username) > 80 or not all(c.isalnum() or c in "._-@" for c in username):
        raise ValidationFailed(
            "Username may hold letters, digits and . _ - @ (at most 80 characters).",
            field="username",
        )
    return username


def validate_password(password: object) -> str:
    if not isinstance(password, str) or len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(
            f"Password must be at least {MIN_PASSWORD_LENGTH} characters.", field="password"
        )
    return password


def validate_role(role: object) -> str:
    if role not in ROLES:
        raise ValidationFailed(f"Role must be one of {', '.join(ROLES)}.", field="role")
    return str(role)


def create_user(username: object, password: object, role: object = "viewer") -> User:
    username = validate_username(username)
    user = User(
        username=username,
        password_hash=hash_password(validate_password(password)),
        role=validate_role(role),
    )
    if db.session.scalar(sa.select(User.id).where(User.username == username)) is not None:
        raise Conflict(f"A user named {username!r} already exists.", field="username")
    db.session.add(user)
    db.session.commit()
    log.info("user %s created with role %s", username, user.role)
    return user


def get_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(f"No user with id {user_id}.")
    return user


def update_user(user: User, changes: dict, *, acting_user: User | None = None) -> User:
    unknown = set(changes) - {"role", "is_active", "password"}
    if unknown:
        raise ValidationFailed(f"Unknown field {sorted(unknown)[0]!r}.", field=sorted(unknown)[0])
    if "role" in changes:
        role = validate_role(changes["role"])
        if acting_user is not None and acting_user.id == user.id and role != "admin":
            raise ValidationFailed("You cannot remove your own admin role.", field="role")
        user.role = role
    if "is_active" in changes:
        if not isinstance(changes["is_active"], bool):
            raise ValidationFailed("is_active must be true or false.", field="is_active")
        if acting_user is not None and acting_user.id == user.id and not changes["is_active"]:
            raise ValidationFailed("You cannot deactivate yourself.", field="is_active")
        user.is_active = changes["is_active"]
    if "password" in changes:
        user.password_hash = hash_password(validate_password(changes["password"]))
    db.session.commit()
    return user


def list_users_query() -> sa.Select:
    return sa.select(User).order_by(User.username)


def ensure_initial_admin(username: str, password: str | None) -> str | None:
    """On first start with no users, create the admin. Returns a generated password, if any."""
    if db.session.scalar(sa.select(sa.func.count(User.id))):
        return None
    generated = None
    if not password:
        generated = password = secrets.token_urlsafe(12)
    db.session.add(
        User(
            username=validate_username(username),
            password_hash=hash_password(password),
            role="admin",
        )
    )
    try:
        db.session.commit()
    except sa.exc.IntegrityError:  # another worker created it first
        db.session.rollback()
        return None
    return generated


class LoginThrottled(Exception):
    """Too many failed logins for this user or address in the last minute."""


def _recent_failures(username: str, remote_addr: str) -> int:
    since = utcnow() - LOGIN_WINDOW
    return db.session.scalar(
        sa.select(sa.func.count(LoginAttempt.id)).where(
            LoginAttempt.attempted_at >= since,
            sa.or_(LoginAttempt.username == username, LoginAttempt.remote_addr == remote_addr),
        )
    )


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
        raise LoginThrottled()
    user = db.session.scalar(sa.select(User).where(User.username == username))
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password or "")
        ok = user is not None and user.is_active
    except (VerificationError, InvalidHashError):
        ok = False
    if not ok:
        db.session.add(LoginAttempt(username=username, remote_addr=remote_addr))
        db.session.execute(
            sa.delete(LoginAttempt).where(LoginAttempt.attempted_at < utcnow() - timedelta(days=1))
        )
        db.session.commit()
        log.info("failed login for %r from %s", username, remote_addr)
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    db.session.commit()
    return user


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    plaintext: str


def create_token(user: User, name: object) -> IssuedToken:
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
    db.session.commit()
    log.info("API token %r (%s…) created for %s", token.name, token.prefix, user.username)
    return IssuedToken(token, plaintext)


def get_token(token_id: int) -> ApiToken:
    token = db.session.get(ApiToken, token_id)
    if token is None:
        raise NotFound(f"No API token with id {token_id}.")
    return token


def revoke_token(token: ApiToken) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        db.session.commit()
        log.info("API token %s… revoked", token.prefix)
    return token


def user_for_token(plaintext: str) -> User | None:
    token = db.session.scalar(
        sa.select(ApiToken).where(ApiToken.token_hash == _token_digest(plaintext))
    )
    if token is None or token.revoked_at is not None or not token.user.is_active:
        return None
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        token.last_used_at = now  # coarse, so a polling script does not write on every request
        db.session.commit()
    return token.user


def find_user(username: str) -> User:
    user = db.session.scalar(sa.select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"No user named {username!r}.")
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
