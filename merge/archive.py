"""What deleting means: a record a source sends is archived (hidden, and no sync brings it
back), a record only a person made is removed. Restoring undoes an archive. Each is one event
in the record's history, with who did it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from database import db
from errors import Conflict
from merge.core import Actor, history_row
from models import TrackedRecord, utcnow

ARCHIVED, DELETED, RESTORED, UNCHANGED = "archived", "deleted", "restored", "unchanged"


def check_version(record: TrackedRecord, expected_version: int | None) -> None:
    """A stale `expected_version` (the record changed since the person read it) is a Conflict."""
    if expected_version is not None and expected_version != record.version:
        raise Conflict(
            "Someone else changed this record since you opened it.",
            field="version",
            current_version=record.version,
        )


def delete_or_archive(
    record: TrackedRecord, actor: Actor, snapshot: Callable[[], Any]
) -> tuple[str, dict[str, Any] | None]:
    """A person deletes `record`: removed when no source has sent it (history "manual_delete",
    with `snapshot()`, the record as it was, as its old value), archived otherwise (history
    "archive"); a record already archived stays as it is. Answers the outcome and the history
    row to write (None: none)."""
    if record.origin == "manual":
        row = history_row(record.dataset, record.id, "manual_delete", actor, old=snapshot())
        db.session.delete(record)
        return DELETED, row
    if record.archived_at is not None:
        return UNCHANGED, None
    record.archived_at = utcnow()
    record.archived_by = actor.user_id
    record.version += 1
    return ARCHIVED, history_row(
        record.dataset, record.id, "archive", actor, "archived_at", None, record.archived_at
    )


def restore(record: TrackedRecord, actor: Actor) -> tuple[str, dict[str, Any] | None]:
    """Bring an archived record back into lists; a record not archived stays as it is."""
    if record.archived_at is None:
        return UNCHANGED, None
    old = record.archived_at
    record.archived_at = None
    record.archived_by = None
    record.version += 1
    return RESTORED, history_row(
        record.dataset, record.id, "restore", actor, "archived_at", old, None
    )
