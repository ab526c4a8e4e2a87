"""Patient authorizations: listing, validation of people's edits, review and revert."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

import sqlalchemy as sa

import merge
from database import db
from errors import BadRequest, Conflict, NotFound, ValidationFailed
from models import AUTHORIZATION_STATUSES, Authorization

SYNCED_FIELDS = (
    "patient_name",
    "authorization_number",
    "status",
    "payer",
    "service_start",
    "service_end",
    "amount",
    "extra",
)
EDITABLE_FIELDS = (
    "patient_name",
    "authorization_number",
    "status",
    "payer",
    "service_start",
    "service_end",
    "amount",
)
REQUIRED_FIELDS = ("patient_name", "status")
SORTABLE = {
    "id": Authorization.id,
    "patient_name": Authorization.patient_name,
    "authorization_number": Authorization.authorization_number,
    "status": Authorization.status,
    "payer": Authorization.payer,
    "service_start": Authorization.service_start,
    "service_end": Authorization.service_end,
    "updated_at": Authorization.updated_at,
}
CSV_COLUMNS = (
    "id",
    "patient_name",
    "authorization_number",
    "status",
    "payer",
    "service_start",
    "service_end",
    "amount",
    "is_manually_edited",
    "needs_review",
    "missing_from_source",
    "updated_at",
)


def dataset(source: str) -> merge.Dataset:
    return merge.Dataset(
        model=Authorization,
        key_fields=("source_key",),
        synced_fields=SYNCED_FIELDS,
        scope={"source": source},
    )


def _flag(args: Mapping[str, str], name: str) -> bool | None:
    raw = args.get(name)
    if raw in (None, ""):
        return None
    if raw.lower() in ("1", "true", "yes"):
        return True
    if raw.lower() in ("0", "false", "no"):
        return False
    raise BadRequest(f"{name} must be true or false, got {raw!r}.", field=name)


def list_query(args: Mapping[str, str]) -> sa.Select:
    """Authorizations matching the list filters (q, status, edited, needs_review, missing)."""
    query = sa.select(Authorization)
    q = (args.get("q") or "").strip()
    if q:
        escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern = f"%{escaped}%"
        query = query.where(
            sa.or_(
                Authorization.patient_name.ilike(pattern),
                Authorization.authorization_number.ilike(pattern),
                Authorization.payer.ilike(pattern),
            )
        )
    status = args.get("status")
    if status:
        if status not in AUTHORIZATION_STATUSES:
            raise BadRequest(
                f"status must be one of {', '.join(AUTHORIZATION_STATUSES)}.", field="status"
            )
        query = query.where(Authorization.status == status)
    for name, column in (
        ("edited", Authorization.is_manually_edited),
        ("needs_review", Authorization.needs_review),
        ("missing", Authorization.missing_from_source),
    ):
        wanted = _flag(args, name)
        if wanted is not None:
            query = query.where(column.is_(wanted))
    return query


def get(record_id: int) -> Authorization:
    record = db.session.get(Authorization, record_id)
    if record is None:
        raise NotFound(f"No authorization with id {record_id}.")
    return record


def _locked(record_id: int) -> Authorization:
    record = merge.lock(Authorization, record_id)
    if record is None:
        raise NotFound(f"No authorization with id {record_id}.")
    return record


def _parse_date(name: str, value: Any) -> date | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise ValidationFailed(f"{name} must be a date (YYYY-MM-DD).", field=name)
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationFailed(
            f"{name} must be a date (YYYY-MM-DD), got {value!r}.", field=name
        ) from None


def validate_changes(body: Mapping[str, Any]) -> dict[str, Any]:
    """A person's edit, checked field by field and typed. Raises 422 naming the field."""
    unknown = [name for name in body if name not in EDITABLE_FIELDS and name != "version"]
    if unknown:
        raise ValidationFailed(f"{unknown[0]!r} cannot be edited.", field=unknown[0])
    changes: dict[str, Any] = {}
    for name in EDITABLE_FIELDS:
        if name not in body:
            continue
        value = body[name]
        if name in ("service_start", "service_end"):
            changes[name] = _parse_date(name, value)
            continue
        if value is not None and not isinstance(value, str):
            raise ValidationFailed(f"{name} must be text.", field=name)
        value = value.strip() if isinstance(value, str) else None
        if name in REQUIRED_FIELDS and not value:
            raise ValidationFailed(
                f"{name.replace('_', ' ').capitalize()} is required.", field=name
            )
        if name == "status" and value not in AUTHORIZATION_STATUSES:
            raise ValidationFailed(
                f"Status must be one of {', '.join(AUTHORIZATION_STATUSES)}.", field="status"
            )
        changes[name] = value or None
    return changes


