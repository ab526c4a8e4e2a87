"""The quality analysis: labels without NDCs, codes that fit no NDC form, and records people
edited, records waiting for review and records the source no longer lists. The filters choose
labels, so they apply to drugs; classes and authorizations are counted whole (`scoped` says
which datasets the filters narrowed). Archived records of every dataset are left out."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from analytics import kept
from analytics.filters import Filters
from database import db
from models import Authorization, Drug, DrugClass, NdcCode, TrackedRecord, unarchived

LISTED = 100  # labels and codes listed; the summary counts them all


def analyze(filters: Filters) -> dict[str, Any]:
    """The analysis counted from the rows of the labels `filters` keep."""
    return _result(
        _labels_without_ndcs(filters),
        _unrecognised(filters),
        _bookkeeping(Drug, filters.keeps(Drug.id), scoped=True),
    )


def from_kept() -> dict[str, Any]:
    """The unfiltered analysis, read off the kept counts (`analytics.kept`): the labels
    without codes, the unrecognised codes and the drugs' flags as kept, not every drug."""
    k, c = kept.contributions.c, kept.counts.c
    # Each list reads its kind's contributions through the key index (kind, grp, key): the
    # labels without codes all hold the one key "", the unrecognised codes' keys are counted.
    without = db.session.execute(
        sa.select(Drug.id, Drug.set_id, Drug.title)
        .join(kept.contributions, k.drug_id == Drug.id)
        .where(k.kind == "no_ndcs", k.grp == "", k.key == "")
        .order_by(Drug.title, Drug.id)
        .limit(LISTED)
    ).all()
    # A code printed twice on a label is listed twice, as the codes are.
    repeat = sa.func.generate_series(1, k.weight).table_valued("n").alias("repeat")
    unrecognised = db.session.execute(
        sa.select(k.key.label("ndc"), Drug.id, Drug.set_id)
        .select_from(kept.counts)
        .join(
            kept.contributions,
            sa.and_(k.kind == c.kind, k.grp == c.grp, k.key == c.key),
        )
        .join(Drug, Drug.id == k.drug_id)
        .join(repeat, sa.true())
        .where(c.kind == "ndc_unrecognised")
        .order_by(k.key.collate("default"), Drug.set_id)
        .limit(LISTED)
    ).all()
    flags = {row.key: row.labels for row in db.session.execute(kept.of_kind("drug_flag"))}
    drugs = {
        "records": kept.labels(),
        **{flag: flags.get(flag, 0) for flag in ("edited", "needs_review", "missing_from_source")},
        "scoped": True,
    }
    return _result(
        (_without_json(without), kept.count("no_ndcs")[0]),
        (_unrecognised_json(unrecognised), kept.count("ndc_format", "unrecognised")[1]),
        drugs,
    )


def _result(
    labels_without_ndcs: tuple[list[dict[str, Any]], int],
    unrecognised_ndcs: tuple[list[dict[str, Any]], int],
    drugs: dict[str, Any],
) -> dict[str, Any]:
    without_ndcs, without_total = labels_without_ndcs
    unrecognised, unrecognised_total = unrecognised_ndcs
    records = {
        "drugs": drugs,
        "drug_classes": _bookkeeping(DrugClass, unarchived(DrugClass), scoped=False),
        "authorizations": _bookkeeping(Authorization, unarchived(Authorization), scoped=False),
    }
    return {
        "summary": {
            "labels": drugs["records"],
            "labels_without_ndcs": without_total,
            "unrecognised_ndcs": unrecognised_total,
            "edited": sum(r["edited"] for r in records.values()),
            "needs_review": sum(r["needs_review"] for r in records.values()),
            "missing_from_source": sum(r["missing_from_source"] for r in records.values()),
        },
        "data": {
            "labels_without_ndcs": without_ndcs,
            "unrecognised_ndcs": unrecognised,
            "records": records,
        },
    }


def _labels_without_ndcs(filters: Filters) -> tuple[list[dict[str, Any]], int]:
    has_codes = sa.exists().where(NdcCode.drug_id == Drug.id)
    rows = db.session.execute(
        sa.select(Drug.id, Drug.set_id, Drug.title, sa.func.count().over().label("total"))
        .where(filters.where(), ~has_codes)
        .order_by(Drug.title, Drug.id)
        .limit(LISTED)
    ).all()
    return _without_json(rows), rows[0].total if rows else 0


def _without_json(rows: Sequence[Any]) -> list[dict[str, Any]]:
    return [{"id": row.id, "set_id": row.set_id, "title": row.title} for row in rows]


def _unrecognised(filters: Filters) -> tuple[list[dict[str, Any]], int]:
    """Each code that fits no NDC form, as printed, with the label printing it."""
    rows = db.session.execute(
        sa.select(NdcCode.ndc, Drug.id, Drug.set_id, sa.func.count().over().label("total"))
        .join(Drug, Drug.id == NdcCode.drug_id)
        .where(NdcCode.ndc_format == "unrecognised", filters.keeps(NdcCode.drug_id))
        .order_by(NdcCode.ndc, Drug.set_id)
        .limit(LISTED)
    ).all()
    return _unrecognised_json(rows), rows[0].total if rows else 0


def _unrecognised_json(rows: Sequence[Any]) -> list[dict[str, Any]]:
    return [{"ndc": row.ndc, "drug_id": row.id, "set_id": row.set_id} for row in rows]


def _bookkeeping(
    model: type[TrackedRecord], where: sa.ColumnElement[bool], *, scoped: bool
) -> dict[str, Any]:
    """Records of one dataset: how many, edited by people, needing review, missing."""
    row = db.session.execute(
        sa.select(
            sa.func.count().label("records"),
            sa.func.count().filter(model.is_manually_edited).label("edited"),
            sa.func.count().filter(model.needs_review).label("needs_review"),
            sa.func.count().filter(model.missing_from_source).label("missing_from_source"),
        ).where(where)
    ).one()
    return {
        "records": row.records,
        "edited": row.edited,
        "needs_review": row.needs_review,
        "missing_from_source": row.missing_from_source,
        "scoped": scoped,
    }
