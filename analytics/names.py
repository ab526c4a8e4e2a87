"""The names analysis: brand vs generic labels, the most common generic names with their number
of labels, name-length statistics, and the stems generic names share (`analytics.stems`). Names
are the ones each title names (`brand_name`, `generic_name`: several products' names joined by
"; ", counted one by one, any case)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from analytics.facts import unnested
from analytics.filters import Filters
from analytics.stems import stems
from database import db
from models import Drug

TOP_GENERIC_NAMES = 20
_LENGTH_FIELDS: dict[str, sa.orm.InstrumentedAttribute[Any]] = {
    "title": Drug.title,
    "brand_name": Drug.brand_name,
    "generic_name": Drug.generic_name,
}


def analyze(filters: Filters) -> dict[str, Any]:
    kinds, lengths = _kinds_and_lengths(filters)
    shared = stems(filters)
    (prefixes, prefix_total), (suffixes, suffix_total) = shared["prefix"], shared["suffix"]
    return {
        "summary": {
            "labels": kinds["labels"],
            "brand": kinds["brand"],
            "generic": kinds["generic"],
            "unnamed": kinds["unnamed"],
            "prefixes": prefix_total,
            "suffixes": suffix_total,
        },
        "data": {
            "brand_vs_generic": [
                {"kind": kind, "labels": kinds[kind]} for kind in ("brand", "generic", "unnamed")
            ],
            "top_generic_names": _top_generic_names(filters),
            "name_lengths": lengths,
            "prefixes": prefixes,
            "suffixes": suffixes,
        },
    }


def _kinds_and_lengths(filters: Filters) -> tuple[dict[str, int], dict[str, dict[str, Any]]]:
    """In one pass over the labels in scope: how many have a brand name, only a generic name,
    or neither; and per name field the count, shortest, longest, mean and median length (in
    characters) of the labels that have it."""
    has_brand = sa.func.coalesce(Drug.brand_name, "") != ""
    has_generic = sa.func.coalesce(Drug.generic_name, "") != ""
    figures: list[sa.ColumnElement[Any]] = [
        sa.func.count().label("labels"),
        sa.func.count().filter(has_brand).label("brand"),
        sa.func.count().filter(~has_brand, has_generic).label("generic"),
        sa.func.count().filter(~has_brand, ~has_generic).label("unnamed"),
    ]
    for name, column in _LENGTH_FIELDS.items():
        length = sa.func.char_length(column)
        named = sa.func.coalesce(column, "") != ""
        figures += [
            sa.func.count(length).filter(named).label(f"{name}_count"),
            sa.func.min(length).filter(named).label(f"{name}_min"),
            sa.func.max(length).filter(named).label(f"{name}_max"),
            sa.func.avg(length).filter(named).label(f"{name}_mean"),
            sa.func.percentile_cont(0.5).within_group(length).filter(named).label(f"{name}_median"),
        ]
    row = db.session.execute(sa.select(*figures).where(filters.where())).one()._mapping
    kinds = {kind: row[kind] for kind in ("labels", "brand", "generic", "unnamed")}
    lengths = {
        name: {
            "count": row[f"{name}_count"],
            "min": row[f"{name}_min"],
            "max": row[f"{name}_max"],
            "mean": round(float(mean), 2) if (mean := row[f"{name}_mean"]) is not None else None,
            "median": float(median) if (median := row[f"{name}_median"]) is not None else None,
        }
        for name in _LENGTH_FIELDS
    }
    return kinds, lengths


def _top_generic_names(filters: Filters) -> list[dict[str, Any]]:
    """Each generic name (upper-cased, trimmed) and the number of labels naming it, counted on
    the distinct names the database keeps per label (`drug_facts.generic_names`)."""
    names = unnested("generic_names", "name", filters).subquery("names")
    labels = sa.func.count()
    rows = db.session.execute(
        sa.select(names.c.name, labels.label("labels"))
        .group_by(names.c.name)
        .order_by(labels.desc(), names.c.name)
        .limit(TOP_GENERIC_NAMES)
    )
    return [{"name": row.name, "labels": row.labels} for row in rows]
