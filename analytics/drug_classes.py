"""The drug-class analysis: labels per class (top N overall and per class type), labels in
several classes, classes per label (a histogram) and empty classes. The filters choose labels;
a class counts the labels in scope it holds, so under a filter a class is "empty" when none of
the labels in scope belong to it."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from analytics.filters import Filters
from analytics.histogram import histogram
from database import db
from models import Drug, DrugClass, drug_class_memberships

TOP_CLASSES = 20
TOP_PER_TYPE = 10
LISTED = 100  # empty classes listed; the summary counts them all

_members = drug_class_memberships.c


def analyze(filters: Filters) -> dict[str, Any]:
    per_class = (
        sa.select(
            DrugClass.id,
            DrugClass.code,
            DrugClass.name,
            DrugClass.class_type,
            sa.func.count(_members.drug_id).label("labels"),
        )
        .outerjoin(
            drug_class_memberships,
            sa.and_(_members.drug_class_id == DrugClass.id, filters.keeps(_members.drug_id)),
        )
        .group_by(DrugClass.id)
        .subquery("per_class")
    )
    classes_per_label = (
        sa.select(sa.func.count(_members.drug_class_id).label("classes"))
        .select_from(Drug)
        .outerjoin(drug_class_memberships, _members.drug_id == Drug.id)
        .where(filters.where())
        .group_by(Drug.id)
        .subquery("classes_per_label")
    )
    label_totals = db.session.execute(
        sa.select(
            sa.func.count().label("labels"),
            sa.func.count().filter(classes_per_label.c.classes > 1).label("several"),
            sa.func.count().filter(classes_per_label.c.classes == 0).label("none"),
        )
    ).one()
    class_totals = db.session.execute(
        sa.select(
            sa.func.count().label("classes"),
            sa.func.count().filter(per_class.c.labels == 0).label("empty"),
        )
    ).one()
    return {
        "summary": {
            "labels": label_totals.labels,
            "classes": class_totals.classes,
            "classes_with_labels": class_totals.classes - class_totals.empty,
            "empty_classes": class_totals.empty,
            "labels_in_several_classes": label_totals.several,
            "labels_without_class": label_totals.none,
        },
        "data": {
            "top_classes": _top_classes(per_class),
            "top_classes_by_type": _top_by_type(per_class),
            "classes_per_label": histogram(classes_per_label.c.classes, "classes"),
            "empty_classes": _empty_classes(per_class),
        },
    }


def _class_json(row: sa.Row[Any]) -> dict[str, Any]:
    return {
        "id": row.id,
        "code": row.code,
        "name": row.name,
        "class_type": row.class_type,
        "labels": row.labels,
    }


def _top_classes(per_class: sa.Subquery) -> list[dict[str, Any]]:
    rows = db.session.execute(
        sa.select(per_class)
        .where(per_class.c.labels > 0)
        .order_by(per_class.c.labels.desc(), per_class.c.name, per_class.c.id)
        .limit(TOP_CLASSES)
    )
    return [_class_json(row) for row in rows]


def _top_by_type(per_class: sa.Subquery) -> dict[str, list[dict[str, Any]]]:
    """The TOP_PER_TYPE classes with most labels of each class type (EPC, MOA, PE, CI)."""
    rank = (
        sa.func.row_number()
        .over(
            partition_by=per_class.c.class_type,
            order_by=(per_class.c.labels.desc(), per_class.c.name, per_class.c.id),
        )
        .label("rank")
    )
    ranked = sa.select(per_class, rank).where(per_class.c.labels > 0).subquery("ranked")
    rows = db.session.execute(
        sa.select(ranked)
        .where(ranked.c.rank <= TOP_PER_TYPE)
        .order_by(ranked.c.class_type, ranked.c.rank)
    )
    by_type: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_type.setdefault(row.class_type, []).append(_class_json(row))
    return by_type


def _empty_classes(per_class: sa.Subquery) -> list[dict[str, Any]]:
    rows = db.session.execute(
        sa.select(per_class)
        .where(per_class.c.labels == 0)
        .order_by(per_class.c.name, per_class.c.id)
        .limit(LISTED)
    )
    return [_class_json(row) for row in rows]
