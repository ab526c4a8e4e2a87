"""analytics_results and their typed rows: what each analytics run stored

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30

`analytics_results` holds one JSON document per (run, analysis) — summary, data, when, a note —
and goes with its run (ON DELETE CASCADE). The seed's three analyses also keep their top lists as
typed rows (labelers, classes, generic names) that go with their result.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def _result_id() -> sa.Column:
    return sa.Column(
        "result_id",
        sa.Integer(),
        sa.ForeignKey("analytics_results.id", ondelete="CASCADE"),
        primary_key=True,
    )


def upgrade():
    op.create_table(
        "analytics_results",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "run_id",
            sa.Integer(),
            sa.ForeignKey("scrape_runs.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("analysis", sa.String(32), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("summary", JSONB(), nullable=False),
        sa.Column("data", JSONB(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.UniqueConstraint("run_id", "analysis", name="analytics_results_once_per_run"),
    )
    op.create_index("analytics_results_latest", "analytics_results", ["analysis", "computed_at"])
    op.create_table(
        "analytics_top_labelers",
        _result_id(),
        sa.Column("labeler", sa.String(5), primary_key=True),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("products", sa.Integer(), nullable=False),
        sa.Column("packages", sa.Integer(), nullable=False),
        sa.Column("labels", sa.Integer(), nullable=False),
    )
    op.create_table(
        "analytics_top_classes",
        _result_id(),
        sa.Column("code", sa.String(64), primary_key=True),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("class_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(500), nullable=False),
        sa.Column("class_type", sa.String(8), nullable=False),
        sa.Column("labels", sa.Integer(), nullable=False),
    )
    op.create_table(
        "analytics_top_generic_names",
        _result_id(),
        sa.Column("name", sa.Text(), primary_key=True),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("labels", sa.Integer(), nullable=False),
    )


def downgrade():
    op.drop_table("analytics_top_generic_names")
    op.drop_table("analytics_top_classes")
    op.drop_table("analytics_top_labelers")
    op.drop_table("analytics_results")
