"""trigram search on drug titles and patient names

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22

Partial matches (`ILIKE '%term%'`) on 100k+ rows need a trigram index; pg_trgm ships with
PostgreSQL (the embedded build included).
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.create_index(
        "drugs_title_trgm",
        "drugs",
        ["title"],
        postgresql_using="gin",
        postgresql_ops={"title": "gin_trgm_ops"},
    )
    op.create_index(
        "authorizations_patient_trgm",
        "authorizations",
        ["patient_name"],
        postgresql_using="gin",
        postgresql_ops={"patient_name": "gin_trgm_ops"},
    )


def downgrade():
    op.drop_index("authorizations_patient_trgm", table_name="authorizations")
    op.drop_index("drugs_title_trgm", table_name="drugs")
