"""run_log_lines and scrape_runs.failure: runs you can debug

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30

Each run keeps the lines its job logged (bounded per run, jobs/run_log.py), and a failed run says
what failed in plain words (`failure`) before the technical `error_message`.
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("scrape_runs", sa.Column("failure", sa.String(200), nullable=True))
    op.create_table(
        "run_log_lines",
        sa.Column("id", sa.BigInteger(), primary_key=True),
        sa.Column(
            "run_id",
            sa.Integer(),
            sa.ForeignKey("scrape_runs.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("logged_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("level", sa.String(8), nullable=False),
        sa.Column("logger", sa.String(120), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
    )
    op.create_index("run_log_lines_run", "run_log_lines", ["run_id", "id"])


def downgrade():
    op.drop_index("run_log_lines_run", table_name="run_log_lines")
    op.drop_table("run_log_lines")
    op.drop_column("scrape_runs", "failure")
