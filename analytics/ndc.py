"""The NDC analysis: labelers by products and packages, NDCs shared by several labels
(repackagers), NDCs per label, and the mix of printed formats with the unrecognised codes
listed. Labelers are counted on the normalised five-digit segment (`labeler5`), so 0002 and
00002 are one labeler; a labeler's products are its distinct normalised 5-4 product codes."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa

from analytics import kept
from analytics.filters import Filters
from analytics.histogram import with_zero_bucket
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
    labelers, formats = _labelers_and_formats(codes)
    shared, shared_total = _shared(codes)
    unrecognised, unrecognised_total = _unrecognised(codes)
    per_label = _ndcs_per_label(filters)
    return {
        "summary": {
            "labels": sum(bucket["labels"] for bucket in per_label),
            "ndcs": sum(formats.values()),
            # A product or package code starts with its labeler's five digits (scraper.ndc):
            # the labelers' distinct codes are distinct overall.
            "packages": sum(labeler["packages"] for labeler in labelers),
            "products": sum(labeler["products"] for labeler in labelers),
            "labelers": len(labelers),
            "shared_ndcs": shared_total,
            "unrecognised_ndcs": unrecognised_total,
        },
        "data": {
            "top_labelers": _top_labelers(codes, labelers),
            "shared": shared,
            "ndcs_per_label": per_label,
            "formats": [{"format": name, "ndcs": count} for name, count in formats.items()],
            "unrecognised": unrecognised,
        },
    }


def from_kept() -> dict[str, Any]:
    """The unfiltered analysis, read off the kept counts (`analytics.kept`): a few thousand
    kept rows instead of every code."""
    labels = kept.labels()
    g = kept.groups.c
    # A product or package key is one labeler's (its digits lead): the keys per labeler sum up.
    totals = dict.fromkeys(("ndc_product", "ndc_package"), 0) | dict(
        db.session.execute(
            sa.select(g.kind, sa.func.sum(g.key_count))
            .where(g.kind.in_(["ndc_product", "ndc_package"]))
            .group_by(g.kind)
        ).all()
    )
    formats = dict.fromkeys(FORMATS, 0)
    for row in db.session.execute(kept.of_kind("ndc_format")):
        name = _FORMAT_NAMES.get(row.key, row.key)
        formats[name] = formats.get(name, 0) + row.weight
    extra = sorted(name for name in formats if name not in FORMATS)
    formats = {name: formats[name] for name in (*FORMATS, *extra)}
    shared, shared_total = _kept_shared()
    unrecognised = _kept_unrecognised()
    per_label = kept.histogram("ndc_count", "ndcs", labels)
    return {
        "summary": {
            "labels": labels,
            "ndcs": sum(formats.values()),
            "packages": int(totals["ndc_package"]),
            "products": int(totals["ndc_product"]),
            "labelers": kept.keys("ndc_labeler"),
            "shared_ndcs": shared_total,
            "unrecognised_ndcs": kept.keys("ndc_unrecognised"),
        },
        "data": {
            "top_labelers": _kept_top_labelers(),
            "shared": shared,
            "ndcs_per_label": per_label,
            "formats": [{"format": name, "ndcs": count} for name, count in formats.items()],
            "unrecognised": unrecognised,
        },
    }


def _kept_top_labelers() -> list[dict[str, Any]]:
    """The TOP_LABELERS labelers with most products (then packages), ranked in the database
    over the kept labelers, with their labels and printed forms."""
    c = kept.counts.c
    products, packages = kept.groups.alias("products"), kept.groups.alias("packages")

    def keys_of(group: sa.FromClause, kind: str) -> tuple[sa.ColumnElement[int], Any]:
        count = sa.func.coalesce(group.c.key_count, 0)
        return count, sa.and_(group.c.kind == kind, group.c.grp == c.key)

    product_count, product_join = keys_of(products, "ndc_product")
    package_count, package_join = keys_of(packages, "ndc_package")
    top = db.session.execute(
        sa.select(
            c.key.label("labeler"),
            product_count.label("products"),
            package_count.label("packages"),
            c.labels,
        )
        .outerjoin(products, product_join)
        .outerjoin(packages, package_join)
        .where(c.kind == "ndc_labeler", c.grp == "")
        .order_by(product_count.desc(), package_count.desc(), c.key)
        .limit(TOP_LABELERS)
    ).all()
    chosen = [row.labeler for row in top]
    printed: dict[str, list[str]] = {code: [] for code in chosen}
    for grp, key in db.session.execute(
        sa.select(c.grp, c.key).where(c.kind == "ndc_printed", c.grp.in_(chosen))
    ):
        printed[grp].append(key)
    return [
        {
            "labeler": row.labeler,
            "products": row.products,
            "packages": row.packages,
            "labels": row.labels,
            "printed_as": sorted(printed[row.labeler]),
        }
        for row in top
    ]


def _kept_listed(
    kind: str, condition: sa.ColumnElement[bool], order: Callable[[Any], list[Any]]
) -> Sequence[sa.Row[Any]]:
    """The LISTED kept keys of `kind` meeting `condition`, first in `order` (of the columns
    labels and key), each with its labels and the set ids of the drugs contributing it."""
    c, k = kept.counts.c, kept.contributions.c
    top = (
        sa.select(c.grp, c.key, c.labels)
        .where(c.kind == kind, condition)
        .order_by(*order(c))
        .limit(LISTED)
        .subquery("top")
    )
    set_ids = sa.func.array_agg(Drug.set_id)  # sorted in Python, as the counted path does
    return db.session.execute(
        sa.select(top.c.key, top.c.labels, set_ids.label("set_ids"))
        .join(kept.contributions, sa.and_(k.kind == kind, k.grp == top.c.grp, k.key == top.c.key))
        .join(Drug, Drug.id == k.drug_id)
        .group_by(top.c.grp, top.c.key, top.c.labels)
        .order_by(*order(top.c))
    ).all()


def _kept_shared() -> tuple[list[dict[str, Any]], int]:
    c = kept.counts.c
    several = c.labels > 1
    total = db.session.scalar(sa.select(sa.func.count()).where(c.kind == "ndc_package", several))
    rows = _kept_listed("ndc_package", several, lambda c: [c.labels.desc(), c.key])
    items = [
        {"ndc": hyphenated(row.key), "labels": row.labels, "set_ids": sorted(row.set_ids)}
        for row in rows
    ]
    return items, total or 0


def _kept_unrecognised() -> list[dict[str, Any]]:
    # Ordered as the codes' own column is (the database's collation, not the kept keys' "C").
    rows = _kept_listed("ndc_unrecognised", sa.true(), lambda c: [c.key.collate("default")])
    return [{"ndc": row.key, "labels": row.labels, "set_ids": sorted(row.set_ids)} for row in rows]


def _labelers_and_formats(codes: sa.Subquery) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """In one pass over the codes (grouping sets, each a hash): every labeler (normalised
    five-digit segment) with its distinct normalised product codes and package codes; and the
    codes per printed format — the five of the analysis always, other stored kinds (product
    NDCs printed 4-4, 5-3, 5-4) when present, in a stable order."""
    sets = (
        sa.select(
            codes.c.labeler5,
            codes.c.product_ndc9,
            codes.c.ndc11,
            codes.c.ndc_format,
            sa.func.count().label("codes"),
            sa.func.grouping(codes.c.ndc_format).label("not_format"),
        )
        .group_by(
            sa.func.grouping_sets(
                sa.tuple_(codes.c.labeler5, codes.c.product_ndc9),
                sa.tuple_(codes.c.labeler5, codes.c.ndc11),
                codes.c.ndc_format,
            )
        )
        .cte("sets")
    )
    # In a (labeler, product) group the package is grouped out (NULL), and the other way round:
    # count() of each counts that set's groups alone.
    per_labeler = (
        sa.select(
            sa.literal("labeler").label("kind"),
            sets.c.labeler5.label("key"),
            sa.func.count(sets.c.product_ndc9).label("first"),
            sa.func.count(sets.c.ndc11).label("second"),
        )
        .where(sets.c.not_format == 1, sets.c.labeler5.is_not(None))
        .group_by(sets.c.labeler5)
    )
    per_format = sa.select(
        sa.literal("format"), sets.c.ndc_format, sets.c.codes, sa.literal(0)
    ).where(sets.c.not_format == 0)
    labelers, formats = [], dict.fromkeys(FORMATS, 0)
    for kind, key, first, second in db.session.execute(sa.union_all(per_labeler, per_format)):
        if kind == "labeler":
            labelers.append({"labeler": key, "products": first, "packages": second})
        else:
            name = _FORMAT_NAMES.get(key, key)
            formats[name] = formats.get(name, 0) + first
    extra = sorted(name for name in formats if name not in FORMATS)
    return labelers, {name: formats[name] for name in (*FORMATS, *extra)}


def _top_labelers(codes: sa.Subquery, labelers: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The TOP_LABELERS labelers with most products (then packages), with their labels and
    printed forms, gathered for those alone."""
    ranked = sorted(labelers, key=lambda x: (-x["products"], -x["packages"], x["labeler"]))
    top = ranked[:TOP_LABELERS]
    if not top:
        return []
    # The distinct (labeler, label, printed labeler) triples first (a hash over the codes),
    # then counted and gathered per labeler over those few.
    pairs = (
        sa.select(codes.c.labeler5, codes.c.drug_id, codes.c.labeler)
        .where(codes.c.labeler5.in_([labeler["labeler"] for labeler in top]))
        .group_by(codes.c.labeler5, codes.c.drug_id, codes.c.labeler)
        .subquery("pairs")
    )
    rows = db.session.execute(
        sa.select(
            pairs.c.labeler5,
            sa.func.count(sa.distinct(pairs.c.drug_id)).label("labels"),
            sa.func.array_agg(sa.distinct(pairs.c.labeler)).label("printed_as"),
        ).group_by(pairs.c.labeler5)
    )
    found = {row.labeler5: row for row in rows}
    return [
        {
            **labeler,
            "labels": found[labeler["labeler"]].labels,
            "printed_as": sorted(found[labeler["labeler"]].printed_as),
        }
        for labeler in top
    ]


