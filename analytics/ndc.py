"""The NDC analysis: labelers by products and packages, NDCs shared by several labels
(repackagers), NDCs per label, and the mix of printed formats with the unrecognised codes
listed. Labelers are counted on the normalised five-digit segment (`labeler5`), so 0002 and
00002 are one labeler; a labeler's products are its distinct normalised 5-4 product codes."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from analytics.filters import Filters
from analytics.histogram import histogram
from database import db
from models import Drug, NdcCode
from scraper.ndc import hyphenated

TOP_LABELERS = 20
LISTED = 100  # shared and unrecognised codes listed; the summary counts them all
# The stored format names (scraper.ndc) as the analysis names them: "11-digit" is 5-4-2.
FORMATS = ("4-4-2", "5-3-2", "5-4-1", "5-4-2", "unrecognised")
_FORMAT_NAMES = {"11-digit": "5-4-2"}


def analyze(filters: Filters) -> dict[str, Any]:
    codes = sa.select(NdcCode).where(filters.keeps(NdcCode.drug_id)).subquery("codes")
    top_labelers = _top_labelers(codes)
    shared, shared_total = _shared(codes)
    unrecognised, unrecognised_total = _unrecognised(codes)
    totals = db.session.execute(
        sa.select(
            sa.select(sa.func.count()).select_from(codes).scalar_subquery().label("ndcs"),
            _distinct(codes.c.ndc11).label("packages"),
            _distinct(codes.c.product_ndc9).label("products"),
            _distinct(codes.c.labeler5).label("labelers"),
        )
    ).one()
    return {
        "summary": {
            "labels": db.session.scalar(
                sa.select(sa.func.count()).select_from(Drug).where(filters.keeps(Drug.id))
            ),
            "ndcs": totals.ndcs,
            "packages": totals.packages,
            "products": totals.products,
            "labelers": totals.labelers,
            "shared_ndcs": shared_total,
            "unrecognised_ndcs": unrecognised_total,
        },
        "data": {
            "top_labelers": top_labelers,
            "shared": shared,
            "ndcs_per_label": _ndcs_per_label(filters),
            "formats": _formats(codes),
            "unrecognised": unrecognised,
        },
    }


def _distinct(column: sa.ColumnElement[Any]) -> sa.ScalarSelect[int]:
    """How many distinct non-null values `column` holds: grouped (a hash) then counted, where
    count(DISTINCT …) would sort every code."""
    values = sa.select(column).where(column.is_not(None)).group_by(column).subquery()
    return sa.select(sa.func.count()).select_from(values).scalar_subquery()


def _per_labeler(codes: sa.Subquery, column: sa.ColumnElement[Any], name: str) -> sa.Subquery:
    """(labeler5, `name`): each labeler's distinct non-null values of `column`, hashed."""
    pairs = (
        sa.select(codes.c.labeler5, column.label("value"))
        .where(codes.c.labeler5.is_not(None))
        .group_by(codes.c.labeler5, column)
        .subquery()
    )
    return (
        sa.select(pairs.c.labeler5, sa.func.count(pairs.c.value).label(name))
        .group_by(pairs.c.labeler5)
        .subquery(name)
    )


def _top_labelers(codes: sa.Subquery) -> list[dict[str, Any]]:
    """The TOP_LABELERS labelers with most products (then packages), ranked on hashed counts;
    their labels and printed forms are gathered for those alone."""
    products = _per_labeler(codes, codes.c.product_ndc9, "products")
    packages = _per_labeler(codes, codes.c.ndc11, "packages")
    top = (
        sa.select(products.c.labeler5, products.c.products, packages.c.packages)
        .join(packages, packages.c.labeler5 == products.c.labeler5)
        .order_by(products.c.products.desc(), packages.c.packages.desc(), products.c.labeler5)
        .limit(TOP_LABELERS)
        .subquery("top")
    )
    rows = db.session.execute(
        sa.select(
            top.c.labeler5,
            top.c.products,
            top.c.packages,
            sa.func.count(sa.distinct(codes.c.drug_id)).label("labels"),
            sa.func.array_agg(sa.distinct(codes.c.labeler)).label("printed_as"),
        )
        .join(codes, codes.c.labeler5 == top.c.labeler5)
        .group_by(top.c.labeler5, top.c.products, top.c.packages)
        .order_by(top.c.products.desc(), top.c.packages.desc(), top.c.labeler5)
    )
    return [
        {
            "labeler": row.labeler5,
            "products": row.products,
            "packages": row.packages,
            "labels": row.labels,
            "printed_as": sorted(row.printed_as),
        }
        for row in rows
    ]


