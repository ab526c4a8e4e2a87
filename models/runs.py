"""Runs of every job (portal sync, DailyMed sync, analytics), the lines they logged, and the
schedules that start them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from database import Model
from models.base import utcnow

RUN_STATUSES = ("queued", "running", "completed", "failed", "cancelled", "interrupted")
ACTIVE_RUN_STATUSES = ("queued", "running")


class Run(Model):
    """One run of any job (portal sync, DailyMed sync, analytics): created before work starts."""

    __tablename__ = "scrape_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(sa.String(32), index=True)
    status: Mapped[str] = mapped_column(sa.String(16), default="queued", index=True)
    triggered_by: Mapped[str] = mapped_column(sa.String(120), default="unknown")
    triggered_by_user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True), index=True)
    completed_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    duration_seconds: Mapped[float | None]
    heartbeat_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    worker: Mapped[str | None] = mapped_column(sa.String(120))
    # JOBS_MODE=queue: a run of a chain waits until this one has ended (jobs.queue).
    queued_after_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("scrape_runs.id", ondelete="SET NULL")
    )
    cancel_requested: Mapped[bool] = mapped_column(default=False)
    progress_done: Mapped[int] = mapped_column(default=0)
    progress_total: Mapped[int | None]
    current_step: Mapped[str | None] = mapped_column(sa.Text)
    progress_details: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    records_found: Mapped[int] = mapped_column(default=0)
    records_inserted: Mapped[int] = mapped_column(default=0)
    records_updated: Mapped[int] = mapped_column(default=0)
    records_unchanged: Mapped[int] = mapped_column(default=0)
    records_kept_manual: Mapped[int] = mapped_column(default=0)
    records_missing: Mapped[int] = mapped_column(default=0)
    error_message: Mapped[str | None] = mapped_column(sa.Text)
    # What failed, in plain words, shown before the technical `error_message` (jobs.engine).
    failure: Mapped[str | None] = mapped_column(sa.String(200))
    warnings: Mapped[list[str]] = mapped_column(JSONB, default=list)
    # Demo history written by seed_scrape_runs.py: left out of the success rate and /health.
    is_sample: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    __table_args__ = (
        sa.CheckConstraint(f"status IN {RUN_STATUSES}", name="scrape_runs_status_valid"),
        # The database, not a Python lock, allows one queued-or-running job per source.
        sa.Index(
            "scrape_runs_one_active_per_source",
            "source",
            unique=True,
            postgresql_where=sa.text("status IN ('queued', 'running')"),
        ),
    )

    @property
    def records_saved(self) -> int:
        return self.records_inserted + self.records_updated


class RunLogLine(Model):
    """One line a job logged while it ran; at most jobs.run_log.MAX_LINES (+ warnings) per run."""

    __tablename__ = "run_log_lines"

    id: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True)
    run_id: Mapped[int] = mapped_column(sa.ForeignKey("scrape_runs.id", ondelete="CASCADE"))
    logged_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    level: Mapped[str] = mapped_column(sa.String(8))
    logger: Mapped[str] = mapped_column(sa.String(120))
    message: Mapped[str] = mapped_column(sa.Text)

    __table_args__ = (sa.Index("run_log_lines_run", "run_id", "id"),)


class Schedule(Model):
    """A schedule's state, shared by every process: its cron, whether it is paused, and what its
    last firing did. The cron comes from the settings at start-up; the rest lives only here."""

    __tablename__ = "schedules"

    name: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    cron: Mapped[str] = mapped_column(sa.String(120))
    paused: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    last_fire_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    last_outcome: Mapped[str | None] = mapped_column(sa.String(16))
    last_message: Mapped[str | None] = mapped_column(sa.Text)
    last_run_ids: Mapped[list[int]] = mapped_column(
        JSONB, default=list, server_default=sa.text("'[]'::jsonb")
    )


class ScheduleFire(Model):
    """The claim row of one fire time of one schedule. The unique (schedule, fire_at) decides
    which process fires: whoever inserts the row does; every other process finds it taken."""

    __tablename__ = "schedule_fires"

    id: Mapped[int] = mapped_column(primary_key=True)
    schedule: Mapped[str] = mapped_column(sa.ForeignKey("schedules.name", ondelete="CASCADE"))
    fire_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    claimed_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), server_default=sa.func.now()
    )
    claimed_by: Mapped[str] = mapped_column(sa.String(120))
    outcome: Mapped[str] = mapped_column(sa.String(16))  # claimed, started, skipped, paused
    message: Mapped[str | None] = mapped_column(sa.Text)
    run_ids: Mapped[list[int]] = mapped_column(
        JSONB, default=list, server_default=sa.text("'[]'::jsonb")
    )

    __table_args__ = (sa.UniqueConstraint("schedule", "fire_at", name="schedule_fires_once"),)
