"""The rows a merge finds: existing records of the incoming keys, locked and read as snapshots
(columns, no ORM objects), and the records people made that a sync joins by
`Dataset.join_fields`; what a merge does to each, for its history."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from database import db
from merge.core import Actor, Dataset, history_row

# The bookkeeping a merge reads and writes.
_STATE = ("version", "source_values", "manual_fields", "needs_review", "missing_from_source")


@dataclass
class SourceChange:
    """One thing a sync did to a field (or, with no field, to the record), for its history."""

    # sync_update | sync_source_changed | sync_caught_up | sync_reappeared | sync_joined
    action: str
    field: str | None = None
    old: Any = None
    new: Any = None


@dataclass
class Snapshot:
    """An existing row as a merge reads and rewrites it: its columns, no ORM object."""

    id: int
    key: tuple[Any, ...]
    values: dict[str, Any]  # the synced fields, by name
    version: int
    source_values: dict[str, Any]
    manual_fields: dict[str, Any]
    needs_review: bool
    missing_from_source: bool
    is_manually_edited: bool
    before: dict[str, Any]  # the unique fields as stored, before this merge
    last_seen_run_id: int | None = None
    updated_at: datetime | None = None
    changes: list[SourceChange] = field(default_factory=list)
    held_back: set[str] = field(default_factory=set)  # source values not written (see below)
    joined: dict[str, Any] | None = None  # key and scope columns a sync gives a manual record

    def columns(self) -> dict[str, Any]:
        """The row to write back: id, synced fields and bookkeeping."""
        return {
            "id": self.id,
            **self.values,
            **{name: getattr(self, name) for name in _STATE},
            "is_manually_edited": self.is_manually_edited,
            "last_seen_run_id": self.last_seen_run_id,
            "updated_at": self.updated_at,
        }

    def history(self, dataset: str, actor: Actor) -> list[dict[str, Any]]:
        """This merge's history rows, built once every decision is made: an update held back
        for review is recorded as what it was, a change of the source's value."""
        rows = []
        for change in self.changes:
            action = change.action
            if action == "sync_update" and change.field in self.held_back:
                action = "sync_source_changed"
            rows.append(
                history_row(dataset, self.id, action, actor, change.field, change.old, change.new)
            )
        return rows


def locked_snapshots(
    dataset: Dataset, keys: list[tuple[Any, ...]], incoming: Sequence[Mapping[str, Any]]
) -> dict[tuple[Any, ...], Snapshot]:
    """The existing rows of these keys, locked, as snapshots (no ORM objects), and the records
    people created that these rows join (see `Dataset.join_fields`)."""
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
        key = tuple(row[k] for k in dataset.key_fields)
        snapshots[key] = _snapshot(dataset, key, row)
    if dataset.join_fields and len(snapshots) < len(keys):
        snapshots.update(_manual_records_to_join(dataset, incoming, snapshots, names))
    return snapshots


def _snapshot(dataset: Dataset, key: tuple[Any, ...], row: Mapping[Any, Any]) -> Snapshot:
    return Snapshot(
        id=row["id"],
        key=key,
        values={name: row[name] for name in dataset.synced_fields},
        version=row["version"],
        source_values=row["source_values"],
        manual_fields=row["manual_fields"],
        needs_review=row["needs_review"],
        missing_from_source=row["missing_from_source"],
        is_manually_edited=bool(row["manual_fields"]),
        before={name: row[name] for name in dataset.unique_fields},
    )


def _manual_records_to_join(
    dataset: Dataset,
    incoming: Sequence[Mapping[str, Any]],
    found: Mapping[tuple[Any, ...], Snapshot],
    names: Mapping[str, None],
) -> dict[tuple[Any, ...], Snapshot]:
    """Records people created (key and scope columns empty) that incoming rows of new keys name
    by `join_fields`, locked; each joined by the first such row, its key and scope to be set."""
    table = dataset.model.__table__
    wanted: dict[tuple[Any, ...], tuple[Any, ...]] = {}  # join values → incoming key
    for values in incoming:
        key = tuple(values[k] for k in dataset.key_fields)
        join = tuple(values.get(name) for name in dataset.join_fields)
        if key not in found and None not in join:
            wanted.setdefault(join, key)
    if not wanted:
        return {}
    join_columns = [table.c[name] for name in dataset.join_fields]
    query = (
        sa.select(*(table.c[name] for name in names), *join_columns)
        .where(sa.tuple_(*join_columns).in_(list(wanted)))
        .where(*(table.c[k].is_(None) for k in (*dataset.key_fields, *dataset.scope)))
        .with_for_update()
    )
    joined = {}
    for row in db.session.execute(query).mappings():
        key = wanted[tuple(row[name] for name in dataset.join_fields)]
        snapshot = _snapshot(dataset, key, row)
        snapshot.joined = {**dict(zip(dataset.key_fields, key, strict=True)), **dataset.scope}
        joined[key] = snapshot
    return joined
