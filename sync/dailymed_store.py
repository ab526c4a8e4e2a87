"""The DailyMed write path: classes, labels, memberships, NDCs and ingredients, set-based.

Each function writes one batch in the caller's transaction with a fixed number of statements,
whatever the batch size: classes and labels go through the merge rules (`merge.merge_rows`:
people's corrections are protected), memberships are one COPY (those of drugs new in this
transaction) and one INSERT … ON CONFLICT DO NOTHING, and a batch of label details is two DELETEs
by drug id, two COPYs and one UPDATE … FROM unnest(…).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence, Set
from dataclasses import dataclass
from typing import cast

import sqlalchemy as sa

import merge
from database import db
from datasets import drug_classes, drugs
from merge import bulk
from models import ActiveIngredient, Drug, DrugClass, NdcCode, Run, drug_class_memberships
from scraper.dailymed import ClassSummary, LabelDetail, LabelNdc, LabelSummary

NDC_COLUMNS = (
    "drug_id",
    "ndc",
    "kind",
    "ndc_format",
    "ndc11",
    "product_ndc",
    "product_ndc9",
    "labeler",
    "labeler5",
    "package_description",
)
INGREDIENT_COLUMNS = ("drug_id", "product_name", "name", "strength")
MEMBERSHIP_COLUMNS = ("drug_id", "drug_class_id", "first_seen_run_id")
NDC_MAX_LENGTH = cast(sa.String, NdcCode.__table__.c.ndc.type).length  # ndc is a String(n)
UNKNOWN_VERSION = 0  # details stored for a label whose version DailyMed did not say


@dataclass(frozen=True)
class StoredClass:
    id: int
    first_seen_run_id: int | None


@dataclass(frozen=True)
class LabelToFetch:
    drug_id: int
    spl_version: int | None


def save_classes(classes: Sequence[ClassSummary], run_id: int) -> dict[str, StoredClass]:
    """Merge the classes; answer each code's record id and the run that first saw it."""
    rows = [
        {
            "code": c.code,
            "coding_system": c.coding_system,
            "class_type": c.class_type,
            "name": c.name,
        }
        for c in classes
    ]
    merge.merge_rows(drug_classes.DATASET, rows, run_id)
    stored = db.session.execute(
        sa.select(DrugClass.code, DrugClass.id, DrugClass.first_seen_run_id).where(
            DrugClass.code.in_([c.code for c in classes])
        )
    )
    return {code: StoredClass(id, first_seen) for code, id, first_seen in stored}


def save_labels(labels: Sequence[LabelSummary], run_id: int) -> merge.MergeResult:
    """Merge label summaries (set id, title, version, published date, and the brand, generic,
    dosage form and labeler its title names) into drugs."""
    rows = [
        {
            "set_id": label.set_id,
            "title": label.title,
            "spl_version": label.spl_version,
            "published_date": label.published_date,
            **label.title_parts.fields(),
        }
        for label in labels
    ]
    return merge.merge_rows(drugs.DATASET, rows, run_id)


def save_memberships(
    pairs: Iterable[tuple[int, int]], run_id: int, new_drugs: Set[int] = frozenset()
) -> None:
    """(drug id, class id) pairs; pairs already stored stay as they are. The pairs of
    `new_drugs` (inserted in this transaction, so holding no membership yet) are copied; the
    rest are one INSERT … ON CONFLICT DO NOTHING."""
    fresh: list[tuple[int, int, int]] = []
    known: list[tuple[int, int, int]] = []
    for drug_id, class_id in sorted(set(pairs)):
        (fresh if drug_id in new_drugs else known).append((drug_id, class_id, run_id))
    bulk.copy_rows(drug_class_memberships, MEMBERSHIP_COLUMNS, fresh)
    bulk.insert_rows(
        drug_class_memberships,
        [dict(zip(MEMBERSHIP_COLUMNS, row, strict=True)) for row in known],
        on_conflict="ON CONFLICT DO NOTHING",
    )


def labels_needing_details() -> dict[str, LabelToFetch]:
    """Labels a sync has seen whose stored NDCs and ingredients are not of their current
    version: new ones, changed ones, and those a cancelled or failed run left behind."""
    lagging = sa.or_(
        Drug.details_version.is_(None),
        sa.and_(Drug.spl_version.is_not(None), Drug.details_version != Drug.spl_version),
    )
    rows = db.session.execute(
        sa.select(Drug.set_id, Drug.id, Drug.spl_version)
        .where(Drug.last_seen_run_id.is_not(None), Drug.missing_from_source.is_(False), lagging)
        .order_by(Drug.id)
    )
    return {set_id: LabelToFetch(drug_id, version) for set_id, drug_id, version in rows}


def save_details(details: Sequence[LabelDetail], targets: Mapping[str, LabelToFetch]) -> int:
    """Replace the NDCs and ingredients of these labels and note the version they belong to.
    Returns the number of NDC rows written."""
    fetched = [(targets[d.set_id], d) for d in details if d.set_id in targets]
    if not fetched:
        return 0
    drug_ids = [target.drug_id for target, _ in fetched]
    db.session.execute(sa.delete(NdcCode.__table__).where(NdcCode.drug_id.in_(drug_ids)))
    db.session.execute(
        sa.delete(ActiveIngredient.__table__).where(ActiveIngredient.drug_id.in_(drug_ids))
    )
    written = bulk.copy_rows(
        NdcCode.__table__,
        NDC_COLUMNS,
        (ndc_row(target.drug_id, ndc) for target, detail in fetched for ndc in detail.ndcs),
    )
    bulk.copy_rows(
        ActiveIngredient.__table__,
        INGREDIENT_COLUMNS,
        (
            (target.drug_id, i.product_name or None, i.name, i.strength or None)
            for target, detail in fetched
            for i in detail.ingredients
        ),
    )
    bulk.update_rows(
        Drug.__table__,
        [
            {
                "id": target.drug_id,
                "details_version": _first_known(
                    detail.spl_version, target.spl_version, UNKNOWN_VERSION
                ),
            }
            for target, detail in fetched
        ],
    )
    return written


def ndc_row(drug_id: int, ndc: LabelNdc) -> tuple[object, ...]:
    code = ndc.code
    return (
        drug_id,
        code.raw.strip()[:NDC_MAX_LENGTH],
        ndc.kind,
        code.format,
        code.ndc11,
        code.product_ndc,
        code.product_ndc9,
        code.labeler,
        code.labeler5,
        ndc.description or None,
    )


def _first_known(*versions: int | None) -> int:
    return next(v for v in versions if v is not None)


def last_good_run(*, full: bool = False) -> Run | None:
    """The latest completed DailyMed run that listed every class's labels (a full listing
    when `full`): the next incremental run asks only for what was published since."""
    details = Run.progress_details
    query = sa.select(Run).where(
        Run.source == "dailymed",
        Run.status == "completed",
        Run.is_sample.is_(False),  # a demo's sample history never sets where a sync resumes
        details["listing_complete"].as_boolean().is_(True),
    )
    if full:
        query = query.where(details["mode"].as_string() == "full")
    return db.session.scalar(query.order_by(Run.started_at.desc()).limit(1))