def _shared(codes: sa.Subquery) -> tuple[list[dict[str, Any]], int]:
    """Package NDCs (compared normalised) on more than one label, most-shared first: the shared
    codes found first (`on_several_labels`), then their distinct labels counted, and set ids
    gathered for the LISTED codes alone."""
    pairs = (
        sa.select(codes.c.ndc11, codes.c.drug_id)
        .where(codes.c.ndc11.in_(on_several_labels(codes)))
        .group_by(codes.c.ndc11, codes.c.drug_id)
        .cte("pairs")
    )
    labels = sa.func.count()
    top = (
        sa.select(pairs.c.ndc11, labels.label("labels"), sa.func.count().over().label("total"))
        .group_by(pairs.c.ndc11)
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


def on_several_labels(codes: sa.FromClause) -> sa.Select:
    """The package codes (`ndc11`) of `codes` (with `drug_id`) printed on more than one label:
    one hash over the codes, a code's lowest and highest label differing (no distinct
    (code, label) pairs of every code)."""
    return (
        sa.select(codes.c.ndc11)
        .where(codes.c.ndc11.is_not(None))
        .group_by(codes.c.ndc11)
        .having(sa.func.min(codes.c.drug_id) < sa.func.max(codes.c.drug_id))
    )


def _ndcs_per_label(filters: Filters) -> list[dict[str, Any]]:
    """How many labels carry 0, 1, 2… stored codes (package and product, as printed), with
    each bucket's share of the labels: the codes counted per label (a hash over the codes
    alone), the labels without any the labels in scope the codes do not name."""
    per_label = (
        sa.select(sa.func.count().label("ndcs"))
        .where(filters.keeps(NdcCode.drug_id))
        .group_by(NdcCode.drug_id)
        .subquery("per_label")
    )
    buckets: dict[int, int] = {
        ndcs: count
        for ndcs, count in db.session.execute(
            sa.select(per_label.c.ndcs, sa.func.count()).group_by(per_label.c.ndcs)
        )
    }
    return with_zero_bucket(buckets, "ndcs", filters.labels())


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
