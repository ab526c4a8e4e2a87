"""What a sync may write: set-based merging of source batches, missing rows."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from database import db
from merge import bulk
from merge.core import (
    Actor,
    Dataset,
    MergeCounts,
    history_row,
    json_value,
    refresh_flags,
    same_value,
    value_from_json,
    write_history,
)
from merge.snapshots import Snapshot, SourceChange, locked_snapshots
from models import utcnow

# What a new record starts with.
_FRESH = {
    "version": 1,
    "manual_fields": {},
    "is_manually_edited": False,
    "needs_review": False,
    "missing_from_source": False,
}


@dataclass
class MergeResult:
    """What merging one batch did: the counts, every incoming key's record id, and the ids of
    the records it inserted."""

    counts: MergeCounts
    ids: dict[tuple[Any, ...], int] = field(default_factory=dict)
    inserted: set[int] = field(default_factory=set)
    warnings: list[str] = field(default_factory=list)


def merge_rows(
    dataset: Dataset, incoming: Sequence[Mapping[str, Any]], run_id: int | None
) -> MergeResult:
    """Merge one batch of source records (dicts of key + synced fields) in the caller's
    transaction, answering the counts and each key's record id. Existing rows are locked while
    they are compared. Set-based whatever the batch size: one locking SELECT, one multi-row
    UPDATE of the changed rows, one of the rows only seen, one COPY of the new rows (ids drawn
    first) and one of their history."""
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

    existing = locked_snapshots(dataset, keys, incoming)
    new_rows: list[Mapping[str, Any]] = []
    changed: list[Snapshot] = []
    seen: list[int] = []
    for key, values in zip(keys, incoming, strict=True):
        record = existing.get(key)
        if record is None:
            new_rows.append(values)
            continue
        result.ids[key] = record.id
        was_manual = not record.source_values
        was_changed = _merge_into(dataset, record, values, counts)
        if was_manual:  # a record a person created: from now on the source sends it too
            record.changes.append(SourceChange("sync_joined", new=record.joined))
            was_changed = True
        if record.missing_from_source:
            record.missing_from_source = False
            record.changes.append(SourceChange("sync_reappeared"))
            was_changed = True
        if was_changed:
            record.version += 1
            record.last_seen_run_id, record.updated_at = run_id, utcnow()
            changed.append(record)
            counts.updated += 1
        else:
            seen.append(record.id)
            counts.unchanged += 1

    held = _hold_back_collisions(dataset, keys, new_rows, changed, result)
    for record in changed:
        if record.joined:
            db.session.execute(
                sa.update(table).where(table.c.id == record.id).values(**record.joined)
            )
    bulk.update_rows(table, [record.columns() for record in changed])
    if seen:
        db.session.execute(
            sa.update(table).where(table.c.id.in_(seen)).values(last_seen_run_id=run_id)
        )
    history = [row for record in changed for row in record.history(dataset.name, actor)]
    if new_rows:
        for key, record_id, source_values in _insert_new(dataset, new_rows, run_id, held):
            result.ids[key] = record_id
            result.inserted.add(record_id)
            history.append(
                history_row(dataset.name, record_id, "sync_insert", actor, new=source_values)
            )
        counts.inserted += len(new_rows)
    write_history(history)
    bulk.expire_cached(dataset.model, [record.id for record in changed] + seen)
    return result


def _hold_back_collisions(
    dataset: Dataset,
    keys: list[tuple[Any, ...]],
    new_rows: list[Mapping[str, Any]],
    changed: list[Snapshot],
    result: MergeResult,
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
        claims: dict[Any, list[tuple[tuple[Any, ...], Snapshot | None]]] = {}
        moving = []  # records whose old value this batch releases
        for record in changed:
            if record.values[name] != record.before[name]:
                moving.append(record.id)
                if record.values[name] is not None:
                    claims.setdefault(record.values[name], []).append((record.key, record))
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
            for key, claimant in claimants if value in owners else first_come[1:]:
                holder = (
                    f"record {owners[value]}" if value in owners else "another row of this sync"
                )
                result.warnings.append(
                    f"{name} {value} for {key[0] if len(key) == 1 else key} is already used by "
                    f"{holder}; kept out and marked for review"
                )
                if claimant is None:  # a new row
                    held.setdefault(key, set()).add(name)
                    continue
                _keep_old_value(claimant, name, result.counts)
                held_a_record = True
        return held_a_record

    for name in dataset.unique_fields:
        while hold_back(name):  # a record held back keeps its old value taken: look again
            pass
    return held


def _keep_old_value(record: Snapshot, name: str, counts: MergeCounts) -> None:
    """The source's new value of `name` is not written: the record keeps its value as if a
    person had chosen it, and asks for review."""
    was_flagged = record.needs_review
    record.values[name] = record.before[name]
    record.manual_fields = {**record.manual_fields, name: {"source_baseline": record.before[name]}}
    record.held_back.add(name)
    refresh_flags(record)
    counts.flagged += record.needs_review and not was_flagged


def _merge_into(
    dataset: Dataset, record: Snapshot, values: Mapping[str, Any], counts: MergeCounts
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
        current = record.values[name]
        if name in manual:
            if same_value(new_source, current):
                # The source now says what the person said: nothing left to protect.
                del manual[name]
                record.changes.append(SourceChange("sync_caught_up", name, old_source, new_source))
                changed = True
                continue
            kept = True
            if not same_value(new_source, old_source):
                record.changes.append(
                    SourceChange("sync_source_changed", name, old_source, new_source)
                )
                changed = True
            continue
        if not same_value(current, new_source):
            record.values[name] = value_from_json(dataset.model, name, new_source)
            record.changes.append(SourceChange("sync_update", name, current, new_source))
            changed = True
    record.manual_fields = manual
    record.source_values = source_values
    refresh_flags(record)
    counts.kept_manual += kept
    counts.flagged += record.needs_review and not was_flagged
    return changed


def _insert_new(
    dataset: Dataset,
    rows: list[Mapping[str, Any]],
    run_id: int | None,
    held: dict[tuple[Any, ...], set[str]],
) -> list[tuple[tuple[Any, ...], int, dict[str, Any]]]:
    """Insert the new rows; answers each one's key, new id and the source values it got."""
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
    ids = bulk.insert_new_rows(table, payload)
    return [
        (tuple(row[k] for k in dataset.key_fields), record_id, row["source_values"])
        for record_id, row in zip(ids, payload, strict=True)
    ]


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
    write_history([history_row(dataset.name, i, "marked_missing", actor) for i in ids])
    return len(ids)
