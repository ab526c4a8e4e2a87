"""What the analytics benchmark compares against: the straightforward way the seed computed its
analyses — SELECT the rows, load them into Python, count there — for the ndc, drug-classes,
names and quality analyses, unfiltered. Each gives the same headline figures and top lists as
its SQL analyzer, so `same_figures` can prove the comparison is like for like.

Rows are read as plain tuples (SQLAlchemy Core), not ORM objects: the strongest form of the
straightforward way, so the ratio is a floor, not a strawman.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from database import db
from models import Authorization, Drug, DrugClass, NdcCode
from models import drug_class_memberships as memberships

TOP = 20
SEPARATOR = "; "


def _rows(*columns: Any) -> list[sa.Row[Any]]:
    return list(db.session.execute(sa.select(*columns)).all())


def ndc() -> dict[str, Any]:
    drug_ids = {row.id for row in _rows(Drug.id)}
    codes = _rows(
        NdcCode.drug_id,
        NdcCode.ndc,
        NdcCode.ndc_format,
        NdcCode.ndc11,
        NdcCode.product_ndc9,
        NdcCode.labeler,
        NdcCode.labeler5,
    )
    labels_per_package: dict[str, set[int]] = defaultdict(set)
    per_labeler: dict[str, dict[str, set[Any]]] = defaultdict(lambda: defaultdict(set))
    unrecognised: set[str] = set()
    for c in codes:
        if c.ndc11:
            labels_per_package[c.ndc11].add(c.drug_id)
        if c.ndc_format == "unrecognised":
            unrecognised.add(c.ndc)
        if c.labeler5:
            mine = per_labeler[c.labeler5]
            for key, value in (
                ("products", c.product_ndc9),
                ("packages", c.ndc11),
                ("labels", c.drug_id),
                ("printed_as", c.labeler),
            ):
                if value is not None:
                    mine[key].add(value)
    top = sorted(
        per_labeler.items(),
        key=lambda item: (-len(item[1]["products"]), -len(item[1]["packages"]), item[0]),
    )[:TOP]
    return {
        "summary": {
            "labels": len(drug_ids),
            "ndcs": len(codes),
            "packages": len(labels_per_package),
            "products": len({c.product_ndc9 for c in codes if c.product_ndc9}),
            "labelers": len(per_labeler),
            "shared_ndcs": sum(len(ids) > 1 for ids in labels_per_package.values()),
            "unrecognised_ndcs": len(unrecognised),
        },
        "top_labelers": [
            {
                "labeler": code,
                "products": len(sets["products"]),
                "packages": len(sets["packages"]),
                "labels": len(sets["labels"]),
            }
            for code, sets in top
        ],
    }


def drug_classes() -> dict[str, Any]:
    drug_ids = [row.id for row in _rows(Drug.id)]
    classes = _rows(DrugClass.id, DrugClass.name)
    pairs = _rows(memberships.c.drug_id, memberships.c.drug_class_id)
    per_label = Counter(pair.drug_id for pair in pairs)
    per_class = Counter(pair.drug_class_id for pair in pairs)
    empty = sum(per_class[c.id] == 0 for c in classes)
    top = sorted(
        (c for c in classes if per_class[c.id]), key=lambda c: (-per_class[c.id], c.name, c.id)
    )[:TOP]
    return {
        "summary": {
            "labels": len(drug_ids),
            "classes": len(classes),
            "classes_with_labels": len(classes) - empty,
            "empty_classes": empty,
            "labels_in_several_classes": sum(per_label[d] > 1 for d in drug_ids),
            "labels_without_class": sum(per_label[d] == 0 for d in drug_ids),
        },
        "top_classes": [{"id": c.id, "labels": per_class[c.id]} for c in top],
    }


def names() -> dict[str, Any]:
    drugs = _rows(Drug.id, Drug.brand_name, Drug.generic_name)
    brand = sum(bool(d.brand_name) for d in drugs)
    generic = sum(not d.brand_name and bool(d.generic_name) for d in drugs)
    labels_per_name: dict[str, set[int]] = defaultdict(set)
    for d in drugs:
        for name in (d.generic_name or "").split(SEPARATOR):
            if name.strip():
                labels_per_name[name.strip().upper()].add(d.id)
    top = sorted(labels_per_name.items(), key=lambda item: (-len(item[1]), item[0]))[:TOP]
    return {
        "summary": {
            "labels": len(drugs),
            "brand": brand,
            "generic": generic,
            "unnamed": len(drugs) - brand - generic,
        },
        "top_generic_names": [{"name": name, "labels": len(ids)} for name, ids in top],
    }


def quality() -> dict[str, Any]:
    flags = (
        "is_manually_edited",
        "needs_review",
        "missing_from_source",
    )
    records = [
        _rows(model.id, *(getattr(model, flag) for flag in flags))
        for model in (Drug, DrugClass, Authorization)
    ]
    codes = _rows(NdcCode.drug_id, NdcCode.ndc_format)
    with_codes = {c.drug_id for c in codes}
    counts = [sum(getattr(r, flag) for rows in records for r in rows) for flag in flags]
    return {
        "summary": {
            "labels": len(records[0]),
            "labels_without_ndcs": sum(d.id not in with_codes for d in records[0]),
            "unrecognised_ndcs": sum(c.ndc_format == "unrecognised" for c in codes),
            "edited": counts[0],
            "needs_review": counts[1],
            "missing_from_source": counts[2],
        }
    }


BASELINES: dict[str, Callable[[], dict[str, Any]]] = {
    "ndc": ndc,
    "drug-classes": drug_classes,
    "names": names,
    "quality": quality,
}
# The top list each comparison checks, and the fields of each item compared.
TOP_LISTS = {
    "ndc": ("top_labelers", ("labeler", "products", "packages", "labels")),
    "drug-classes": ("top_classes", ("id", "labels")),
    "names": ("top_generic_names", ("name", "labels")),
}


def same_figures(analysis: str, ours: dict[str, Any], plain: dict[str, Any]) -> list[str]:
    """Where the SQL analyzer's result and the plain one differ (empty: they agree)."""
    differences = [
        f"{analysis}.summary.{key}: {ours['summary'].get(key)} vs {value}"
        for key, value in plain["summary"].items()
        if ours["summary"].get(key) != value
    ]
    if analysis in TOP_LISTS:
        name, fields = TOP_LISTS[analysis]
        mine = [{f: item[f] for f in fields} for item in ours["data"][name]]
        if mine != plain[name]:
            differences.append(f"{analysis}.data.{name} differs")
    return differences
