"""archived records, and authorizations people create

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01

`archived_at` / `archived_by` on every tracked dataset: deleting a record a source sends
archives it (hidden from lists, exports and counts; no sync brings it back; a restore does).
An authorization a person creates has no source yet, so `source` and `source_key` may be
empty until a sync brings its authorization number and joins it.

Downgrade: archived records become ordinary ones again, and an authorization no source has
sent gets `source` 'manual' and `source_key` 'manual-<id>' (the old schema needs both).
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

TABLES = ("authorizations", "drugs", "drug_classes")


def upgrade():
    for table in TABLES:
        op.add_column(table, sa.Column("archived_at", sa.DateTime(timezone=True)))
        op.add_column(
            table,
            sa.Column(
                "archived_by",
                sa.Integer(),
                sa.ForeignKey("users.id", ondelete="SET NULL", name=f"{table}_archived_by_fkey"),
            ),
        )
    op.alter_column("authorizations", "source", existing_type=sa.String(120), nullable=True)
    op.alter_column("authorizations", "source_key", existing_type=sa.String(255), nullable=True)


def downgrade():
    op.execute(
        "UPDATE authorizations SET source = coalesce(source, 'manual'), "
        "source_key = coalesce(source_key, 'manual-' || id) "
        "WHERE source IS NULL OR source_key IS NULL"
    )
    op.alter_column("authorizations", "source_key", existing_type=sa.String(255), nullable=False)
    op.alter_column("authorizations", "source", existing_type=sa.String(120), nullable=False)
    for table in TABLES:
        op.drop_constraint(f"{table}_archived_by_fkey", table, type_="foreignkey")
        op.drop_column(table, "archived_by")
        op.drop_column(table, "archived_at")
