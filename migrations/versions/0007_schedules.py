"""schedules and schedule_fires: the schedules' shared state and one claim row per fire time

Revision ID: 0007
Revises: 0005 (to be rechained to 0006 when that migration lands)
Create Date: 2026-11-30

`schedules` holds what every process must agree on (paused, the last firing); `schedule_fires`
holds one row per (schedule, fire time), unique, so exactly one process fires each time.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "schedules",
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("cron", sa.String(120), nullable=False),
        sa.Column("paused", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("last_fire_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_outcome", sa.String(16), nullable=True),
        sa.Column("last_message", sa.Text(), nullable=True),
        sa.Column("last_run_ids", JSONB(), server_default=sa.text("'[]'::jsonb"), nullable=False),
    )
    op.create_table(
        "schedule_fires",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "schedule",
            sa.String(32),
            sa.ForeignKey("schedules.name", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("fire_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "claimed_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("claimed_by", sa.String(120), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("run_ids", JSONB(), server_default=sa.text("'[]'::jsonb"), nullable=False),
        sa.UniqueConstraint("schedule", "fire_at", name="schedule_fires_once"),
    )


def downgrade():
    op.drop_table("schedule_fires")
    op.drop_table("schedules")
