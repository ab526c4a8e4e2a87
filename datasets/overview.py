"""The figures on the Overview screen: records per dataset, last sync per source, health.

Sample runs (seed_scrape_runs.py) show as the last sync of a demo, but never count towards the
success rate (unless asked for) or the last successful sync /health reports.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from database import database_status, db
from models import Authorization, Drug, DrugClass, NdcCode, Run, TrackedRecord, utcnow

SYNC_SOURCES = ("portal", "dailymed")
# The success rate counts the runs of this many days: a figure without a window can't be read.
SUCCESS_WINDOW_DAYS = 30


def _tracked_counts(model: type[TrackedRecord]) -> dict[str, int]:
    """Records of a tracked dataset, how many a person edited, how many need review (archived
    records left out, as lists leave them out)."""
    count, edited, needs_review = db.session.execute(
        sa.select(
            sa.func.count(model.id),
            sa.func.count(model.id).filter(model.is_manually_edited),
            sa.func.count(model.id).filter(model.needs_review),
        ).where(model.archived_at.is_(None))
    ).one()
    return {"count": count, "edited": edited, "needs_review": needs_review}


def dataset_counts() -> dict[str, dict[str, int]]:
    return {
        "authorizations": _tracked_counts(Authorization),
        "drugs": _tracked_counts(Drug),
        "drug_classes": _tracked_counts(DrugClass),
        "ndc_codes": {
            "count": db.session.execute(sa.select(sa.func.count(NdcCode.id))).scalar_one()
        },
    }


def last_runs() -> dict[str, Run | None]:
    """The latest run of each sync source (any status), or None."""
    latest = {}
    for source in SYNC_SOURCES:
        latest[source] = db.session.scalar(
            sa.select(Run)
            .where(Run.source == source)
            .order_by(Run.created_at.desc(), Run.id.desc())
            .limit(1)
        )
    return latest


def last_successful_sync_time() -> Any:
    return db.session.scalar(
        sa.select(sa.func.max(Run.completed_at)).where(
            Run.status == "completed", Run.source.in_(SYNC_SOURCES), Run.is_sample.is_(False)
        )
    )


def run_outcomes(include_samples: bool = False) -> dict[str, Any]:
    """How the runs of the last SUCCESS_WINDOW_DAYS days ended."""
    since = utcnow() - timedelta(days=SUCCESS_WINDOW_DAYS)
    query = sa.select(
        sa.func.count(Run.id),
        sa.func.count(Run.id).filter(Run.status == "completed"),
        sa.func.count(Run.id).filter(Run.status.in_(("failed", "interrupted"))),
    ).where(Run.created_at >= since)
    if not include_samples:
        query = query.where(Run.is_sample.is_(False))
    total, completed, failed = db.session.execute(query).one()
    finished = completed + failed
    return {
        "total": total,
        "completed": completed,
        "failed": failed,
        "success_rate": round(completed / finished, 4) if finished else None,
        "samples_included": include_samples,
        "window_days": SUCCESS_WINDOW_DAYS,
    }


def collect(include_samples: bool = False) -> dict[str, Any]:
    return {
        "database": database_status(),
        "datasets": dataset_counts(),
        "last_sync": last_runs(),
        "runs": run_outcomes(include_samples),
    }