def _check_dates(record: Authorization, changes: Mapping[str, Any]) -> None:
    start = changes.get("service_start", record.service_start)
    end = changes.get("service_end", record.service_end)
    if start and end and end < start:
        raise ValidationFailed("Service end cannot be before service start.", field="service_end")


def _check_number_free(record: Authorization, number: str | None) -> None:
    if not number:
        return
    other = db.session.scalar(
        sa.select(Authorization).where(
            Authorization.authorization_number == number, Authorization.id != record.id
        )
    )
    if other is not None:
        raise Conflict(
            f"Authorization number {number} is already used by {other.patient_name} "
            f"(record {other.id}).",
            field="authorization_number",
            other_id=other.id,
        )


def _expected_version(body: Mapping[str, Any]) -> int | None:
    version = body.get("version")
    if version is None:
        return None
    if isinstance(version, bool) or not isinstance(version, int):
        raise ValidationFailed("version must be a whole number.", field="version")
    return version


def update(record_id: int, body: Mapping[str, Any], user_id: int) -> Authorization:
    changes = validate_changes(body)
    record = _locked(record_id)
    _check_dates(record, changes)
    _check_number_free(record, changes.get("authorization_number"))
    try:
        merge.apply_manual_edit(
            record, changes, merge.Actor.user(user_id), expected_version=_expected_version(body)
        )
    except Conflict as exc:
        db.session.rollback()
        exc.details["current"] = to_json(get(record_id))
        raise
    db.session.commit()
    return record


def review(record_id: int, body: Mapping[str, Any], user_id: int) -> Authorization:
    record = _locked(record_id)
    merge.resolve_review(
        record, str(body.get("field", "")), str(body.get("decision", "")), merge.Actor.user(user_id)
    )
    db.session.commit()
    return record


def revert(record_id: int, body: Mapping[str, Any], user_id: int) -> Authorization:
    change_id = body.get("change_id")
    if isinstance(change_id, bool) or not isinstance(change_id, int):
        raise ValidationFailed("change_id must be a whole number.", field="change_id")
    record = _locked(record_id)
    change = merge.change_to_revert(Authorization.dataset, record_id, change_id)
    if change.field not in EDITABLE_FIELDS:
        raise ValidationFailed(f"{change.field!r} cannot be reverted.", field="change_id")
    value = merge.from_json(Authorization, change.field, change.old_value)
    if change.field == "authorization_number":
        _check_number_free(record, value)
    merge.apply_manual_edit(
        record,
        {change.field: value},
        merge.Actor.user(user_id),
        expected_version=None,
        action="revert",
    )
    db.session.commit()
    return record


def history_query(record_id: int) -> sa.Select:
    get(record_id)
    return merge.history_query(Authorization.dataset, record_id)


def to_json(record: Authorization) -> dict[str, Any]:
    review_fields = merge.fields_needing_review(record)
    return {
        "id": record.id,
        "source": record.source,
        "source_key": record.source_key,
        "patient_name": record.patient_name,
        "authorization_number": record.authorization_number,
        "status": record.status,
        "payer": record.payer,
        "service_start": merge.to_json(record.service_start),
        "service_end": merge.to_json(record.service_end),
        "amount": record.amount,
        "extra": record.extra or {},
        "version": record.version,
        "is_manually_edited": record.is_manually_edited,
        "edited_fields": sorted(record.manual_fields or {}),
        "needs_review": record.needs_review,
        "review": [
            {
                "field": name,
                "yours": merge.to_json(getattr(record, name)),
                "source": record.source_values.get(name),
            }
            for name in review_fields
        ],
        "missing_from_source": record.missing_from_source,
        "last_seen_run_id": record.last_seen_run_id,
        "created_at": merge.to_json(record.created_at),
        "updated_at": merge.to_json(record.updated_at),
    }
