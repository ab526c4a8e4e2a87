"""The analyzers by name, so the API (and later the runs) declare them once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from analytics import drug_classes, names, ndc, network, quality, text, timeline, urls
from analytics.filters import Filters
from errors import NotFound

Analyzer = Callable[[Filters], dict[str, Any]]

ANALYZERS: dict[str, Analyzer] = {
    "ndc": ndc.analyze,
    "drug-classes": drug_classes.analyze,
    "quality": quality.analyze,
    "names": names.analyze,
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
