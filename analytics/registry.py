"""The analyzers by name, so the API (and later the runs) declare them once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from analytics import drug_classes, kept, names, ndc, network, quality, text, timeline, urls
from analytics.filters import Filters
from database import db
from errors import NotFound

Analyzer = Callable[[Filters], dict[str, Any]]


def kept_when_unfiltered(from_kept: Callable[[], dict[str, Any]], counted: Analyzer) -> Analyzer:
    """An analyzer answering unfiltered from the kept counts (`analytics.kept`), brought up to
    date first, and under filters by counting the rows in scope (`counted`)."""

    def analyze(filters: Filters) -> dict[str, Any]:
        if filters.active:
            return counted(filters)
        kept.catch_up()
        return from_kept()

    return analyze


ANALYZERS: dict[str, Analyzer] = {
    "ndc": kept_when_unfiltered(ndc.from_kept, ndc.analyze),
    "drug-classes": kept_when_unfiltered(drug_classes.from_kept, drug_classes.analyze),
    "quality": kept_when_unfiltered(quality.from_kept, quality.analyze),
    "names": kept_when_unfiltered(names.from_kept, names.analyze),
    "urls": urls.analyze,
    "time": timeline.analyze,
    "network": network.analyze,
    "text": text.analyze,
}


def analyzer(name: str) -> Analyzer:
    """The analyzer called `name`, or a 404 naming the known ones."""
    try:
        return ANALYZERS[name]
    except KeyError:
        raise NotFound(
            f"Unknown analysis {name[:60]!r}; the analyses are {', '.join(ANALYZERS)}.",
            field="analysis",
            analyses=list(ANALYZERS),
        ) from None


WORK_MEM = "64MB"  # sorts and hashes of 300,000 NDCs stay in memory instead of spilling to disk
# The drugs and codes are read from memory, not disk (they are small: ~100 MB for 100,000
# labels): an index lookup costs little more than a sequential read, so a filter's few thousand
# drugs are fetched by id instead of scanning all of them (PostgreSQL's default of 4 assumes a
# spinning disk).
RANDOM_PAGE_COST = 1.1


def compute(name: str, filters: Filters) -> dict[str, Any]:
    """Run analyzer `name` under `filters`, with room to sort in memory for this transaction
    (`SET LOCAL`: the setting ends with it, the pool's connections keep their default) and the
    filters' scope found once for all its statements (`Filters.resolve`)."""
    analyze = analyzer(name)
    db.session.execute(sa.text(f"SET LOCAL work_mem = '{WORK_MEM}'"))
    db.session.execute(sa.text(f"SET LOCAL random_page_cost = {RANDOM_PAGE_COST}"))
    return analyze(filters.resolve())
