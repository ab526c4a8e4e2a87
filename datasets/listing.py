"""How a dataset's list is read: the query-string helpers (flags, whole numbers, choices, id
selections), the filters every tracked dataset has (edited, needs_review, missing, id, ids,
changed_by_run, archived — archived records hidden unless asked), and what a CSV export is.
A bad value is refused naming the argument (422). The parsers (`parse_*`) are also what
api/params.py validates query strings with before a view runs."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa

from errors import ValidationFailed
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


class Unparsable(ValueError):
    """A query value that does not parse; the message says why, without the parameter's name
    (the caller adds it: `_named` here, api/params.py for the validated models)."""


def _text(raw: object) -> str | None:
    text = "" if raw is None else str(raw).strip()
    return text or None


def parse_flag(raw: object) -> bool | None:
    """true/1/yes or false/0/no (any case); blank is None (not given)."""
    text = _text(raw)
    if text is None:
        return None
    if text.lower() in ("1", "true", "yes"):
        return True
    if text.lower() in ("0", "false", "no"):
        return False
    raise Unparsable(f"must be true or false, got {text[:40]!r}")


def parse_whole_number(raw: object, minimum: int = 0, maximum: int = MAX_ID) -> int | None:
    """ASCII digits only ("²".isdigit() is true, and int("²") fails), within the bounds of the
    column it is compared with; blank is None."""
    text = _text(raw)
    if text is None:
        return None
    digits = text[1:] if text.startswith("-") else text
    if not (digits.isascii() and digits.isdecimal()) or len(digits) > 18:
        raise Unparsable(f"must be a whole number, got {text[:40]!r}")
    if not minimum <= int(text) <= maximum:
        raise Unparsable(f"must be a whole number from {minimum} to {maximum}")
    return int(text)


def parse_choice(raw: object, choices: tuple[str, ...]) -> str | None:
    text = _text(raw)
    if text is not None and text not in choices:
        raise Unparsable(f"must be one of {', '.join(choices)}, got {text[:40]!r}")
    return text


def parse_day(raw: object) -> date | None:
    """YYYY-MM-DD in ASCII digits; blank is None."""
    text = _text(raw)
    if text is None:
        return None
    try:
        if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
            raise ValueError
        return date.fromisoformat(text)
    except ValueError:
        raise Unparsable(f"must be a date as YYYY-MM-DD, got {text[:40]!r}") from None


def parse_ids(raw: object) -> list[int] | None:
    """`1,2,3`: comma-separated ASCII whole numbers, at most MAX_SELECTED_IDS."""
    text = _text(raw)
    if text is None:
        return None
    parts = [part.strip() for part in text.split(",")]
    if len(parts) > MAX_SELECTED_IDS:
        raise Unparsable(f"may list at most {MAX_SELECTED_IDS:,} records, got {len(parts):,}")
    for part in parts:
        if not (part.isascii() and part.isdigit()) or int(part) > MAX_ID:
            raise Unparsable(f"must be comma-separated record ids, got {part[:40]!r}")
    return sorted({int(part) for part in parts})


def _named(args: Mapping[str, Any], name: str, parse: Callable[..., Any], *rules: Any) -> Any:
    """`parse(args[name], *rules)`, or a 422 naming `name`."""
    try:
        return parse(args.get(name), *rules)
    except Unparsable as exc:
        raise ValidationFailed(f"{name} {exc}.", field=name) from None


def flag_arg(args: Mapping[str, Any], name: str) -> bool | None:
    return _named(args, name, parse_flag)


def int_arg(args: Mapping[str, Any], name: str) -> int | None:
    return _named(args, name, parse_whole_number)


def choice_arg(args: Mapping[str, Any], name: str, choices: tuple[str, ...]) -> str | None:
    return _named(args, name, parse_choice, choices)


def date_arg(args: Mapping[str, Any], name: str) -> date | None:
    return _named(args, name, parse_day)


def date_range_args(
    args: Mapping[str, Any], start: str, end: str
) -> tuple[date | None, date | None]:
    """`start` and `end` (inclusive) as dates; a range that ends before it starts is refused."""
    first, last = date_arg(args, start), date_arg(args, end)
    if first and last and first > last:
        raise ValidationFailed(f"{start} must not be after {end}.", field=start)
    return first, last


def ids_arg(args: Mapping[str, Any], name: str = "ids") -> list[int] | None:
    """`ids=1,2,3` (422 naming the argument when it is not a selection of record ids)."""
    return _named(args, name, parse_ids)


def archived_filter(model: type[TrackedRecord], args: Mapping[str, str]) -> Any:
    """`archived=false` (the default: archived records are hidden), `true` (only them), `all`."""
    raw = _named(args, "archived", parse_choice, ARCHIVED_CHOICES) or "false"
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
