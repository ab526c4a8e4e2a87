"""What a person may do: edit a field, settle a review, record an event."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from database import db
from errors import ValidationFailed
from merge.archive import check_version
from merge.core import (
    Actor,
    fields_needing_review,
    history_row,
    refresh_flags,
    same_value,
    value_from_json,
    write_history,
)
from models import TrackedRecord


def record_event(
    record: TrackedRecord, action: str, actor: Actor, *, old: Any = None, new: Any = None
) -> None:
    """A whole-record event in the record's history (a person created or deleted it)."""
    write_history([history_row(record.dataset, record.id, action, actor, None, old, new)])


# --- people's changes -------------------------------------------------------------------------


def lock(model: type[TrackedRecord], record_id: int) -> Any:
    return db.session.scalar(sa.select(model).where(model.id == record_id).with_for_update())


def apply_manual_edit(
    record: TrackedRecord,
    changes: Mapping[str, Any],
    actor: Actor,
    *,
    expected_version: int | None,
    action: str = "manual_edit",
    history_out: list[dict[str, Any]] | None = None,
) -> list[str]:
    """Apply a person's edit (already validated and typed). Returns the fields that changed.

    A stale `expected_version` is a Conflict. A field set back to the source's own value stops
    being an override. The history rows are written at once, or added to `history_out` for
    the caller to write with others (a bulk action writes one COPY for all its rows).
    """
    check_version(record, expected_version)
    source_values = record.source_values or {}
    manual = dict(record.manual_fields or {})
    history = []
    changed = []
    for name, value in changes.items():
        current = getattr(record, name)
        agrees_with_source = name in source_values and same_value(value, source_values[name])
        if same_value(current, value):
            if agrees_with_source and name in manual:  # re-affirming the source's value
                del manual[name]
                changed.append(name)
            continue
        if agrees_with_source:
            manual.pop(name, None)
        else:
            manual[name] = {"source_baseline": source_values.get(name)}
        setattr(record, name, value)
        history.append(history_row(record.dataset, record.id, action, actor, name, current, value))
        changed.append(name)
    if not changed:
        return []
    record.manual_fields = manual
    refresh_flags(record)
    record.version += 1
    _write(history, history_out)
    return changed


def resolve_review(
    record: TrackedRecord,
    field_name: str,
    decision: str,
    actor: Actor,
    history_out: list[dict[str, Any]] | None = None,
) -> None:
    """Settle a field that needs review: keep the person's value, or take the source's (its
    history row written, or added to `history_out` as for `apply_manual_edit`)."""
    if field_name not in fields_needing_review(record):
        raise ValidationFailed(f"{field_name!r} does not need review.", field="field")
    source_value = record.source_values[field_name]
    manual = dict(record.manual_fields)
    if decision == "keep":
        manual[field_name] = {"source_baseline": source_value}
        history = history_row(
            record.dataset,
            record.id,
            "review_keep",
            actor,
            field_name,
            getattr(record, field_name),
            getattr(record, field_name),
        )
    elif decision == "source":
        old = getattr(record, field_name)
        setattr(record, field_name, value_from_json(type(record), field_name, source_value))
        manual.pop(field_name)
        history = history_row(
            record.dataset, record.id, "review_take_source", actor, field_name, old, source_value
        )
    else:
        raise ValidationFailed("decision must be 'keep' or 'source'.", field="decision")
    record.manual_fields = manual
    refresh_flags(record)
    record.version += 1
    _write([history], history_out)


def _write(rows: list[dict[str, Any]], history_out: list[dict[str, Any]] | None) -> None:
    if history_out is None:
        write_history(rows)
    else:
        history_out.extend(rows)
