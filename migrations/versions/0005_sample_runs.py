"""scrape_runs: is_sample marks the demo history seed_scrape_runs.py writes

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07

Sample runs stay out of the success rate and /health's last sync, and the Runs screen can show
or hide them. Existing rows are real runs except those the seed wrote (triggered_by = 'seed').
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column(
        "scrape_runs",
        sa.Column("is_sample", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    op.execute("UPDATE scrape_runs SET is_sample = true WHERE triggered_by = 'seed'")


def downgrade():
    op.drop_column("scrape_runs", "is_sample")
