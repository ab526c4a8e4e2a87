"""table_versions: a version of `drug_classes` that changes with every transaction writing it

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-01

Every drugs list page shows its drugs' classes: a second statement per page read the same few
hundred of about 2,000 rows again and again (bench/README.md, "Load"). A process now keeps the
classes it has read, by id, with the version of `drug_classes` it read them at; the page's own
statement reads the version (one indexed row) and the kept classes serve while it is unchanged
(datasets/drugs.py).

The version is a random number drawn once per transaction that writes `drug_classes`, set
by the database whoever writes (sync, API, bulk action, SQL by hand):

- a deferred constraint trigger per written row sets it as the transaction commits, after the
  transaction's own row locks: two writers wait on the version's row only while committing,
  never while holding it and asking for a class row the other has (no deadlock), and a reader
  sees a new version exactly when it can see the new rows;
- a TRUNCATE sets it at once (it locks the whole table anyway);
- random (63 bits, `random()` twice), not a transaction id: ids can come back after a failover
  or a point-in-time recovery while app processes run on, and one process must never take
  another state of the table for one it kept;
- the function's search_path is the one it was created with, so a writer with another
  search_path (`pg_restore --data-only` empties it) still finds `table_versions`.

Readers compare versions for equality only. Under READ COMMITTED (the app's level) writers never
fail on the version; two REPEATABLE READ or SERIALIZABLE transactions writing classes at once
update one row, and the second to commit gets a serialization failure to retry, as any two such
writers of one row do. Restoring a dump into the database a running app reads: stop the app
first (README, "Backups").
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

SET_VERSION = r"""
CREATE FUNCTION table_versions_set() RETURNS trigger LANGUAGE plpgsql
SET search_path FROM CURRENT AS $$
DECLARE
  drawn text := current_setting('medsync.table_version', true);
BEGIN
  IF drawn IS NULL OR drawn = '' THEN  -- once per transaction: every row writes the same
    drawn := set_config(
      'medsync.table_version',
      ((random() * 2147483647)::bigint * 4294967296 + (random() * 4294967295)::bigint)::text,
      true);
  END IF;
  INSERT INTO table_versions (table_name, version) VALUES (TG_TABLE_NAME, drawn::bigint)
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
        "VALUES ('drug_classes', (random() * 9.2e18)::bigint)"
    )


def downgrade():
    op.execute("DROP TRIGGER drug_classes_version_truncate ON drug_classes")
    op.execute("DROP TRIGGER drug_classes_version ON drug_classes")
    op.execute("DROP FUNCTION table_versions_set()")
    op.drop_table("table_versions")
