"""Counts the unfiltered analyses read, kept up to date instead of counted again on every run.

Each unarchived drug *contributes* keys to counts of several kinds: its labelers, its product
and package codes, its NDC formats, its classes… A contribution is (kind, grp, key, drug_id,
weight): `grp` groups keys (a labeler's product codes), `weight` is how many of the drug's rows
give the key (its codes of one format). The database keeps

- `analytics_contributions`: every drug's contributions, as `kept_sql.CONTRIBUTIONS` derives
  them;
- `analytics_counts`: per (kind, grp, key), the drugs contributing it (`labels`) and their
  summed `weight`; a key no drug contributes has no row;
- `analytics_groups`: per (kind, grp), how many keys it has (a labeler's distinct products);
- `analytics_stems`: per stem of the active moieties, the moieties having it, the sums of their
  names and labels, and its first names (`analytics.stems`).

Migration 0020's triggers append to `analytics_dirty` the ids of drugs whose contributions may
have changed, whoever writes (and to `analytics_dirty_classes` the classes archived or restored,
whose members the catch-up takes). `catch_up` (under an advisory lock, in its own transaction)
takes those ids, derives their contributions again, and adds the difference to the counts and
groups — its cost follows what changed since the last catch-up, not the size of the data. The
first catch-up after the migration (every drug noted) builds everything.

`kept_sql.CONTRIBUTIONS` is the one definition of what a drug contributes: the first build and
every catch-up use it, and the tests compare each kept answer with the analysis counted from the
source tables (the module's `analyze(Filters())`)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY

from analytics.histogram import with_zero_bucket
from analytics.kept_sql import CATCH_UP, FIRST_NAMES
from database import db

_C = sa.Text(collation="C")

contributions = sa.Table(
    "analytics_contributions",
    db.metadata,
    # A drug's contributions lie together (read and replaced together); the key index finds a
    # key's drugs (the set ids of a shared code).
    sa.Column("drug_id", sa.Integer, primary_key=True),
    sa.Column("kind", _C, primary_key=True),
    sa.Column("grp", _C, primary_key=True),
    sa.Column("key", _C, primary_key=True),
    sa.Column("weight", sa.Integer, nullable=False),
    sa.Index("analytics_contributions_key", "kind", "grp", "key", "drug_id"),
)
counts = sa.Table(
    "analytics_counts",
    db.metadata,
    sa.Column("kind", _C, primary_key=True),
    sa.Column("grp", _C, primary_key=True),
    sa.Column("key", _C, primary_key=True),
    sa.Column("labels", sa.Integer, nullable=False),
    sa.Column("weight", sa.BigInteger, nullable=False),
    sa.Index("analytics_counts_ranked", "kind", sa.text("labels DESC"), "grp", "key"),
)
groups = sa.Table(
    "analytics_groups",
    db.metadata,
    sa.Column("kind", _C, primary_key=True),
    sa.Column("grp", _C, primary_key=True),
    sa.Column("key_count", sa.Integer, nullable=False),
)
stems = sa.Table(
    "analytics_stems",
    db.metadata,
    sa.Column("kind", _C, primary_key=True),
    sa.Column("stem", _C, primary_key=True),
    sa.Column("moieties", sa.Integer, nullable=False),
    sa.Column("names_sum", sa.Integer, nullable=False),
    sa.Column("labels_sum", sa.BigInteger, nullable=False),
    sa.Column("examples", ARRAY(sa.Text), nullable=False),
)
dirty = sa.Table("analytics_dirty", db.metadata, sa.Column("drug_id", sa.Integer, nullable=False))
dirty_classes = sa.Table(
    "analytics_dirty_classes", db.metadata, sa.Column("class_id", sa.Integer, nullable=False)
)


def catch_up() -> int:
    """Bring the kept counts up to date with every write committed so far, in a transaction of
    its own (committed before this returns, so the caller's next statement reads them).
    Returns how many drugs were derived again."""
    with db.engine.begin() as connection:
        if not connection.scalar(
            sa.text(
                "SELECT EXISTS (SELECT FROM analytics_dirty) "
                "OR EXISTS (SELECT FROM analytics_dirty_classes)"
            )
        ):
            return 0  # nothing noted (checked without the lock: a note is only ever added)
        derived = 0
        for statement in CATCH_UP:
            if statement is FIRST_NAMES and not connection.scalar(
                sa.text("SELECT EXISTS (SELECT FROM kept_stems WHERE renamed)")
            ):
                continue
            result = connection.execute(sa.text(statement))
            if statement.startswith("WITH taken"):  # the drugs taken
                derived = result.rowcount
        if derived >= REBUILT:  # the planner's figures for the kept tables are stale now
            for table in (contributions, counts, groups, stems):
                connection.execute(sa.text(f"ANALYZE {table.name}"))
        return derived


REBUILT = 10_000  # drugs derived again after which the kept tables' statistics are taken anew


def labels() -> int:
    """How many drugs the kept counts count (every unarchived drug has one name kind)."""
    return (
        db.session.scalar(
            sa.select(sa.func.sum(counts.c.labels)).where(counts.c.kind == "name_kind")
        )
        or 0
    )


def count(kind: str, key: str = "", grp: str = "") -> tuple[int, int]:
    """(labels, weight) of one kept key; (0, 0) when no drug contributes it."""
    row = db.session.execute(
        sa.select(counts.c.labels, counts.c.weight).where(
            counts.c.kind == kind, counts.c.grp == grp, counts.c.key == key
        )
    ).first()
    return (row.labels, row.weight) if row else (0, 0)


def keys(kind: str, grp: str = "") -> int:
    """How many keys of `kind` (in `grp`) some drug contributes."""
    return (
        db.session.scalar(
            sa.select(groups.c.key_count).where(groups.c.kind == kind, groups.c.grp == grp)
        )
        or 0
    )


def of_kind(kind: str) -> sa.Select:
    """The kept counts of one kind: (grp, key, labels, weight)."""
    return sa.select(counts.c.grp, counts.c.key, counts.c.labels, counts.c.weight).where(
        counts.c.kind == kind
    )


def histogram(kind: str, name: str, labels: int) -> list[dict[str, Any]]:
    """Labels per value of a per-drug count kept as `kind` (its keys are the values), with the
    labels contributing nothing — of `labels` in all — as the 0 bucket, each with its share."""
    buckets = {int(row.key): row.labels for row in db.session.execute(of_kind(kind))}
    return with_zero_bucket(buckets, name, labels)
