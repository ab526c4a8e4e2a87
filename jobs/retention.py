"""Retention: old runs and old run logs go, daily on a schedule (`schedules.tidy`, fired once
across processes by a claim row) and from the command line (`flask --app app runs prune`).

- RUN_LOG_RETENTION_DAYS: a finished run's log lines go this many days after it ended; the run
  itself (verdict, counts, error, what failed) stays.
- RUN_RETENTION_DAYS: a finished run goes this many days after it ended, with what belongs to it
  alone (its log lines, its analytics results) — unless something people rely on names it: a
  record's history (`record_changes.run_id`: "changed by run 12"), a record's first or last
  sighting (`first_seen_run_id`, `last_seen_run_id`, on which the sync's missing-record rule
  depends). Such a run stays for good (its log lines still go). Every foreign key to the runs
  that would be set to NULL counts, found from the models, so a new one is honoured too.
- Never a queued or running run, and never the latest completed run of a source (/health's last
  sync, the latest analyses).

0 keeps forever. Deletes go in batches of BATCH runs, each its own transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import sqlalchemy as sa

from database import db
from models import ACTIVE_RUN_STATUSES, Run, RunLogLine

log = logging.getLogger(__name__)

BATCH = 500


@dataclass(frozen=True)
class Pruned:
    """What one clean-up removed, and the old runs it kept because something names them."""

    runs: int = 0
    log_lines: int = 0
    kept_named: int = 0

    def summary(self) -> str:
        return (
            f"{self.runs} run(s) and {self.log_lines} log line(s) pruned; "
            f"{self.kept_named} old run(s) kept: records or their history name them"
        )


def enabled(settings: Any) -> bool:
    return bool(settings.run_retention_days or settings.run_log_retention_days)


def _ended() -> sa.ColumnElement[Any]:
    return sa.func.coalesce(Run.completed_at, Run.started_at, Run.created_at)


def _finished_before(cutoff: datetime) -> sa.ColumnElement[bool]:
    return sa.and_(Run.status.not_in(ACTIVE_RUN_STATUSES), _ended() < cutoff)


def naming_columns() -> Iterator[sa.Column[Any]]:
    """The columns of other tables that name a run and would lose it (ON DELETE SET NULL)."""
    for table in db.metadata.sorted_tables:
        if table.name == Run.__tablename__:
            continue
        for key in table.foreign_keys:
            if key.column.table.name == Run.__tablename__ and key.ondelete == "SET NULL":
                yield key.parent


def _unnamed() -> sa.ColumnElement[bool]:
    """No record, membership or line of history names the run. One NOT EXISTS per column, ANDed,
    so PostgreSQL answers each with an anti-join (an OR of EXISTS would probe every run)."""
    return sa.and_(*(~sa.exists().where(column == Run.id) for column in naming_columns()))


def _latest_completed() -> sa.Select[Any]:
    return (
        sa.select(sa.func.max(Run.id))
        .where(Run.status == "completed", Run.is_sample.is_(False))
        .group_by(Run.source)
    )


def _delete_in_batches(ids_query: sa.Select[Any], delete: Any) -> int:
    total = 0
    while True:
        ids = db.session.scalars(ids_query.limit(BATCH)).all()
        if not ids:
            return total
        result = cast(sa.CursorResult[Any], db.session.execute(delete(ids)))
        total += result.rowcount or 0
        db.session.commit()


def prune(settings: Any, now: datetime | None = None) -> Pruned:
    """Apply RUN_LOG_RETENTION_DAYS and RUN_RETENTION_DAYS (see the module docstring)."""
    now = now or datetime.now(UTC)
    log_lines = runs = kept = 0
    if settings.run_log_retention_days:
        cutoff = now - timedelta(days=settings.run_log_retention_days)
        with_lines = sa.select(Run.id).where(
            _finished_before(cutoff), sa.exists().where(RunLogLine.run_id == Run.id)
        )
        log_lines = _delete_in_batches(
            with_lines, lambda ids: sa.delete(RunLogLine).where(RunLogLine.run_id.in_(ids))
        )
    if settings.run_retention_days:
        cutoff = now - timedelta(days=settings.run_retention_days)
        old = _finished_before(cutoff)
        deletable = sa.select(Run.id).where(old, _unnamed(), Run.id.not_in(_latest_completed()))
        runs = _delete_in_batches(deletable, lambda ids: sa.delete(Run).where(Run.id.in_(ids)))
        count = sa.select(sa.func.count()).select_from(Run)
        left = db.session.scalar(count.where(old)) or 0
        kept = left - (db.session.scalar(count.where(old, _unnamed())) or 0)
    db.session.commit()
    pruned = Pruned(runs, log_lines, kept)
    log.info("retention: %s", pruned.summary())
    return pruned
