"""Stored analytics results and the typed top lists kept beside them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from database import Model
from models.base import utcnow


class AnalyticsResult(Model):
    """One analysis as one analytics run stored it: the unfiltered summary and data the analyzer
    returned, when, and a note people may set. The seed's analyses also get typed rows (below),
    written in the same transaction, so the latest figures are cheap to read and runs compare."""

    __tablename__ = "analytics_results"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(sa.ForeignKey("scrape_runs.id", ondelete="CASCADE"))
    analysis: Mapped[str] = mapped_column(sa.String(32))
    computed_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    summary: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    data: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    note: Mapped[str | None] = mapped_column(sa.Text)

    __table_args__ = (
        sa.UniqueConstraint("run_id", "analysis", name="analytics_results_once_per_run"),
        sa.Index("analytics_results_latest", "analysis", "computed_at"),  # the latest, cheaply
    )


class AnalyticsTopLabeler(Model):
    """A labeler of an NDC analysis's top list (`ndc.data.top_labelers`), by its five digits."""

    __tablename__ = "analytics_top_labelers"

    result_id: Mapped[int] = mapped_column(
        sa.ForeignKey("analytics_results.id", ondelete="CASCADE"), primary_key=True
    )
    labeler: Mapped[str] = mapped_column(sa.String(5), primary_key=True)
    rank: Mapped[int]
    products: Mapped[int]
    packages: Mapped[int]
    labels: Mapped[int]


class AnalyticsTopClass(Model):
    """A class of a drug-class analysis's top list (`drug-classes.data.top_classes`), as it was
    then: no foreign key, so deleting a class later leaves the stored run as it was."""

    __tablename__ = "analytics_top_classes"

    result_id: Mapped[int] = mapped_column(
        sa.ForeignKey("analytics_results.id", ondelete="CASCADE"), primary_key=True
    )
    code: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    rank: Mapped[int]
    class_id: Mapped[int | None]
    name: Mapped[str] = mapped_column(sa.String(500))
    class_type: Mapped[str] = mapped_column(sa.String(8))
    labels: Mapped[int]


class AnalyticsTopGenericName(Model):
    """A generic name of a names analysis's top list (`names.data.top_generic_names`)."""

    __tablename__ = "analytics_top_generic_names"

    result_id: Mapped[int] = mapped_column(
        sa.ForeignKey("analytics_results.id", ondelete="CASCADE"), primary_key=True
    )
    name: Mapped[str] = mapped_column(sa.Text, primary_key=True)
    rank: Mapped[int]
    labels: Mapped[int]