def _shared(codes: sa.Subquery) -> tuple[list[dict[str, Any]], int]:
    """Package NDCs (compared normalised) on more than one label, most-shared first: counted on
    distinct (code, label) pairs, set ids gathered for the LISTED codes alone."""
    pairs = (
        sa.select(codes.c.ndc11, codes.c.drug_id)
        .where(codes.c.ndc11.is_not(None))
        .group_by(codes.c.ndc11, codes.c.drug_id)
        .cte("pairs")
    )
    labels = sa.func.count()
    top = (
        sa.select(pairs.c.ndc11, labels.label("labels"), sa.func.count().over().label("total"))
        .group_by(pairs.c.ndc11)
        .having(labels > 1)
        .order_by(labels.desc(), pairs.c.ndc11)
        .limit(LISTED)
        .subquery("top")
    )
    rows = db.session.execute(
        sa.select(
            top.c.ndc11,
            top.c.labels,
            top.c.total,
            sa.func.array_agg(Drug.set_id).label("set_ids"),
        )
        .join(pairs, pairs.c.ndc11 == top.c.ndc11)
        .join(Drug, Drug.id == pairs.c.drug_id)
        .group_by(top.c.ndc11, top.c.labels, top.c.total)
        .order_by(top.c.labels.desc(), top.c.ndc11)
    ).all()
    items = [
        {"ndc": hyphenated(row.ndc11), "labels": row.labels, "set_ids": sorted(row.set_ids)}
        for row in rows
    ]
    return items, rows[0].total if rows else 0


def _ndcs_per_label(filters: Filters) -> list[dict[str, Any]]:
    """How many labels carry 0, 1, 2… stored codes (package and product, as printed)."""
    per_label = (
        sa.select(sa.func.count(NdcCode.id).label("ndcs"))
        .select_from(Drug)
        .outerjoin(NdcCode, NdcCode.drug_id == Drug.id)
        .where(filters.where())
        .group_by(Drug.id)
        .subquery("per_label")
    )
    return histogram(per_label.c.ndcs, "ndcs")


def _formats(codes: sa.Subquery) -> list[dict[str, Any]]:
    """Codes per printed format: the five of the analysis always, other stored kinds (product
    NDCs printed 4-4, 5-3, 5-4) when present."""
    rows = db.session.execute(
        sa.select(codes.c.ndc_format, sa.func.count().label("ndcs"))
        .group_by(codes.c.ndc_format)
        .order_by(codes.c.ndc_format)  # other stored kinds in a stable order
    )
    counts = dict.fromkeys(FORMATS, 0)
    for row in rows:
        name = _FORMAT_NAMES.get(row.ndc_format, row.ndc_format)
        counts[name] = counts.get(name, 0) + row.ndcs
    return [{"format": name, "ndcs": count} for name, count in counts.items()]


def _unrecognised(codes: sa.Subquery) -> tuple[list[dict[str, Any]], int]:
    """Codes that fit no NDC form, exactly as printed, with the labels printing them."""
    rows = db.session.execute(
        sa.select(
            codes.c.ndc,
            sa.func.count(sa.distinct(codes.c.drug_id)).label("labels"),
            sa.func.array_agg(sa.distinct(Drug.set_id)).label("set_ids"),
            sa.func.count().over().label("total"),
        )
        .join(Drug, Drug.id == codes.c.drug_id)
        .where(codes.c.ndc_format == "unrecognised")
        .group_by(codes.c.ndc)
        .order_by(codes.c.ndc)
        .limit(LISTED)
    ).all()
    items = [{"ndc": row.ndc, "labels": row.labels, "set_ids": sorted(row.set_ids)} for row in rows]
    return items, rows[0].total if rows else 0
