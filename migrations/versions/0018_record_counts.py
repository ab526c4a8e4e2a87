"""record_counts: each tracked table's number of unarchived rows, kept by the database

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-01

An unfiltered list (the Drugs screen as it opens, `GET /api/drugs`) answers with its total.
Counting 100,000 unarchived drugs exactly is an index-only scan of about 5 ms on every page —
the costliest statement of the list and 40% of its time (bench/README.md, "Load"). The count
is kept instead, per table, by statement-level triggers with transition tables on `drugs`,
`drug_classes` and `authorizations`, whoever writes (sync, API, bulk action, migration):

- after each INSERT, UPDATE or DELETE statement, the change in unarchived rows (rows of the
  new transition table with `archived_at` NULL, less those of the old) is added to the table's
  row — no write at all when it is 0 (a sync rewriting every seen row changes nothing);
- a table without a row (never counted, or its row deleted) gets one holding the exact count
  at that moment; an UPDATE that waits for a concurrent writer's row lock adds its change to
  the committed value, so concurrent writers never lose a change;
- after TRUNCATE the row holds 0.

Readers use the row only while it exists, and count exactly otherwise
(datasets.records.RecordService.known_total, api.pagination.paginate).
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

TABLES = ("drugs", "drug_classes", "authorizations")

FOLLOW = r"""
CREATE FUNCTION record_counts_follow() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  delta bigint := 0;
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    INSERT INTO record_counts (table_name, unarchived) VALUES (TG_TABLE_NAME, 0)
    ON CONFLICT (table_name) DO UPDATE SET unarchived = 0;
    RETURN NULL;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    SELECT delta + count(*) INTO delta FROM new_rows WHERE archived_at IS NULL;
  END IF;
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    SELECT delta - count(*) INTO delta FROM old_rows WHERE archived_at IS NULL;
  END IF;
  IF delta = 0 THEN
    RETURN NULL;
  END IF;
  UPDATE record_counts SET unarchived = unarchived + delta WHERE table_name = TG_TABLE_NAME;
  IF NOT FOUND THEN
    -- The exact count now (this statement's rows included); a writer that inserted the row
    -- meanwhile wins the conflict, and this change is then added to its count.
    EXECUTE format(
      'INSERT INTO record_counts (table_name, unarchived) '
      'SELECT %L, count(*) FROM %I WHERE archived_at IS NULL '
      'ON CONFLICT (table_name) DO UPDATE SET unarchived = record_counts.unarchived + %s',
      TG_TABLE_NAME, TG_TABLE_NAME, delta);
  END IF;
  RETURN NULL;
END
$$;
"""


def upgrade():
    op.create_table(
        "record_counts",
        sa.Column("table_name", sa.Text(), primary_key=True),
        sa.Column("unarchived", sa.BigInteger(), nullable=False),
    )
    op.execute(FOLLOW)
    for table in TABLES:
        op.execute(
            f"CREATE TRIGGER {table}_count_inserts AFTER INSERT ON {table} "
            "REFERENCING NEW TABLE AS new_rows "
            "FOR EACH STATEMENT EXECUTE FUNCTION record_counts_follow()"
        )
        op.execute(
            f"CREATE TRIGGER {table}_count_updates AFTER UPDATE ON {table} "
            "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "
            "FOR EACH STATEMENT EXECUTE FUNCTION record_counts_follow()"
        )
        op.execute(
            f"CREATE TRIGGER {table}_count_deletes AFTER DELETE ON {table} "
            "REFERENCING OLD TABLE AS old_rows "
            "FOR EACH STATEMENT EXECUTE FUNCTION record_counts_follow()"
        )
        op.execute(
            f"CREATE TRIGGER {table}_count_truncates AFTER TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION record_counts_follow()"
        )
        op.execute(
            "INSERT INTO record_counts (table_name, unarchived) "
            f"SELECT '{table}', count(*) FROM {table} WHERE archived_at IS NULL"
        )


def downgrade():
    for table in TABLES:
        for event in ("inserts", "updates", "deletes", "truncates"):
            op.execute(f"DROP TRIGGER {table}_count_{event} ON {table}")
    op.execute("DROP FUNCTION record_counts_follow()")
    op.drop_table("record_counts")
