"""The merge rules: what a sync may overwrite, what a person's edit protects, what needs review.

One module for every dataset (authorizations, drugs, drug classes). See `models.TrackedRecord`
for the bookkeeping columns. The rules:

- a sync inserts new records and updates fields that nobody corrected;
- a field a person corrected keeps the person's value; the source's latest value is kept beside it
  (`source_values`), and when it moves away from the value the person decided against
  (`manual_fields[f]["source_baseline"]`) the record needs review;
- when the source comes to agree with the person, the override ends (nothing is left to protect);
- the reviewer keeps their value (the baseline moves to the source's value) or takes the source's
  (the override goes);
- records a complete sync no longer sees are kept and marked missing, never deleted;
- every change is written to `record_changes` with who (user or run) and when.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa

import bulk
from database import db
from errors import Conflict, ValidationFailed
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

    @property
    def name(self) -> str:
        return self.model.dataset  # type: ignore[attr-defined]


def to_json(value: Any) -> Any:
    """Field values as they are kept in JSONB (source_values, history)."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def from_json(model: type, field_name: str, value: Any) -> Any:
    if value is None:
        return None
    python_type = model.__table__.c[field_name].type.python_type
    if python_type is date and isinstance(value, str):
        return date.fromisoformat(value)
    return value


def _same(a: Any, b: Any) -> bool:
    return json.dumps(to_json(a), sort_keys=True) == json.dumps(to_json(b), sort_keys=True)


def fields_needing_review(record: TrackedRecord) -> list[str]:
    source = record.source_values or {}
    return [
        name
        for name, info in (record.manual_fields or {}).items()
        if name in source and not _same(source[name], info.get("source_baseline"))
    ]


def _refresh_flags(record: Any) -> None:
    record.is_manually_edited = bool(record.manual_fields)
    record.needs_review = bool(fields_needing_review(record))


def _history(
    dataset: str,
    record_id: int,
    action: str,
    actor: Actor,
    field_name: str | None = None,
    old: Any = None,
    new: Any = None,
) -> dict[str, Any]:
    return {
        "dataset": dataset,
        "record_id": record_id,
        "field": field_name,
        "action": action,
        "old_value": to_json(old),
        "new_value": to_json(new),
        "actor_type": actor.kind,
        "user_id": actor.user_id,
        "run_id": actor.run_id,
        "changed_at": utcnow(),
    }


_HISTORY_COLUMNS = tuple(c.name for c in RecordChange.__table__.c if c.name != "id")


def _write_history(rows: list[dict[str, Any]]) -> None:
    bulk.copy_rows(
        RecordChange.__table__,
        _HISTORY_COLUMNS,
        (tuple(row[name] for name in _HISTORY_COLUMNS) for row in rows),
    )


# The bookkeeping a merge reads and writes, and what a record starts with.
_STATE = ("version", "source_values", "manual_fields", "needs_review", "missing_from_source")
_SEEN = ("is_manually_edited", "last_seen_run_id", "updated_at")
_FRESH = {
    "version": 1,
    "manual_fields": {},
    "is_manually_edited": False,
    "needs_review": False,
    "missing_from_source": False,
}


