"""The two ways benchmark 7b compares the sync's write path against, and what they share.

- a plain COPY of the same rows into empty tables (no merge rules, no history): the floor;
- one INSERT … ON CONFLICT per row: what a sync without set-based batches would do.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import sqlalchemy as sa

from bench.common import detail, source_classes
from database import db
from models import Run, utcnow
from sandbox.catalogue import Catalogue, Label
from sync import dailymed_store as store

FLAGS = ("is_manually_edited", "needs_review", "missing_from_source")
BATCH = 1000
TABLES = "drugs, drug_classes, drug_class_memberships, ndc_codes, active_ingredients"


@dataclass
class Tally:
    seconds: float = 0.0
    rows: dict[str, int] = field(default_factory=dict)

    def add(self, table: str, count: int) -> None:
        self.rows[table] = self.rows.get(table, 0) + count

    @property
    def total(self) -> int:
        return sum(self.rows.values())

    @property
    def rate(self) -> float:
        return self.total / self.seconds


class Stopwatch:
    def __init__(self, tally: Tally) -> None:
        self.tally = tally

    def __enter__(self) -> None:
        self.started = time.perf_counter()

    def __exit__(self, *exc: object) -> None:
        self.tally.seconds += time.perf_counter() - self.started


def batches(labels: Sequence[Label], size: int = BATCH) -> Iterator[Sequence[Label]]:
    for start in range(0, len(labels), size):
        yield labels[start : start + size]


def empty_tables() -> None:
    db.session.execute(sa.text(f"TRUNCATE {TABLES}, record_changes RESTART IDENTITY CASCADE"))
    db.session.commit()


def new_run() -> int:
    run = Run(source="dailymed", status="completed")
    db.session.add(run)
    db.session.commit()
    return run.id


# -- the floor: plain COPY ----------------------------------------------------------------------


def plain_copy(catalogue: Catalogue, labels: Sequence[Label]) -> Tally:
    from merge import bulk
    from models import ActiveIngredient, Drug, DrugClass, NdcCode, drug_class_memberships

    tally = Tally()
    watch = Stopwatch(tally)
    bookkeeping = ("version", "manual_fields", *FLAGS, "created_at", "updated_at")
    now = utcnow()
    fresh = (1, {}, False, False, False, now, now)  # what a new record carries
    with watch:
        tally.add(
            "drug_classes",
            bulk.copy_rows(
                DrugClass.__table__,
                (
                    "id",
                    "code",
                    "coding_system",
                    "class_type",
                    "name",
                    "source_values",
                    *bookkeeping,
                ),
                (
                    (i + 1, c.code, c.coding_system, c.type, c.name, {}, *fresh)
                    for i, c in enumerate(catalogue.classes)
                ),
            ),
        )
    drug_columns = (
        "id",
        "set_id",
        "title",
        "spl_version",
        "published_date",
        "source_values",
        *bookkeeping,
    )
    for start in range(0, len(labels), 10 * BATCH):
        chunk = labels[start : start + 10 * BATCH]
        details = [detail(catalogue, label) for label in chunk]
        with watch:
            tally.add(
                "drugs",
                bulk.copy_rows(
                    Drug.__table__,
                    drug_columns,
                    (
                        (
                            label.index + 1,
                            label.set_id,
                            label.title,
                            label.spl_version,
                            label.published,
                            {
                                "title": label.title,
                                "spl_version": label.spl_version,
                                "published_date": label.published.isoformat(),
                            },
                            *fresh,
                        )
                        for label in chunk
                    ),
                ),
            )
            tally.add(
                "drug_class_memberships",
                bulk.copy_rows(
                    drug_class_memberships,
                    ("drug_id", "drug_class_id"),
                    ((label.index + 1, i + 1) for label in chunk for i in label.class_indexes),
                ),
            )
            tally.add(
                "ndc_codes",
                bulk.copy_rows(
                    NdcCode.__table__,
                    store.NDC_COLUMNS,
                    (
                        store.ndc_row(label.index + 1, ndc)
                        for label, d in zip(chunk, details, strict=True)
                        for ndc in d.ndcs
                    ),
                ),
            )
            tally.add(
                "active_ingredients",
                bulk.copy_rows(
                    ActiveIngredient.__table__,
                    store.INGREDIENT_COLUMNS,
                    (
                        (label.index + 1, i.product_name, i.name, i.strength)
                        for label, d in zip(chunk, details, strict=True)
                        for i in d.ingredients
                    ),
                ),
            )
    with watch:
        db.session.commit()
    return tally


# -- one statement per row ----------------------------------------------------------------------

DRUG_UPSERT = """
INSERT INTO drugs (set_id, title, spl_version, published_date, source_values, version,
    manual_fields, is_manually_edited, needs_review, missing_from_source, created_at, updated_at)
VALUES (%s, %s, %s, %s, '{}', 1, '{}', false, false, false, now(), now())
ON CONFLICT (set_id) DO UPDATE SET title = EXCLUDED.title, spl_version = EXCLUDED.spl_version,
    published_date = EXCLUDED.published_date
RETURNING id
"""
MEMBERSHIP_UPSERT = """
INSERT INTO drug_class_memberships (drug_id, drug_class_id) VALUES (%s, %s)
ON CONFLICT DO NOTHING
"""
NDC_INSERT = f"""
INSERT INTO ndc_codes ({", ".join(store.NDC_COLUMNS)}) VALUES ({", ".join(["%s"] * 10)})
ON CONFLICT DO NOTHING
"""
INGREDIENT_INSERT = """
INSERT INTO active_ingredients (drug_id, product_name, name, strength) VALUES (%s, %s, %s, %s)
ON CONFLICT DO NOTHING
"""


def per_row(catalogue: Catalogue, labels: Sequence[Label], *, commit_each: bool = False) -> Tally:
    """One statement per row, in a transaction per 1,000 labels (or committing each row)."""
    tally = Tally()
    watch = Stopwatch(tally)
    run_id = new_run()
    stored = store.save_classes(source_classes(catalogue), run_id)
    db.session.commit()
    class_ids = [stored[c.code].id for c in catalogue.classes]
    for batch in batches(labels):
        details = [detail(catalogue, label) for label in batch]
        with watch:
            cursor = db.session.connection().connection.cursor()
            for label, d in zip(batch, details, strict=True):
                commit = cursor.connection.commit if commit_each else lambda: None
                cursor.execute(
                    DRUG_UPSERT, (label.set_id, label.title, label.spl_version, label.published)
                )
                drug_id = cursor.fetchone()[0]
                commit()
                for i in label.class_indexes:
                    cursor.execute(MEMBERSHIP_UPSERT, (drug_id, class_ids[i]))
                    commit()
                for ndc in d.ndcs:
                    cursor.execute(NDC_INSERT, store.ndc_row(drug_id, ndc))
                    commit()
                for i in d.ingredients:
                    cursor.execute(INGREDIENT_INSERT, (drug_id, i.product_name, i.name, i.strength))
                    commit()
                tally.add("drugs", 1)
                tally.add("drug_class_memberships", len(label.class_indexes))
                tally.add("ndc_codes", len(d.ndcs))
                tally.add("active_ingredients", len(d.ingredients))
            db.session.commit()
    return tally
