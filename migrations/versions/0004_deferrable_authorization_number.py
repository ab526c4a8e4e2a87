"""authorizations: the number's uniqueness checked at the end of each statement

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30

The partial unique index on authorization_number becomes a unique constraint, DEFERRABLE
INITIALLY IMMEDIATE, under the same name. A non-deferrable unique index is checked row by row,
so a sync where the portal swapped two records' numbers failed on the first row of its one
UPDATE although the end state was valid; the constraint is checked when the statement ends.
NULLs stay allowed any number of times (they are distinct to a unique constraint), as the
index's WHERE authorization_number IS NOT NULL allowed.
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

NAME = "authorizations_number_unique"


def upgrade():
    op.drop_index(NAME, table_name="authorizations")
    op.create_unique_constraint(
        NAME, "authorizations", ["authorization_number"], deferrable=True, initially="IMMEDIATE"
    )


def downgrade():
    op.drop_constraint(NAME, "authorizations", type_="unique")
    op.create_index(
        NAME,
        "authorizations",
        ["authorization_number"],
        unique=True,
        postgresql_where=sa.text("authorization_number IS NOT NULL"),
    )
