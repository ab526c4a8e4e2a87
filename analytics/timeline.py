"""The time analysis (`time`): labels published per month and per year, how often labels are
revised (a histogram of `spl_version`), and what the syncs and people changed per day from the
change history (`record_changes`). Unfiltered, every change of every dataset counts; under a
filter, only changes to the labels in scope; changes to a record now archived never count. Days
are UTC days; the last LISTED_DAYS days with changes are listed, the summary counts all changes."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from analytics.filters import Filters
from analytics.histogram import histogram
from database import db
from models import Drug, RecordChange, names_an_archived_record

LISTED_DAYS = 120


def analyze(filters: Filters) -> dict[str, Any]:
    dated = sa.func.count(Drug.published_date)
    totals = db.session.execute(
        sa.select(
            sa.func.count().label("labels"),
            (sa.func.count() - dated).label("undated"),
            sa.func.min(Drug.published_date).label("first"),
            sa.func.max(Drug.published_date).label("last"),
            sa.func.count().filter(Drug.spl_version > 1).label("revised"),
        ).where(filters.where())
    ).one()
    changes_per_day, changes = _changes_per_day(filters)
    return {
        "summary": {
            "labels": totals.labels,
            "undated": totals.undated,
            "first_published": totals.first.isoformat() if totals.first else None,
            "last_published": totals.last.isoformat() if totals.last else None,
            "revised_labels": totals.revised,
            "changes": changes,
        },
        "data": {
            "published_per_month": _published_per(filters, "YYYY-MM", "month"),
            "published_per_year": _published_per(filters, "YYYY", "year"),
            "versions": _versions(filters),
            "changes_per_day": changes_per_day,
        },
    }


def _published_per(filters: Filters, pattern: str, name: str) -> list[dict[str, Any]]:
    """Dated labels per calendar month or year, oldest first."""
    period = sa.func.to_char(Drug.published_date, pattern)
    rows = db.session.execute(
        sa.select(period.label("period"), sa.func.count().label("labels"))
        .where(filters.where(), Drug.published_date.is_not(None))
        .group_by(period)
        .order_by(period)
    )
    return [
        {name: int(row.period) if name == "year" else row.period, "labels": row.labels}
        for row in rows
    ]


def _versions(filters: Filters) -> list[dict[str, Any]]:
    """How many labels are at version 1, 2, 3… (null: DailyMed gave none)."""
    versions = sa.select(Drug.spl_version.label("versions")).where(filters.where()).subquery()
    return histogram(versions.c.versions, "versions")


def _changes_per_day(filters: Filters) -> tuple[list[dict[str, Any]], int]:
    """Changes per UTC day, by syncs and by people, the latest LISTED_DAYS days oldest first;
    and the number of changes in all."""
    scope: sa.ColumnElement[bool] = ~names_an_archived_record(
        RecordChange.dataset, RecordChange.record_id
    )
    if filters.as_json():
        scope = sa.and_(
            RecordChange.dataset == Drug.dataset,
            RecordChange.record_id.in_(filters.drug_ids().scalar_subquery()),
        )
    day = sa.func.date(sa.func.timezone("UTC", RecordChange.changed_at))
    per_day = (
        sa.select(
            day.label("day"),
            sa.func.count().label("changes"),
            sa.func.count().filter(RecordChange.actor_type == "sync").label("by_sync"),
            sa.func.count().filter(RecordChange.actor_type == "user").label("by_people"),
        )
        .where(scope)
        .group_by(day)
        .subquery("per_day")
    )
    rows = db.session.execute(
        sa.select(per_day, sa.func.sum(per_day.c.changes).over().label("total"))
        .order_by(per_day.c.day.desc())
        .limit(LISTED_DAYS)
    ).all()
    items = [
        {
            "day": row.day.isoformat(),
            "changes": row.changes,
            "by_sync": row.by_sync,
            "by_people": row.by_people,
        }
        for row in reversed(rows)
    ]
    return items, int(rows[0].total) if rows else 0
