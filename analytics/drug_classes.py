"""The drug-class analysis: labels per class (top N overall and per class type), labels in
several classes, classes per label (a histogram) and empty classes. The filters choose labels;
a class counts the labels in scope it holds, so under a filter a class is "empty" when none of
the labels in scope belong to it. Archived classes are left out, and so are their memberships."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from analytics import kept
from analytics.filters import Filters
from analytics.histogram import histogram
from database import db
from models import Drug, DrugClass, drug_class_memberships, unarchived

TOP_CLASSES = 20
TOP_PER_TYPE = 10
LISTED = 100  # empty classes listed; the summary counts them all

_members = drug_class_memberships.c
# A class as the lists show it (`_class_json`), beside its labels.
_CLASS_COLUMNS = (DrugClass.id, DrugClass.code, DrugClass.name, DrugClass.class_type)


def analyze(filters: Filters) -> dict[str, Any]:
    """The analysis counted from the memberships of the labels `filters` keep."""
    per_class = (
        sa.select(*_CLASS_COLUMNS, sa.func.count(_members.drug_id).label("labels"))
        .outerjoin(
            drug_class_memberships,
            sa.and_(_members.drug_class_id == DrugClass.id, filters.keeps(_members.drug_id)),
        )
        .where(unarchived(DrugClass))
        .group_by(DrugClass.id)
        .subquery("per_class")
    )
    # Classes per label: memberships counted per label (a hash), labels without any read as 0.
    counts = (
        sa.select(_members.drug_id, sa.func.count().label("classes"))
        .where(filters.keeps_membership(drug_class_memberships))
        .group_by(_members.drug_id)
        .subquery("counts")
    )
    classes_per_label = (
        sa.select(sa.func.coalesce(counts.c.classes, 0).label("classes"))
        .select_from(Drug)
        .outerjoin(counts, counts.c.drug_id == Drug.id)
        .where(filters.where())
        .subquery("classes_per_label")
    )
    return _result(_listed(per_class), histogram(classes_per_label.c.classes, "classes"))


def from_kept() -> dict[str, Any]:
    """The unfiltered analysis, read off the kept counts (`analytics.kept`): each class's
    labels and the labels per number of classes, not every membership."""
    c = kept.counts.c
    per_class = (
        sa.select(*_CLASS_COLUMNS, sa.func.coalesce(c.labels, 0).label("labels"))
        .outerjoin(
            kept.counts,
            sa.and_(
                c.kind == "class_labels",
                c.grp == "",
                c.key == sa.cast(DrugClass.id, sa.Text).collate("C"),
            ),
        )
        .where(unarchived(DrugClass))
        .subquery("per_class")
    )
    labels = kept.labels()
    return _result(_listed(per_class), kept.histogram("class_count", "classes", labels))


def _result(listed: dict[str, Any], buckets: list[dict[str, Any]]) -> dict[str, Any]:
    classes, empty = listed["classes"], listed["empty"]
    return {
        "summary": {
            "labels": sum(b["labels"] for b in buckets),
            "classes": classes,
            "classes_with_labels": classes - empty,
            "empty_classes": empty,
            "labels_in_several_classes": sum(b["labels"] for b in buckets if b["classes"] > 1),
            "labels_without_class": sum(b["labels"] for b in buckets if b["classes"] == 0),
        },
        "data": {
            "top_classes": listed["top"],
            "top_classes_by_type": listed["by_type"],
            "classes_per_label": buckets,
            "empty_classes": listed["empty_list"],
        },
    }


def _listed(per_class: sa.Subquery) -> dict[str, Any]:
    """From one pass over the labels per class: the TOP_CLASSES classes with most labels, the
    TOP_PER_TYPE of each class type (EPC, MOA, PE, CI), the first LISTED empty classes by name,
    and how many classes there are and how many are empty."""
    with_labels = per_class.c.labels > 0
    by_labels = (per_class.c.labels.desc(), per_class.c.name, per_class.c.id)
    ranked = sa.select(
        per_class,
        sa.func.row_number().over(partition_by=with_labels, order_by=by_labels).label("top"),
        sa.func.row_number()
        .over(partition_by=(with_labels, per_class.c.class_type), order_by=by_labels)
        .label("in_type"),
        sa.func.row_number()
        .over(partition_by=with_labels, order_by=(per_class.c.name, per_class.c.id))
        .label("by_name"),
        sa.func.count().over().label("classes"),
        sa.func.count().filter(~with_labels).over().label("empty"),
    ).subquery("ranked")
    rows = db.session.execute(
        sa.select(ranked)
        .where(
            sa.or_(
                sa.and_(
                    ranked.c.labels > 0,
                    sa.or_(ranked.c.top <= TOP_CLASSES, ranked.c.in_type <= TOP_PER_TYPE),
                ),
                sa.and_(ranked.c.labels == 0, ranked.c.by_name <= LISTED),
            )
        )
        .order_by(ranked.c.labels > 0, ranked.c.class_type, ranked.c.top)
    ).all()
    top = sorted((r for r in rows if r.labels > 0 and r.top <= TOP_CLASSES), key=lambda r: r.top)
    by_type: dict[str, list[dict[str, Any]]] = {}
    for row in sorted(rows, key=lambda r: (r.class_type, r.in_type)):
        if row.labels > 0 and row.in_type <= TOP_PER_TYPE:
            by_type.setdefault(row.class_type, []).append(_class_json(row))
    empty = sorted((r for r in rows if r.labels == 0), key=lambda r: r.by_name)
    return {
        "top": [_class_json(row) for row in top],
        "by_type": by_type,
        "empty_list": [_class_json(row) for row in empty],
        "classes": rows[0].classes if rows else 0,  # no row listed: no class at all
        "empty": rows[0].empty if rows else 0,
    }


def _class_json(row: sa.Row[Any]) -> dict[str, Any]:
    return {
        "id": row.id,
        "code": row.code,
        "name": row.name,
        "class_type": row.class_type,
        "labels": row.labels,
    }
