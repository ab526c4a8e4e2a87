"""scrape_runs.queued_after_id: chains of runs in the PostgreSQL job queue

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01

With JOBS_MODE=queue a schedule's runs (DailyMed, then the portal) are queued together and
claimed by any worker: each one waits until the run it names here has ended.
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column(
        "scrape_runs",
        sa.Column(
            "queued_after_id",
            sa.Integer(),
            sa.ForeignKey("scrape_runs.id", ondelete="SET NULL"),
            nullable=True,
        ),
    )


def downgrade():
    op.drop_column("scrape_runs", "queued_after_id")
