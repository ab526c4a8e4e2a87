"""Users and passwords: who may sign in, with which role."""

from __future__ import annotations

import logging
import secrets
import unicodedata

import sqlalchemy as sa
from argon2 import PasswordHasher
from confusable_homoglyphs import confusables

from accounts import audit, sessions
from config import MIN_PASSWORD_LENGTH
from database import db
from errors import Conflict, NotFound, ValidationFailed
from models import ROLES, User

log = logging.getLogger(__name__)

hasher = PasswordHasher()


def hash_password(password: str) -> str:
    return hasher.hash(password)


def normalize_username(username: str) -> str:
    """NFKC: a name typed in full-width letters is the same name in ASCII, so it signs in as,
    and collides with, that user."""
    return unicodedata.normalize("NFKC", username).strip()


def validate_username(username: object) -> str:
    if not isinstance(username, str) or not username.strip():
        raise ValidationFailed("Username is required.", field="username")
    username = normalize_username(username)
    if len(username) > 80 or not all(c.isalnum() or c in "._-@" for c in username):
        raise ValidationFailed(
            "Username may hold letters, digits and . _ - @ (at most 80 characters).",
            field="username",
        )
    if not username.isascii() and confusables.is_confusable(
        username, greedy=True, preferred_aliases=["latin"]
    ):
        # "admin" spelled with a Cyrillic "a" would pass for admin in every list and log line.
        raise ValidationFailed(
            "Username has letters that look like Latin ones from another script "
            f"({_lookalikes(username)}); use the Latin letters instead.",
            field="username",
        )
    return username


def _lookalikes(username: str) -> str:
    found = confusables.is_confusable(username, greedy=True, preferred_aliases=["latin"]) or []
    return ", ".join(f"{item['character']} (U+{ord(item['character']):04X})" for item in found[:5])


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


def create_user(
    username: object, password: object, role: object = "viewer", *, acting_user: User | None = None
) -> User:
    username = validate_username(username)
    user = User(
        username=username,
        password_hash=hash_password(validate_password(password)),
        role=validate_role(role),
    )
    if db.session.scalar(sa.select(User.id).where(User.username == username)) is not None:
        raise Conflict(f"A user named {username!r} already exists.", field="username")
    db.session.add(user)
    db.session.flush()
    audit.record("user_created", actor=acting_user, target=user, username=None, role=user.role)
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
        if role != user.role:
            audit.record("role_changed", actor=acting_user, target=user, old=user.role, new=role)
            sessions.end_all(user.id, "role_changed")
        user.role = role
    if "is_active" in changes:
        if not isinstance(changes["is_active"], bool):
            raise ValidationFailed("is_active must be true or false.", field="is_active")
        if acting_user is not None and acting_user.id == user.id and not changes["is_active"]:
            raise ValidationFailed("You cannot deactivate yourself.", field="is_active")
        if changes["is_active"] != user.is_active:
            action = "user_activated" if changes["is_active"] else "user_deactivated"
            audit.record(action, actor=acting_user, target=user)
            if not changes["is_active"]:
                sessions.end_all(user.id, "deactivated")
        user.is_active = changes["is_active"]
    if "password" in changes:
        user.password_hash = hash_password(validate_password(changes["password"]))
        audit.record("password_changed", actor=acting_user, target=user)
        # Someone changing their own password stays signed in here, and only here.
        own = acting_user is not None and acting_user.id == user.id
        sessions.end_all(user.id, "password_changed", keep_current=own)
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


def find_user(username: str) -> User:
    user = db.session.scalar(sa.select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"No user named {username!r}.")
    return user
