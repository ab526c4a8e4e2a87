"""The names analysis: brand vs generic labels, the most common generic names with their number
of labels, name-length statistics, and the stems generic names share (`analytics.stems`). Names
are the ones each title names (`brand_name`, `generic_name`: several products' names joined by
"; ", counted one by one, any case)."""

from __future__ import annotations

from collections import Counter
from typing import Any

import sqlalchemy as sa

from analytics import kept
from analytics.facts import unnested
from analytics.filters import Filters
from analytics.stems import kept_stems, stems
from database import db
from models import Drug

TOP_GENERIC_NAMES = 20
_LENGTH_FIELDS: dict[str, sa.orm.InstrumentedAttribute[Any]] = {
    "title": Drug.title,
    "brand_name": Drug.brand_name,
    "generic_name": Drug.generic_name,
}


def analyze(filters: Filters) -> dict[str, Any]:
    """The analysis counted from the labels `filters` keep and their facts."""
    kinds, lengths = _kinds_and_lengths(filters)
    return _result(kinds, lengths, stems(filters), _top_generic_names(filters))


def from_kept() -> dict[str, Any]:
    """The unfiltered analysis, read off the kept counts (`analytics.kept`): labels per kind,
    per name length and per generic name, and the stems from the kept names and moieties."""
    kinds = dict.fromkeys(("brand", "generic", "unnamed"), 0)
    kinds |= {row.key: row.labels for row in db.session.execute(kept.of_kind("name_kind"))}
    per_length: dict[str, Counter[int]] = {name: Counter() for name in _LENGTH_FIELDS}
    for row in db.session.execute(kept.of_kind("name_length")):
        per_length[row.grp][int(row.key)] = row.labels
    lengths = {name: _length_figures(per_length[name]) for name in _LENGTH_FIELDS}
    return _result(
        {"labels": sum(kinds.values()), **kinds}, lengths, kept_stems(), _kept_generic_names()
    )


def _kept_generic_names() -> list[dict[str, Any]]:
    """The TOP_GENERIC_NAMES names with most labels, ties by name in the database's collation
    (as counted): the names with at least the labels of the last one, ordered."""
    c = kept.counts.c
    names = c.kind == "generic_name"
    last = (
        sa.select(c.labels)
        .where(names)
        .order_by(c.labels.desc())
        .offset(TOP_GENERIC_NAMES - 1)
        .limit(1)
        .scalar_subquery()
    )
    rows = db.session.execute(
        sa.select(c.key, c.labels)
        .where(names, c.labels >= sa.func.coalesce(last, 0))
        .order_by(c.labels.desc(), c.key.collate("default"))
        .limit(TOP_GENERIC_NAMES)
    )
    return [{"name": row.key, "labels": row.labels} for row in rows]


def _result(
    kinds: dict[str, int],
    lengths: dict[str, dict[str, Any]],
    shared: dict[str, tuple[list[dict[str, Any]], int]],
    top_generic_names: list[dict[str, Any]],
) -> dict[str, Any]:
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
            "top_generic_names": top_generic_names,
            "name_lengths": lengths,
            "prefixes": prefixes,
            "suffixes": suffixes,
        },
    }


def _kinds_and_lengths(filters: Filters) -> tuple[dict[str, int], dict[str, dict[str, Any]]]:
    """In one pass over the labels in scope: how many have a brand name, only a generic name,
    or neither; and per name field the count, shortest, longest, mean and median length (in
    characters) of the labels that have it.

    The pass counts labels per kind and per length of each field (GROUPING SETS: a few hundred
    rows), and the figures are read off those counts: twenty aggregates over every label, three
    of them sorting it, cost three times as much."""
    has = {name: sa.func.coalesce(column, "") != "" for name, column in _LENGTH_FIELDS.items()}
    kind = sa.case((has["brand_name"], "brand"), (has["generic_name"], "generic"), else_="unnamed")
    sizes = (
        sa.select(
            kind.label("kind"),
            *(
                sa.case((has[name], sa.func.char_length(column))).label(name)
                for name, column in _LENGTH_FIELDS.items()
            ),
        )
        .where(filters.where())
        .subquery("sizes")
    )
    keys = list(sizes.c)
    rows = db.session.execute(
        sa.select(
            *keys, sa.func.grouping(*keys).label("unused"), sa.func.count().label("labels")
        ).group_by(sa.func.grouping_sets(*keys))
    )
    counts: dict[str, Counter[Any]] = {key.name: Counter() for key in keys}
    for row in rows:
        # GROUPING() has a bit set for each key the row is not grouped by, the first key highest.
        (name,) = (
            key.name for i, key in enumerate(keys) if not row.unused >> (len(keys) - 1 - i) & 1
        )
        if (value := row._mapping[name]) is not None:
            counts[name][value] += row.labels
    kinds = {kind: counts["kind"][kind] for kind in ("brand", "generic", "unnamed")}
    return {"labels": sum(kinds.values()), **kinds}, {
        name: _length_figures(counts[name]) for name in _LENGTH_FIELDS
    }


def _length_figures(labels_per_length: Counter[int]) -> dict[str, Any]:
    """Count, min, max, mean (2 decimals) and median (interpolated, as percentile_cont(0.5)) of
    the lengths counted."""
    count = sum(labels_per_length.values())
    if not count:
        return {"count": 0, "min": None, "max": None, "mean": None, "median": None}
    lengths = sorted(labels_per_length)
    middle = [(count - 1) // 2, count // 2]  # the positions whose mean is the median
    median, seen = [], 0
    for length in lengths:
        seen += labels_per_length[length]
        while middle and middle[0] < seen:
            median.append(length)
            middle.pop(0)
    total = sum(length * labels for length, labels in labels_per_length.items())
    return {
        "count": count,
        "min": lengths[0],
        "max": lengths[-1],
        "mean": round(total / count, 2),
        "median": sum(median) / 2,
    }


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
