"""The analytics run as a job of the shared engine: source "analytics", registered here with
`@engine.register`, started by the API, the CLI, the analytics schedule and — when
ANALYTICS_AFTER_SYNC is on — after each completed DailyMed sync (`engine.follow`). The one module
of `analytics` that imports `jobs`; the work itself is `runs.compute_and_store`."""

from __future__ import annotations

from analytics import registry, runs
from jobs import engine
from models import Run
from reporting import Reporter

SOURCE = "analytics"


@engine.register(SOURCE)
def run_analytics(ctx: engine.JobContext) -> None:
    """Every analysis, stored under this run. The run's counts: found = the analyses to
    compute, inserted = those stored (fewer when it was cancelled or failed)."""
    ctx.counts.found = len(registry.ANALYZERS)
    try:
        runs.compute_and_store(ctx.run_id, ctx.reporter)
    finally:
        ctx.counts.inserted = runs.stored_count(ctx.run_id)


engine.follow("dailymed", SOURCE, when=lambda settings: settings.analytics_after_sync)


def start(triggered_by: str, user_id: int | None = None) -> Run:
    """An analytics run in the background; JobAlreadyRunning (409) while one runs."""
    return engine.start(SOURCE, triggered_by, user_id)


def run_in_foreground(watcher: Reporter | None = None, triggered_by: str = "cli") -> Run:
    """An analytics run in this thread (the CLI); the finished run."""
    return engine.run_in_foreground(SOURCE, triggered_by, watcher)
