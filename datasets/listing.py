"""How a dataset's list is read: the query-string helpers (flags, whole numbers, choices, id
selections), the filters every tracked dataset has (edited, needs_review, missing, id, ids,
changed_by_run, archived — archived records hidden unless asked), and what a CSV export is.
A bad value is refused naming the argument."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa

from errors import BadRequest, ValidationFailed
from models import RecordChange, TrackedRecord


@dataclass(frozen=True)
class CsvExport:
    """An export: the query whose rows it streams (its first column's entity orders ties), the
    columns, a row → {column: value} function, and the file's name."""

    query: sa.Select
    columns: tuple[str, ...]
    row: Callable[[sa.Row[Any]], dict[str, Any]]
    filename: str


# Every dataset's CSV export ends with these, after the columns scripts already read by
# position: where the record came from ("source" or "manual") and when it was archived.
BOOKKEEPING_CSV_COLUMNS = ("origin", "archived_at")

MAX_ID = 2**31 - 1  # PostgreSQL's integer
MAX_SELECTED_IDS = 1000  # `ids=` of a list or export, as a bulk action's selection
ARCHIVED_CHOICES = ("false", "true", "all")


def flag_arg(args: Mapping[str, str], name: str) -> bool | None:
    raw = args.get(name)
    if raw in (None, ""):
        return None
    if raw.lower() in ("1", "true", "yes"):
        return True
    if raw.lower() in ("0", "false", "no"):
        return False
    raise BadRequest(f"{name} must be true or false, got {raw!r}.", field=name)


def int_arg(args: Mapping[str, str], name: str) -> int | None:
    raw = (args.get(name) or "").strip()
    if not raw:
        return None
    # ASCII only: "²".isdigit() is true, and int("²") fails.
    if not (raw.isascii() and raw.isdigit()) or int(raw) > MAX_ID:
        raise BadRequest(f"{name} must be a whole number, got {raw[:40]!r}.", field=name)
    return int(raw)


def choice_arg(args: Mapping[str, str], name: str, choices: tuple[str, ...]) -> str | None:
    raw = (args.get(name) or "").strip()
    if not raw:
        return None
    if raw not in choices:
        raise BadRequest(f"{name} must be one of {', '.join(choices)}.", field=name)
    return raw


def date_arg(args: Mapping[str, str], name: str) -> date | None:
    raw = (args.get(name) or "").strip()
    if not raw:
        return None
    try:
        if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", raw):
            raise ValueError
        return date.fromisoformat(raw)
    except ValueError:
        raise BadRequest(
            f"{name} must be a date as YYYY-MM-DD, got {raw[:40]!r}.", field=name
        ) from None


def date_range_args(
    args: Mapping[str, str], start: str, end: str
) -> tuple[date | None, date | None]:
    """`start` and `end` (inclusive) as dates; a range that ends before it starts is refused."""
    first, last = date_arg(args, start), date_arg(args, end)
    if first and last and first > last:
        raise BadRequest(f"{start} must not be after {end}.", field=start)
    return first, last


def ids_arg(args: Mapping[str, str], name: str = "ids") -> list[int] | None:
    """`ids=1,2,3`: comma-separated ASCII whole numbers, at most MAX_SELECTED_IDS (422 naming
    the argument otherwise)."""
    raw = (args.get(name) or "").strip()
    if not raw:
        return None
    parts = [part.strip() for part in raw.split(",")]
    if len(parts) > MAX_SELECTED_IDS:
        raise ValidationFailed(
            f"{name} may list at most {MAX_SELECTED_IDS:,} records, got {len(parts):,}.",
            field=name,
        )
    for part in parts:
        if not (part.isascii() and part.isdigit()) or int(part) > MAX_ID:
            raise ValidationFailed(
                f"{name} must be comma-separated record ids, got {part[:40]!r}.", field=name
            )
    return sorted({int(part) for part in parts})


def archived_filter(model: type[TrackedRecord], args: Mapping[str, str]) -> Any:
    """`archived=false` (the default: archived records are hidden), `true` (only them), `all`."""
    raw = (args.get("archived") or "false").strip().lower()
    if raw not in ARCHIVED_CHOICES:
        raise ValidationFailed(
            f"archived must be one of {', '.join(ARCHIVED_CHOICES)}, got {raw[:40]!r}.",
            field="archived",
        )
    if raw == "all":
        return sa.true()
    return model.archived_at.is_not(None) if raw == "true" else model.archived_at.is_(None)


def with_bookkeeping_filters(
    query: sa.Select, model: type[TrackedRecord], args: Mapping[str, str]
) -> sa.Select:
    """The filters every tracked dataset has: edited, needs_review, missing, id (one record),
    ids (a selection), archived (false by default), and changed_by_run (the records whose
    history names that run)."""
    query = query.where(archived_filter(model, args))
    selected = ids_arg(args)
    if selected is not None:
        query = query.where(model.id.in_(selected))
    for name, column in (
        ("edited", model.is_manually_edited),
        ("needs_review", model.needs_review),
        ("missing", model.missing_from_source),
    ):
        wanted = flag_arg(args, name)
        if wanted is not None:
            query = query.where(column.is_(wanted))
    record_id = int_arg(args, "id")  # one record, as the audit log links to it
    if record_id is not None:
        query = query.where(model.id == record_id)
    run_id = int_arg(args, "changed_by_run")
    if run_id is not None:
        changed = sa.select(RecordChange.record_id).where(
            RecordChange.dataset == model.dataset, RecordChange.run_id == run_id
        )
        query = query.where(model.id.in_(changed))
    return query


BOOKKEEPING_FILTERS = (
    "edited",
    "needs_review",
    "missing",
    "id",
    "ids",
    "changed_by_run",
    "archived",
)
