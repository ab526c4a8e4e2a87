"""What a sync may write: set-based merging of source batches, missing rows."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa

from database import db
from merge import bulk
from merge.core import (
    _FRESH,
    _SEEN,
    _STATE,
    Actor,
    Dataset,
    MergeCounts,
    _history,
    _refresh_flags,
    _same,
    _write_history,
    json_value,
    value_from_json,
)
from models import utcnow


@dataclass
class MergeResult:
    """What merging one batch did: the counts, every incoming key's record id, and the ids of
    the records it inserted."""

    counts: MergeCounts
    ids: dict[tuple[Any, ...], int] = field(default_factory=dict)
    inserted: set[int] = field(default_factory=set)
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
    one COPY of the new rows (ids drawn first) and one of their history."""
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

    held = _hold_back_collisions(dataset, keys, new_rows, changed, result, history)
    written = ("id", *dataset.synced_fields, *_STATE, *_SEEN)
    bulk.update_rows(table, [{name: getattr(r, name) for name in written} for r in changed])
    if seen:
        db.session.execute(
            sa.update(table).where(table.c.id.in_(seen)).values(last_seen_run_id=run_id)
        )
    if new_rows:
        inserted = _insert_new(dataset, new_rows, run_id, actor, history, held)
        result.ids.update(inserted)
        result.inserted.update(inserted.values())
        counts.inserted += len(new_rows)
    _write_history(history)
    bulk.expire_cached(dataset.model, [record.id for record in changed] + seen)
    return result


def _hold_back_collisions(
    dataset: Dataset,
    keys: list[tuple[Any, ...]],
    new_rows: list[Mapping[str, Any]],
    changed: list[SimpleNamespace],
    result: MergeResult,
    history: list[dict[str, Any]],
) -> dict[tuple[Any, ...], set[str]]:
    """Source values of unique columns that another record already holds (a person's
    correction, a vanished row) are not written: the column keeps its value (empty for a new
    record), the source's value stays in `source_values`, and the record needs review (its
    history says the source changed, not that the record did). Values records of this batch
    move away from are free to take (two records may swap them: the unique constraints are
    checked at the end of each statement). Returns the held-back fields of new rows by key;
    changed records are adjusted in place."""
    table = dataset.model.__table__
    held: dict[tuple[Any, ...], set[str]] = {}
    order = dict(zip(keys, range(len(keys)), strict=True))

    def hold_back(name: str) -> bool:
        """One look at the claims on `name`; True when it held a changed record back."""
        claims: dict[Any, list[tuple[tuple[Any, ...], Any]]] = {}
        moving = []  # records whose old value this batch releases
        for record in changed:
            if getattr(record, name) != record.before[name]:
                moving.append(record.id)
                if getattr(record, name) is not None:
                    key = tuple(getattr(record, k) for k in dataset.key_fields)
                    claims.setdefault(getattr(record, name), []).append((key, record))
        for row in new_rows:
            key = tuple(row[k] for k in dataset.key_fields)
            if row.get(name) is not None and name not in held.get(key, set()):
                claims.setdefault(row[name], []).append((key, None))
        if not claims:
            return False
        column = table.c[name]
        query = sa.select(column, table.c.id).where(column.in_(list(claims)))
        if moving:
            query = query.where(table.c.id.not_in(moving))
        owners = dict(db.session.execute(query).all())
        held_a_record = False
        for value, claimants in claims.items():
            first_come = sorted(claimants, key=lambda c: order[c[0]])
            for key, record in claimants if value in owners else first_come[1:]:
                holder = (
                    f"record {owners[value]}" if value in owners else "another row of this sync"
                )
                result.warnings.append(
                    f"{name} {value} for {key[0] if len(key) == 1 else key} is already used by "
                    f"{holder}; kept out and marked for review"
                )
                if record is None:
                    held.setdefault(key, set()).add(name)
                    continue
                _keep_old_value(record, name, result.counts, history)
                held_a_record = True
        return held_a_record

    for name in dataset.unique_fields:
        while hold_back(name):  # a record held back keeps its old value taken: look again
            pass
    return held


def _keep_old_value(
    record: SimpleNamespace,
    name: str,
    counts: MergeCounts,
    history: list[dict[str, Any]],
) -> None:
    """The source's new value of `name` is not written: the record keeps its value as if a
    person had chosen it, and asks for review."""
    was_flagged = record.needs_review
    setattr(record, name, record.before[name])
    record.manual_fields = {**record.manual_fields, name: {"source_baseline": record.before[name]}}
    _refresh_flags(record)
    counts.flagged += record.needs_review and not was_flagged
    for entry in history:
        if (entry["record_id"], entry["field"], entry["action"]) == (
            record.id,
            name,
            "sync_update",
        ):
            entry["action"] = "sync_source_changed"  # the update did not happen


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
        new_source = json_value(values[name])
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
            setattr(record, name, value_from_json(dataset.model, name, new_source))
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
            name: json_value(values[name]) for name in dataset.synced_fields if name in values
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
    ids = {}
    for record_id, values in zip(bulk.insert_new_rows(table, payload), payload, strict=True):
        ids[tuple(values[k] for k in dataset.key_fields)] = record_id
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