@dataclass
class MergeResult:
    """What merging one batch did: the counts, and every incoming key's record id."""

    counts: MergeCounts
    ids: dict[tuple[Any, ...], int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def merge_batch(
    dataset: Dataset, incoming: Sequence[Mapping[str, Any]], run_id: int | None
) -> MergeCounts:
    """Merge one batch of source records (dicts of key + synced fields) in the caller's
    transaction. Existing rows are locked while they are compared."""
    return merge_rows(dataset, incoming, run_id).counts


def merge_rows(
    dataset: Dataset, incoming: Sequence[Mapping[str, Any]], run_id: int | None
) -> MergeResult:
    """`merge_batch`, also answering each key's record id. Set-based whatever the batch size:
    one locking SELECT, one multi-row UPDATE of the changed rows, one of the rows only seen,
    one multi-row INSERT of the new rows and one of their history."""
    table = dataset.model.__table__
    result = MergeResult(MergeCounts(found=len(incoming)))
    counts = result.counts
    if not incoming:
        return result
    actor = Actor.sync(run_id)
    keys = [tuple(row[k] for k in dataset.key_fields) for row in incoming]
    if len(set(keys)) != len(keys):
        duplicate = next(k for k in keys if keys.count(k) > 1)
        raise ValueError(f"two source rows share the key {duplicate}; refusing to merge them")

    existing = _locked_snapshots(dataset, keys)
    history: list[dict[str, Any]] = []
    new_rows: list[Mapping[str, Any]] = []
    changed: list[SimpleNamespace] = []
    seen: list[int] = []
    for key, values in zip(keys, incoming, strict=True):
        record = existing.get(key)
        if record is None:
            new_rows.append(values)
            continue
        result.ids[key] = record.id
        record.before = {name: getattr(record, name) for name in dataset.unique_fields}
        was_changed = _merge_into(dataset, record, values, actor, history, counts)
        if record.missing_from_source:
            record.missing_from_source = False
            history.append(_history(dataset.name, record.id, "sync_reappeared", actor))
            was_changed = True
        if was_changed:
            record.version += 1
            record.last_seen_run_id, record.updated_at = run_id, utcnow()
            changed.append(record)
            counts.updated += 1
        else:
            seen.append(record.id)
            counts.unchanged += 1

    held = _hold_back_collisions(dataset, keys, new_rows, changed, result.warnings)
    written = ("id", *dataset.synced_fields, *_STATE, *_SEEN)
    bulk.update_rows(table, [{name: getattr(r, name) for name in written} for r in changed])
    if seen:
        db.session.execute(
            sa.update(table).where(table.c.id.in_(seen)).values(last_seen_run_id=run_id)
        )
    if new_rows:
        result.ids.update(_insert_new(dataset, new_rows, run_id, actor, history, held))
        counts.inserted += len(new_rows)
    _write_history(history)
    bulk.expire_cached(dataset.model, [record.id for record in changed] + seen)
    return result


def _hold_back_collisions(
    dataset: Dataset,
    keys: list[tuple[Any, ...]],
    new_rows: list[Mapping[str, Any]],
    changed: list[SimpleNamespace],
    warnings: list[str],
) -> dict[tuple[Any, ...], set[str]]:
    """Source values of unique columns that another record already holds (a person's
    correction, a vanished row) are not written: the column keeps its value (empty for a new
    record), the source's value stays in `source_values`, and the record needs review. Returns
    the held-back fields of new rows by key; changed records are adjusted in place."""
    if not dataset.unique_fields:
        return {}
    table = dataset.model.__table__
    by_key = dict(zip(keys, range(len(keys)), strict=True))
    held: dict[tuple[Any, ...], set[str]] = {}
    moving = [record.id for record in changed]  # their old values are released by this batch
    for name in dataset.unique_fields:
        claims: dict[Any, list[tuple[tuple[Any, ...], Any]]] = {}
        for record in changed:
            if getattr(record, name) is not None and getattr(record, name) != record.before[name]:
                key = tuple(getattr(record, k) for k in dataset.key_fields)
                claims.setdefault(getattr(record, name), []).append((key, record))
        for row in new_rows:
            if row.get(name) is not None:
                key = tuple(row[k] for k in dataset.key_fields)
                claims.setdefault(row[name], []).append((key, None))
        if not claims:
            continue
        column = table.c[name]
        query = sa.select(column, table.c.id).where(column.in_(list(claims)))
        if moving:
            query = query.where(table.c.id.not_in(moving))
        owners = dict(db.session.execute(query).all())
        for value, claimants in claims.items():
            losers = (
                claimants if value in owners else sorted(claimants, key=lambda c: by_key[c[0]])[1:]
            )
            for key, record in losers:
                holder = (
                    f"record {owners[value]}" if value in owners else "another row of this sync"
                )
                warnings.append(
                    f"{name} {value} for {key[0] if len(key) == 1 else key} is already used by "
                    f"{holder}; kept out and marked for review"
                )
                if record is None:
                    held.setdefault(key, set()).add(name)
                    continue
                setattr(record, name, record.before[name])
                record.manual_fields = {
                    **record.manual_fields,
                    name: {"source_baseline": record.before[name]},
                }
                _refresh_flags(record)
    return held


def _locked_snapshots(
    dataset: Dataset, keys: list[tuple[Any, ...]]
) -> dict[tuple[Any, ...], SimpleNamespace]:
    """The existing rows of these keys, locked, as plain attribute bags (no ORM objects)."""
    table = dataset.model.__table__
    names = dict.fromkeys(("id", *dataset.key_fields, *dataset.synced_fields, *_STATE))
    key_columns = [table.c[k] for k in dataset.key_fields]
    query = (
        sa.select(*(table.c[name] for name in names))
        .where(sa.tuple_(*key_columns).in_(keys))
        .with_for_update()
    )
    for column, value in dataset.scope.items():
        query = query.where(table.c[column] == value)
    snapshots = {}
    for row in db.session.execute(query).mappings():
        record = SimpleNamespace(**row, is_manually_edited=bool(row["manual_fields"]))
        snapshots[tuple(row[k] for k in dataset.key_fields)] = record
    return snapshots


def _merge_into(
    dataset: Dataset,
    record: Any,
    values: Mapping[str, Any],
    actor: Actor,
    history: list[dict[str, Any]],
    counts: MergeCounts,
) -> bool:
    source_values = dict(record.source_values or {})
    manual = dict(record.manual_fields or {})
    was_flagged = record.needs_review
    changed = False
    kept = False
    for name in dataset.synced_fields:
        if name not in values:
            continue
        new_source = to_json(values[name])
        old_source = source_values.get(name)
        source_values[name] = new_source
        if name in manual:
            if _same(new_source, getattr(record, name)):
                # The source now says what the person said: nothing left to protect.
                del manual[name]
                history.append(
                    _history(
                        dataset.name,
                        record.id,
                        "sync_caught_up",
                        actor,
                        name,
                        old_source,
                        new_source,
                    )
                )
                changed = True
                continue
            kept = True
            if not _same(new_source, old_source):
                history.append(
                    _history(
                        dataset.name,
                        record.id,
                        "sync_source_changed",
                        actor,
                        name,
                        old_source,
                        new_source,
                    )
                )
                changed = True
            continue
        current = getattr(record, name)
        if not _same(current, new_source):
            setattr(record, name, from_json(dataset.model, name, new_source))
            history.append(
                _history(dataset.name, record.id, "sync_update", actor, name, current, new_source)
            )
            changed = True
    record.manual_fields = manual
    record.source_values = source_values
    _refresh_flags(record)
    counts.kept_manual += kept
    counts.flagged += record.needs_review and not was_flagged
    return changed


def _insert_new(
    dataset: Dataset,
    rows: list[Mapping[str, Any]],
    run_id: int | None,
    actor: Actor,
    history: list[dict[str, Any]],
    held: dict[tuple[Any, ...], set[str]],
) -> dict[tuple[Any, ...], int]:
    table = dataset.model.__table__
    now = utcnow()
    names = list(dict.fromkeys(name for values in rows for name in values))
    payload = []
    for values in rows:
        source_values = {
            name: to_json(values[name]) for name in dataset.synced_fields if name in values
        }
        row = {
            **dataset.scope,
            **{name: values.get(name, bulk.column_default(table.c[name])) for name in names},
            **_FRESH,
            "source_values": source_values,
            "first_seen_run_id": run_id,
            "last_seen_run_id": run_id,
            "created_at": now,
            "updated_at": now,
        }
        kept_out = held.get(tuple(values[k] for k in dataset.key_fields), set())
        if kept_out:  # see _hold_back_collisions
            row.update({name: None for name in kept_out})
            row["manual_fields"] = {name: {"source_baseline": None} for name in kept_out}
            row["is_manually_edited"] = row["needs_review"] = True
        payload.append(row)
    returned = bulk.insert_rows(table, payload, returning=("id", *dataset.key_fields))
    ids = {tuple(row[1:]): row[0] for row in returned}
    for values in payload:
        record_id = ids[tuple(values[k] for k in dataset.key_fields)]
        new = values["source_values"]
        history.append(_history(dataset.name, record_id, "sync_insert", actor, new=new))
    return ids


def mark_missing(dataset: Dataset, run_id: int) -> int:
    """After a complete sync: rows of this scope a sync once saw and this run did not are
    marked, never deleted. (A record a person created was never in the source to go missing.)"""
    model = dataset.model
    query = (
        sa.update(model)
        .where(
            model.last_seen_run_id.is_not(None),
            model.last_seen_run_id != run_id,
            model.missing_from_source.is_(False),
        )
        .values(missing_from_source=True, updated_at=utcnow())
        .returning(model.id)
    )
    for column, value in dataset.scope.items():
        query = query.where(getattr(model, column) == value)
    ids = db.session.scalars(query).all()
    actor = Actor.sync(run_id)
    _write_history([_history(dataset.name, i, "marked_missing", actor) for i in ids])
    return len(ids)


def record_event(
    record: TrackedRecord, action: str, actor: Actor, *, old: Any = None, new: Any = None
) -> None:
    """A whole-record event in the record's history (a person created or deleted it)."""
    _write_history([_history(record.dataset, record.id, action, actor, None, old, new)])


# --- people's changes -------------------------------------------------------------------------


def lock(model: type, record_id: int) -> Any:
    return db.session.scalar(sa.select(model).where(model.id == record_id).with_for_update())


def apply_manual_edit(
    record: TrackedRecord,
    changes: Mapping[str, Any],
    actor: Actor,
    *,
    expected_version: int | None,
    action: str = "manual_edit",
) -> list[str]:
    """Apply a person's edit (already validated and typed). Returns the fields that changed.

    A stale `expected_version` is a Conflict. A field set back to the source's own value stops
    being an override.
    """
    if expected_version is not None and expected_version != record.version:
        raise Conflict(
            "Someone else changed this record since you opened it.",
            field="version",
            current_version=record.version,
        )
    source_values = record.source_values or {}
    manual = dict(record.manual_fields or {})
    history = []
    changed = []
    for name, value in changes.items():
        current = getattr(record, name)
        agrees_with_source = name in source_values and _same(value, source_values[name])
        if _same(current, value):
            if agrees_with_source and name in manual:  # re-affirming the source's value
                del manual[name]
                changed.append(name)
            continue
        if agrees_with_source:
            manual.pop(name, None)
        else:
            manual[name] = {"source_baseline": source_values.get(name)}
        setattr(record, name, value)
        history.append(_history(record.dataset, record.id, action, actor, name, current, value))
        changed.append(name)
    if not changed:
        return []
    record.manual_fields = manual
    _refresh_flags(record)
    record.version += 1
    _write_history(history)
    return changed


def resolve_review(record: TrackedRecord, field_name: str, decision: str, actor: Actor) -> None:
    """Settle a field that needs review: keep the person's value, or take the source's."""
    if field_name not in fields_needing_review(record):
        raise ValidationFailed(f"{field_name!r} does not need review.", field="field")
    source_value = record.source_values[field_name]
    manual = dict(record.manual_fields)
    if decision == "keep":
        manual[field_name] = {"source_baseline": source_value}
        history = _history(
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
        setattr(record, field_name, from_json(type(record), field_name, source_value))
        manual.pop(field_name)
        history = _history(
            record.dataset, record.id, "review_take_source", actor, field_name, old, source_value
        )
    else:
        raise ValidationFailed("decision must be 'keep' or 'source'.", field="decision")
    record.manual_fields = manual
    _refresh_flags(record)
    record.version += 1
    _write_history([history])
