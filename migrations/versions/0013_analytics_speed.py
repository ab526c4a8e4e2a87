"""analytics_look_alike_names and _pairs: the look-alike names cache

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01

The distinct names the network analysis compares (kind, name), with a GIN trigram index, and the
pairs of them pg_trgm finds similar. Pairs depend on the names alone, so an unfiltered analysis
brings the cache in step with the drugs (new names probed, gone names dropped:
`analytics.look_alikes`) instead of comparing every name again.
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "analytics_look_alike_names",
        sa.Column("kind", sa.String(8), primary_key=True),
        sa.Column("name", sa.Text(), primary_key=True),
    )
    op.create_index(
        "analytics_look_alike_names_trgm",
        "analytics_look_alike_names",
        ["name"],
        postgresql_using="gin",
        postgresql_ops={"name": "gin_trgm_ops"},
    )
    op.create_table(
        "analytics_look_alike_pairs",
        sa.Column("kind", sa.String(8), primary_key=True),
        sa.Column("name", sa.Text(), primary_key=True),
        sa.Column("other", sa.Text(), primary_key=True),
        sa.Column("similarity", sa.REAL(), nullable=False),
    )
    op.create_index(
        "analytics_look_alike_pairs_other", "analytics_look_alike_pairs", ["kind", "other"]
    )


def downgrade():
    op.drop_index("analytics_look_alike_pairs_other", table_name="analytics_look_alike_pairs")
    op.drop_table("analytics_look_alike_pairs")
    op.drop_index("analytics_look_alike_names_trgm", table_name="analytics_look_alike_names")
    op.drop_table("analytics_look_alike_names")
