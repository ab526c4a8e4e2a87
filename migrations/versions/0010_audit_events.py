"""audit_events: what people did to accounts, for the one audit log

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30

Sign-ins (and failed ones), sign-outs, users created, roles and activation changed, API tokens
created and revoked; the records' own history stays in `record_changes`.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="SET NULL")),
        sa.Column("username", sa.String(80)),
        sa.Column("target_type", sa.String(16)),
        sa.Column("target_id", sa.Integer()),
        sa.Column("details", JSONB(), nullable=False),
        sa.Column("remote_addr", sa.String(64)),
    )
    op.create_index("ix_audit_events_at", "audit_events", ["at"])
    op.create_index("ix_audit_events_action", "audit_events", ["action"])


def downgrade():
    op.drop_index("ix_audit_events_action", table_name="audit_events")
    op.drop_index("ix_audit_events_at", table_name="audit_events")
    op.drop_table("audit_events")
