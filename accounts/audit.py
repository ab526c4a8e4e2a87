"""The one audit log: every change by a person or a run across the datasets (`record_changes`),
and what people did to accounts (`audit_events`: sign-ins and failed ones, sign-outs, users
created, roles and activation changed, API tokens created and revoked), read as one list.

`record()` adds an account event to the session; the caller's own commit stores it with the
change it describes. `entries_query()` is the log: one row per entry (a JSON object), newest
first, under the filters user, dataset, field, run, action, from and to (days, UTC).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa

from database import db
from errors import ValidationFailed
from models import AuditEvent, RecordChange, User

ACCOUNT_DATASETS = {"user": "users", "token": "api_tokens"}
DATASETS = ("authorizations", "drugs", "drug_classes", "users", "api_tokens", "accounts")
FILTERS = ("user", "dataset", "field", "run_id", "action", "from", "to")
_MAX_TEXT = 120


def record(
    action: str,
    *,
    actor: User | None,
    target: User | Any | None = None,
    remote_addr: str | None = None,
    username: str | None = None,
    **details: Any,
) -> None:
    """Add one account event (committed with the caller's change). `actor` is who did it (None:
    the command line or nobody signed in); `username` names the actor when there is no user (a
    failed sign-in's attempted name)."""
    target_type = None
    if target is not None:
        target_type = "user" if isinstance(target, User) else "token"
    db.session.add(
        AuditEvent(
            action=action,
            user_id=actor.id if actor is not None else None,
            username=(actor.username if actor is not None else username or None),
            target_type=target_type,
            target_id=getattr(target, "id", None),
            details=details,
            remote_addr=(remote_addr or None) and remote_addr[:64],
        )
    )


def _record_entries() -> sa.Select:
    who = sa.orm.aliased(User)
    return (
        sa.select(
            RecordChange.changed_at.label("at"),
            sa.literal("record").label("kind"),
            RecordChange.id.label("id"),
            RecordChange.action.label("action"),
            RecordChange.actor_type.label("actor_type"),
            RecordChange.user_id.label("user_id"),
            who.username.label("username"),
            RecordChange.run_id.label("run_id"),
            RecordChange.dataset.label("dataset"),
            RecordChange.record_id.label("record_id"),
            RecordChange.field.label("field"),
            RecordChange.old_value.label("old_value"),
            RecordChange.new_value.label("new_value"),
            sa.null().label("remote_addr"),
        )
        .select_from(RecordChange)
        .outerjoin(who, who.id == RecordChange.user_id)
    )


def _account_entries() -> sa.Select:
    dataset = sa.case(
        *((AuditEvent.target_type == kind, name) for kind, name in ACCOUNT_DATASETS.items()),
        else_=sa.literal("accounts"),
    )
    return sa.select(
        AuditEvent.at.label("at"),
        sa.literal("account").label("kind"),
        AuditEvent.id.label("id"),
        AuditEvent.action.label("action"),
        sa.case((AuditEvent.user_id.is_(None), "system"), else_="user").label("actor_type"),
        AuditEvent.user_id.label("user_id"),
        AuditEvent.username.label("username"),
        sa.null().label("run_id"),
        dataset.label("dataset"),
        AuditEvent.target_id.label("record_id"),
        sa.null().label("field"),
        sa.null().label("old_value"),
        sa.cast(AuditEvent.details, sa.dialects.postgresql.JSONB).label("new_value"),
        AuditEvent.remote_addr.label("remote_addr"),
    )


def _text(args: Mapping[str, str], name: str) -> str | None:
    value = (args.get(name) or "").strip()
    if len(value) > _MAX_TEXT:
        raise ValidationFailed(f"{name} is too long (at most {_MAX_TEXT} characters).", field=name)
    return value or None


def _day(args: Mapping[str, str], name: str) -> date | None:
    value = _text(args, name)
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationFailed(
            f"{name} must be a date (YYYY-MM-DD), got {value!r}.", field=name
        ) from None


def entries_query(args: Mapping[str, str], *, oldest_first: bool = False) -> sa.Select:
    """The log under the filters, newest first (or oldest), each entry one JSON object (column
    `entry`)."""
    unknown = sorted(set(args) - {*FILTERS, "page", "per_page", "format", "sort"})
    if unknown:
        raise ValidationFailed(
            f"Unknown filter {unknown[0]!r}; the filters are {', '.join(FILTERS)}.",
            field=unknown[0],
        )
    user, dataset, field, action = (_text(args, n) for n in ("user", "dataset", "field", "action"))
    if dataset is not None and dataset not in DATASETS:
        raise ValidationFailed(f"dataset must be one of {', '.join(DATASETS)}.", field="dataset")
    run_text = _text(args, "run_id")
    if run_text is not None and not (
        run_text.isascii() and run_text.isdigit() and len(run_text) < 10
    ):
        raise ValidationFailed(f"run_id must be a run's number, got {run_text!r}.", field="run_id")
    run_id = int(run_text) if run_text is not None else None
    since, until = _day(args, "from"), _day(args, "to")
    if since and until and since > until:
        raise ValidationFailed("to must not be before from.", field="to")

    log = sa.union_all(_record_entries(), _account_entries()).subquery("log")
    conditions: list[sa.ColumnElement[bool]] = []
    if user is not None:
        conditions.append(sa.func.lower(log.c.username) == user.lower())
    if dataset is not None:
        conditions.append(log.c.dataset == dataset)
    if field is not None:
        conditions.append(log.c.field == field)
    if action is not None:
        conditions.append(log.c.action == action)
    if run_id is not None:
        conditions.append(log.c.run_id == run_id)
    if since is not None:
        conditions.append(log.c.at >= datetime.combine(since, time.min, tzinfo=UTC))
    if until is not None:
        conditions.append(
            log.c.at < datetime.combine(until + timedelta(days=1), time.min, tzinfo=UTC)
        )
    entry = sa.func.jsonb_build_object(
        *(item for column in log.c for item in (sa.literal(column.name), column))
    )
    order = (
        (log.c.at.asc(), log.c.kind.desc(), log.c.id.asc())
        if oldest_first
        else (log.c.at.desc(), log.c.kind.asc(), log.c.id.desc())
    )
    return sa.select(entry.label("entry")).where(*conditions).order_by(*order)


RECORD_PATHS = {
    "authorizations": "authorizations",
    "drugs": "drugs",
    "drug_classes": "drug-classes",
}
CSV_COLUMNS = (
    "at",
    "kind",
    "action",
    "actor_type",
    "username",
    "run_id",
    "dataset",
    "record_id",
    "field",
    "old_value",
    "new_value",
    "remote_addr",
)


def entry_json(entry: dict[str, Any]) -> dict[str, Any]:
    """An entry with the link to its record (the API path, and the screen that lists it)."""
    path = RECORD_PATHS.get(entry.get("dataset") or "")
    record_id = entry.get("record_id")
    return {
        **entry,
        "record_url": f"/api/{path}/{record_id}" if path and record_id else None,
        "screen": path,
    }
