"""The names analysis: brand vs generic labels, the most common generic names with their number
of labels, name-length statistics, and the stems generic names share (`analytics.stems`). Names
are the ones each title names (`brand_name`, `generic_name`: several products' names joined by
"; ", counted one by one, any case)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from analytics.filters import Filters
from analytics.stems import generic_names, stems
from database import db
from models import Drug

TOP_GENERIC_NAMES = 20
_LENGTH_FIELDS = {
    "title": Drug.title,
    "brand_name": Drug.brand_name,
    "generic_name": Drug.generic_name,
}


def analyze(filters: Filters) -> dict[str, Any]:
    has_brand = sa.func.coalesce(Drug.brand_name, "") != ""
    has_generic = sa.func.coalesce(Drug.generic_name, "") != ""
    kinds = db.session.execute(
        sa.select(
            sa.func.count().label("labels"),
            sa.func.count().filter(has_brand).label("brand"),
            sa.func.count().filter(~has_brand, has_generic).label("generic"),
            sa.func.count().filter(~has_brand, ~has_generic).label("unnamed"),
        ).where(filters.where())
    ).one()
    shared = stems(filters)
    (prefixes, prefix_total), (suffixes, suffix_total) = shared["prefix"], shared["suffix"]
    return {
        "summary": {
            "labels": kinds.labels,
            "brand": kinds.brand,
            "generic": kinds.generic,
            "unnamed": kinds.unnamed,
            "prefixes": prefix_total,
            "suffixes": suffix_total,
        },
        "data": {
            "brand_vs_generic": [
                {"kind": "brand", "labels": kinds.brand},
                {"kind": "generic", "labels": kinds.generic},
                {"kind": "unnamed", "labels": kinds.unnamed},
            ],
            "top_generic_names": _top_generic_names(filters),
            "name_lengths": {
                name: _lengths(column, filters) for name, column in _LENGTH_FIELDS.items()
            },
            "prefixes": prefixes,
            "suffixes": suffixes,
        },
    }


def _top_generic_names(filters: Filters) -> list[dict[str, Any]]:
    """Each generic name (upper-cased, trimmed) and the number of labels naming it."""
    names = generic_names(filters)
    labels = sa.func.count(sa.distinct(names.c.drug_id))
    rows = db.session.execute(
        sa.select(names.c.name, labels.label("labels"))
        .group_by(names.c.name)
        .order_by(labels.desc(), names.c.name)
        .limit(TOP_GENERIC_NAMES)
    )
    return [{"name": row.name, "labels": row.labels} for row in rows]


def _lengths(column: sa.orm.InstrumentedAttribute[Any], filters: Filters) -> dict[str, Any]:
    """Count, shortest, longest, mean and median length (in characters) of one name field."""
    length = sa.func.char_length(column)
    row = db.session.execute(
        sa.select(
            sa.func.count(length).label("count"),
            sa.func.min(length).label("min"),
            sa.func.max(length).label("max"),
            sa.func.avg(length).label("mean"),
            sa.func.percentile_cont(0.5).within_group(length).label("median"),
        ).where(filters.where(), sa.func.coalesce(column, "") != "")
    ).one()
    return {
        "count": row.count,
        "min": row.min,
        "max": row.max,
        "mean": round(float(row.mean), 2) if row.mean is not None else None,
        "median": float(row.median) if row.median is not None else None,
    }
