"""The vocabulary of the merge rules: counts, actors, datasets, values and history rows."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from merge import bulk
from models import RecordChange, TrackedRecord, utcnow


@dataclass
class MergeCounts:
    found: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    kept_manual: int = 0
    missing: int = 0
    flagged: int = 0

    def add(self, other: MergeCounts) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass(frozen=True)
class Actor:
    """Who makes a change: a person (user_id) or a sync run (run_id)."""

    kind: str  # user | sync | system
    user_id: int | None = None
    run_id: int | None = None

    @classmethod
    def user(cls, user_id: int) -> Actor:
        return cls("user", user_id=user_id)

    @classmethod
    def sync(cls, run_id: int | None) -> Actor:
        return cls("sync", run_id=run_id)


@dataclass
class Dataset:
    """How one table takes part in syncs: its model, natural key and the fields a source owns."""

    model: type[TrackedRecord]
    key_fields: tuple[str, ...]
    synced_fields: tuple[str, ...]
    scope: dict[str, Any] = field(default_factory=dict)  # constant columns, e.g. source=profile
    # Synced columns that must be unique across records (authorization_number, say). A source
    # value already held by another record is held back for review instead of failing the batch.
    unique_fields: tuple[str, ...] = ()
    # How a sync finds a record a person created when its key alone cannot: a record with empty
    # key and scope columns and the same values of these fields is joined (its key and scope
    # columns are set to the source row's). Drugs and classes need none: their key is the
    # person's too (set id, code).
    join_fields: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return self.model.dataset


def json_value(value: Any) -> Any:
    """Field values as they are kept in JSONB (source_values, history)."""
    if isinstance(value, date):
        return value.isoformat()
    return value


def value_from_json(model: type[TrackedRecord], field_name: str, value: Any) -> Any:
    if value is None:
        return None
    python_type = model.__table__.c[field_name].type.python_type
    if python_type is date and isinstance(value, str):
        return date.fromisoformat(value)
    return value


def same_value(a: Any, b: Any) -> bool:
    """Equal as stored: a date and its ISO text are the same value."""
    return json.dumps(json_value(a), sort_keys=True) == json.dumps(json_value(b), sort_keys=True)


def fields_needing_review(record: TrackedRecord) -> list[str]:
    source = record.source_values or {}
    return [
        name
        for name, info in (record.manual_fields or {}).items()
        if name in source and not same_value(source[name], info.get("source_baseline"))
    ]


def refresh_flags(record: Any) -> None:
    """`is_manually_edited` and `needs_review` follow from `manual_fields` and `source_values`."""
    record.is_manually_edited = bool(record.manual_fields)
    record.needs_review = bool(fields_needing_review(record))


def history_row(
    dataset: str,
    record_id: int,
    action: str,
    actor: Actor,
    field_name: str | None = None,
    old: Any = None,
    new: Any = None,
) -> dict[str, Any]:
    """One `record_changes` row, complete: it is written once and never rewritten."""
    return {
        "dataset": dataset,
        "record_id": record_id,
        "field": field_name,
        "action": action,
        "old_value": json_value(old),
        "new_value": json_value(new),
        "actor_type": actor.kind,
        "user_id": actor.user_id,
        "run_id": actor.run_id,
        "changed_at": utcnow(),
    }


_HISTORY_COLUMNS = tuple(c.name for c in RecordChange.__table__.c if c.name != "id")


def write_history(rows: list[dict[str, Any]]) -> None:
    """Append history rows (from `history_row`) with one COPY."""
    bulk.copy_rows(
        RecordChange.__table__,
        _HISTORY_COLUMNS,
        (tuple(row[name] for name in _HISTORY_COLUMNS) for row in rows),
    )
