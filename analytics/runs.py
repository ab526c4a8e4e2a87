"""An analytics run's work: every registered analyzer computed unfiltered, one after another,
each stored with its typed rows in a transaction of its own (`results.store`). Progress is one
step per analysis; a cancel stops between two analyses; an analysis that fails stores nothing
and ends the run naming it. The job engine runs this as the "analytics" job (`analytics.job`);
the benchmark calls `compute_and_store` directly."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from analytics import registry, results
from analytics.filters import Filters
from database import db
from models import AnalyticsResult
from reporting import Reporter


class AnalysisFailed(Exception):
    """One analysis could not be computed or stored; the message names it."""


def compute_and_store(run_id: int, reporter: Reporter | None = None) -> list[AnalyticsResult]:
    """Compute every analyzer of `registry.ANALYZERS` unfiltered and store each result under the
    run `run_id` (a `scrape_runs` row; one result per analysis and run). Reports progress per
    analysis (step = its name), passes a checkpoint before each (Cancelled stops the run there,
    keeping the analyses already stored), and raises AnalysisFailed naming a failing analysis."""
    reporter = reporter or Reporter()
    names = list(registry.ANALYZERS)
    stored: list[AnalyticsResult] = []
    for done, name in enumerate(names):
        reporter.checkpoint()
        reporter.progress(done, len(names), name, phase="analyses", analysis=name)
        stored.append(compute_one(run_id, name))
    reporter.progress(len(names), len(names), "done", phase="analyses")
    return stored


def compute_one(run_id: int, analysis: str) -> AnalyticsResult:
    """Compute one analysis unfiltered and store it under `run_id`, all or nothing."""
    computed_at = datetime.now(UTC)
    try:
        result = registry.compute(analysis, Filters())
    except Exception as exc:
        db.session.rollback()
        raise AnalysisFailed(f"The {analysis} analysis failed: {_first_line(exc)}") from exc
    try:
        return results.store(run_id, analysis, result, computed_at)
    except Exception as exc:
        raise AnalysisFailed(f"Storing the {analysis} analysis failed: {_first_line(exc)}") from exc


def stored_count(run_id: int) -> int:
    """How many analyses the run has stored."""
    return (
        db.session.scalar(sa.select(sa.func.count()).where(AnalyticsResult.run_id == run_id)) or 0
    )


def _first_line(exc: Exception) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0][:500]
