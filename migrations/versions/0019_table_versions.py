"""table_versions: a version of `drug_classes` that changes with every transaction writing it

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-01

Every drugs list page shows its drugs' classes: a second statement per page read the same few
hundred of about 2,000 rows again and again (bench/README.md, "Load"). A process now keeps the
classes it has read, by id, with the version of `drug_classes` it read them at; the page's own
statement reads the version (one indexed row) and the kept classes serve while it is unchanged
(datasets/drugs.py).

The version is the id of the last transaction that wrote `drug_classes` (`pg_current_xact_id`),
set by the database whoever writes (sync, API, bulk action, SQL by hand):

- a deferred constraint trigger per written row sets it as the transaction commits, after the
  transaction's own row locks: two writers wait on the version's row only while committing,
  never while holding it and asking for a class row the other has (no deadlock), and a reader
  sees a new version exactly when it can see the new rows;
- a TRUNCATE sets it at once (it locks the whole table anyway).

A transaction id is never reused by a cluster, so a process never takes another state of the
table for one it kept, even after tests empty and refill it. Restoring a dump into the same
database a running app reads: restart the app (README, "Backups").
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

SET_VERSION = r"""
CREATE FUNCTION table_versions_set() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  this_transaction bigint := pg_current_xact_id()::text::bigint;
BEGIN
  INSERT INTO table_versions (table_name, version) VALUES (TG_TABLE_NAME, this_transaction)
  ON CONFLICT (table_name) DO UPDATE SET version = EXCLUDED.version
  WHERE table_versions.version IS DISTINCT FROM EXCLUDED.version;
  RETURN NULL;
END
$$;
"""


def upgrade():
    op.create_table(
        "table_versions",
        sa.Column("table_name", sa.Text(), primary_key=True),
        sa.Column("version", sa.BigInteger(), nullable=False),
    )
    op.execute(SET_VERSION)
    op.execute(
        "CREATE CONSTRAINT TRIGGER drug_classes_version AFTER INSERT OR UPDATE OR DELETE "
        "ON drug_classes DEFERRABLE INITIALLY DEFERRED "
        "FOR EACH ROW EXECUTE FUNCTION table_versions_set()"
    )
    op.execute(
        "CREATE TRIGGER drug_classes_version_truncate AFTER TRUNCATE ON drug_classes "
        "FOR EACH STATEMENT EXECUTE FUNCTION table_versions_set()"
    )
    op.execute(
        "INSERT INTO table_versions (table_name, version) "
        "VALUES ('drug_classes', pg_current_xact_id()::text::bigint)"
    )


def downgrade():
    op.execute("DROP TRIGGER drug_classes_version_truncate ON drug_classes")
    op.execute("DROP TRIGGER drug_classes_version ON drug_classes")
    op.execute("DROP FUNCTION table_versions_set()")
    op.drop_table("table_versions")
