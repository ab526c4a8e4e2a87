"""The network analysis: pairs of classes that share labels (a self-join of the memberships),
labels linked through the package NDCs they share, and look-alike names
(`analytics.look_alikes`: pairs of names similar by trigram, through a GIN index)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import aggregate_order_by

from analytics.filters import Filters, live_class
from analytics.look_alikes import look_alike_names
from analytics.ndc import on_several_labels
from database import db
from models import Drug, DrugClass, NdcCode, drug_class_memberships
from scraper.ndc import hyphenated

TOP_PAIRS = 20
LISTED = 50  # shared NDCs listed; the summary counts them all
TITLES = 5  # titles shown per shared NDC

_members = drug_class_memberships.c


def analyze(filters: Filters) -> dict[str, Any]:
    class_pairs, class_pair_total = _class_pairs(filters)
    linked, linked_labels = _linked_labels(filters)
    look_alikes, look_alike_total = look_alike_names(filters)
    return {
        "summary": {
            "class_pairs": class_pair_total,
            "linked_labels": linked_labels,
            "look_alike_pairs": look_alike_total,
        },
        "data": {
            "class_pairs": class_pairs,
            "linked_labels": linked,
            "look_alike_names": look_alikes,
        },
    }


def _class_pairs(filters: Filters) -> tuple[list[dict[str, Any]], int]:
    """Pairs of classes holding the same labels in scope, most shared labels first."""
    first, second = drug_class_memberships.alias("first"), drug_class_memberships.alias("second")
    labels = sa.func.count()
    pairs = (
        sa.select(
            first.c.drug_class_id.label("a"),
            second.c.drug_class_id.label("b"),
            labels.label("labels"),
            sa.func.count().over().label("total"),
        )
        .join(
            second,
            sa.and_(
                second.c.drug_id == first.c.drug_id,
                second.c.drug_class_id > first.c.drug_class_id,
            ),
        )
        .where(filters.keeps_membership(first), live_class(second.c.drug_class_id))
        .group_by(first.c.drug_class_id, second.c.drug_class_id)
        .order_by(labels.desc(), first.c.drug_class_id, second.c.drug_class_id)
        .limit(TOP_PAIRS)
    )
    rows = db.session.execute(pairs).all()
    ids = {row.a for row in rows} | {row.b for row in rows}
    classes = {
        c.id: {"id": c.id, "code": c.code, "name": c.name, "class_type": c.class_type}
        for c in db.session.execute(
            sa.select(DrugClass.id, DrugClass.code, DrugClass.name, DrugClass.class_type).where(
                DrugClass.id.in_(ids)
            )
        )
    }
    items = [{"a": classes[row.a], "b": classes[row.b], "labels": row.labels} for row in rows]
    return items, rows[0].total if rows else 0


def _linked_labels(filters: Filters) -> tuple[list[dict[str, Any]], int]:
    """Package NDCs (normalised) printed on several labels in scope, with those labels; and how
    many labels share a code with another. One query: the codes in scope are read once, the
    shared ones found in it (`analytics.ndc.on_several_labels`) and their labels alone listed."""
    kept = (
        sa.select(NdcCode.ndc11, NdcCode.drug_id)
        .where(filters.keeps(NdcCode.drug_id))
        .subquery("kept")
    )
    codes = (
        sa.select(kept.c.ndc11, kept.c.drug_id)
        .where(kept.c.ndc11.in_(on_several_labels(kept)))
        .distinct()
        .cte("codes")
    )
    shared = (
        sa.select(codes.c.ndc11, sa.func.count().label("labels"))
        .group_by(codes.c.ndc11)
        .having(sa.func.count() > 1)
        .cte("shared")
    )
    linked_total = (
        sa.select(sa.func.count(sa.distinct(codes.c.drug_id)))
        .join(shared, shared.c.ndc11 == codes.c.ndc11)
        .scalar_subquery()
    )
    top = (
        sa.select(shared)
        .order_by(shared.c.labels.desc(), shared.c.ndc11)
        .limit(LISTED)
        .subquery("top")
    )
    rows = db.session.execute(
        sa.select(
            top.c.ndc11,
            top.c.labels,
            sa.func.array_agg(aggregate_order_by(Drug.set_id, Drug.set_id)).label("set_ids"),
            sa.func.array_agg(aggregate_order_by(Drug.title, Drug.set_id)).label("titles"),
            linked_total.label("linked_total"),
        )
        .join(codes, codes.c.ndc11 == top.c.ndc11)
        .join(Drug, Drug.id == codes.c.drug_id)
        .group_by(top.c.ndc11, top.c.labels)
        .order_by(top.c.labels.desc(), top.c.ndc11)
    ).all()
    items = [
        {
            "ndc": hyphenated(row.ndc11),
            "labels": row.labels,
            "set_ids": row.set_ids,
            "titles": row.titles[:TITLES],
        }
        for row in rows
    ]
    return items, rows[0].linked_total if rows else 0
