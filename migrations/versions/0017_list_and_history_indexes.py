"""Two indexes the load benchmark and the run-retention clean-up asked for

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01

- `authorizations_patient_order` (patient_name, id) over unarchived rows: the authorizations
  list's default order (patient name, ties by id), so a page reads the index instead of sorting
  every row (bench/README.md, "Load").
- `record_changes_run` (run_id): a run's changes (`GET /api/scrape-runs/<id>/changes`) and the
  clean-up's "is this run named by the history" check were scans of the whole history, and so
  was the ON DELETE SET NULL check of every run the clean-up deletes (about 15 ms a run beside
  200,000 history rows).
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        "authorizations_patient_order",
        "authorizations",
        ["patient_name", "id"],
        postgresql_where=sa.text("archived_at IS NULL"),
    )
    op.create_index("record_changes_run", "record_changes", ["run_id"])


def downgrade():
    op.drop_index("record_changes_run", table_name="record_changes")
    op.drop_index("authorizations_patient_order", table_name="authorizations")
