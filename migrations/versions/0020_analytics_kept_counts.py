"""analytics kept counts: what each drug adds to the unfiltered analyses, kept up to date

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-02

An unfiltered analysis counted every NDC code, membership and drug again on every run (0.1–0.5 s
each at 100,000 labels), though a sync changes a few hundred labels. The counts are now kept
(`analytics.kept`): each drug's contributions (the keys it adds to a count: its labelers, its
product and package codes, its classes…) in `analytics_contributions`, their totals per key in
`analytics_counts`, the keys per group (a labeler's products) in `analytics_groups`, and per
stem of the active moieties the moieties, names and labels summed in `analytics_stems`.

The database notes which drugs may contribute differently, whoever writes (sync, API, bulk
action, SQL by hand): statement-level triggers with transition tables append the drug ids to
`analytics_dirty` —

- any write of `ndc_codes`, `drug_class_memberships` or `drug_facts` (the rows' drugs, before
  and after; `drug_facts` follows the drugs' names and title, and a direct write is noted too);
- an insert or delete of `drugs`, and an update changing what the analyses read of a drug
  (archived or not, title, brand and generic name, the bookkeeping flags); a sync touching
  every seen drug marks none;
- an update of `drug_classes` archiving or restoring a class: the class, in
  `analytics_dirty_classes` (the catch-up takes its members then: members as the archiving
  statement saw them could miss a membership committed before the archive);
- a TRUNCATE of any of these: the kept counts are emptied and every drug is noted (a
  catch-up holds these tables from its start, so a TRUNCATE waits for it or it for the
  TRUNCATE, never both).

The logs have no key: a writer never waits on another writer or on the reader that consumes
them (`analytics.kept.catch_up`, under an advisory lock). Every
drug stored now is noted, so the first analysis after this migration builds the counts.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

FUNCTIONS = r"""
CREATE FUNCTION analytics_note_rows() RETURNS trigger LANGUAGE plpgsql
SET search_path FROM CURRENT AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO analytics_dirty (drug_id) SELECT DISTINCT drug_id FROM new_rows;
  ELSIF TG_OP = 'UPDATE' THEN
    INSERT INTO analytics_dirty (drug_id)
    SELECT drug_id FROM new_rows UNION SELECT drug_id FROM old_rows;
  ELSE
    INSERT INTO analytics_dirty (drug_id) SELECT DISTINCT drug_id FROM old_rows;
  END IF;
  RETURN NULL;
END
$$;

CREATE FUNCTION analytics_note_drugs() RETURNS trigger LANGUAGE plpgsql
SET search_path FROM CURRENT AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO analytics_dirty (drug_id) SELECT id FROM new_rows;
  ELSIF TG_OP = 'UPDATE' THEN
    INSERT INTO analytics_dirty (drug_id)
    SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id
    WHERE (n.archived_at IS NULL) <> (o.archived_at IS NULL)
       OR n.title IS DISTINCT FROM o.title
       OR n.brand_name IS DISTINCT FROM o.brand_name
       OR n.generic_name IS DISTINCT FROM o.generic_name
       OR n.is_manually_edited <> o.is_manually_edited
       OR n.needs_review <> o.needs_review
       OR n.missing_from_source <> o.missing_from_source;
  ELSE
    INSERT INTO analytics_dirty (drug_id) SELECT id FROM old_rows;
  END IF;
  RETURN NULL;
END
$$;

CREATE FUNCTION analytics_note_classes() RETURNS trigger LANGUAGE plpgsql
SET search_path FROM CURRENT AS $$
BEGIN
  -- The class, not its members as this statement sees them: a membership committed before
  -- this transaction commits would be missed. The catch-up takes the members at its own time.
  INSERT INTO analytics_dirty_classes (class_id)
  SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id
  WHERE (n.archived_at IS NULL) <> (o.archived_at IS NULL);
  RETURN NULL;
END
$$;

CREATE FUNCTION analytics_note_truncate() RETURNS trigger LANGUAGE plpgsql
SET search_path FROM CURRENT AS $$
BEGIN
  DELETE FROM analytics_contributions;
  DELETE FROM analytics_counts;
  DELETE FROM analytics_groups;
  DELETE FROM analytics_stems;
  DELETE FROM analytics_dirty;
  DELETE FROM analytics_dirty_classes;
  INSERT INTO analytics_dirty (drug_id) SELECT id FROM drugs;
  RETURN NULL;
END
$$;
"""

TRIGGERS = {
    "ndc_codes": "analytics_note_rows",
    "drug_class_memberships": "analytics_note_rows",
    "drug_facts": "analytics_note_rows",
    "drugs": "analytics_note_drugs",
}


def upgrade():
    op.create_table("analytics_dirty", sa.Column("drug_id", sa.Integer(), nullable=False))
    op.create_table("analytics_dirty_classes", sa.Column("class_id", sa.Integer(), nullable=False))
    op.create_table(
        "analytics_contributions",
        sa.Column("drug_id", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.Text(collation="C"), primary_key=True),
        sa.Column("grp", sa.Text(collation="C"), primary_key=True),
        sa.Column("key", sa.Text(collation="C"), primary_key=True),
        sa.Column("weight", sa.Integer(), nullable=False),
    )
    op.create_index(
        "analytics_contributions_key", "analytics_contributions", ["kind", "grp", "key", "drug_id"]
    )
    op.create_table(
        "analytics_counts",
        sa.Column("kind", sa.Text(collation="C"), primary_key=True),
        sa.Column("grp", sa.Text(collation="C"), primary_key=True),
        sa.Column("key", sa.Text(collation="C"), primary_key=True),
        sa.Column("labels", sa.Integer(), nullable=False),
        sa.Column("weight", sa.BigInteger(), nullable=False),
    )
    op.create_index(
        "analytics_counts_ranked",
        "analytics_counts",
        ["kind", sa.text("labels DESC"), "grp", "key"],
    )
    op.create_table(
        "analytics_groups",
        sa.Column("kind", sa.Text(collation="C"), primary_key=True),
        sa.Column("grp", sa.Text(collation="C"), primary_key=True),
        sa.Column("key_count", sa.Integer(), nullable=False),
    )
    op.create_table(
        "analytics_stems",
        sa.Column("kind", sa.Text(collation="C"), primary_key=True),
        sa.Column("stem", sa.Text(collation="C"), primary_key=True),
        sa.Column("moieties", sa.Integer(), nullable=False),
        sa.Column("names_sum", sa.Integer(), nullable=False),
        sa.Column("labels_sum", sa.BigInteger(), nullable=False),
        sa.Column("examples", ARRAY(sa.Text()), nullable=False),
    )
    op.execute(FUNCTIONS)
    for table, function in TRIGGERS.items():
        op.execute(
            f"CREATE TRIGGER {table}_analytics_inserts AFTER INSERT ON {table} "
            "REFERENCING NEW TABLE AS new_rows "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {function}()"
        )
        op.execute(
            f"CREATE TRIGGER {table}_analytics_updates AFTER UPDATE ON {table} "
            "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {function}()"
        )
        op.execute(
            f"CREATE TRIGGER {table}_analytics_deletes AFTER DELETE ON {table} "
            "REFERENCING OLD TABLE AS old_rows "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {function}()"
        )
    op.execute(
        "CREATE TRIGGER drug_classes_analytics_updates AFTER UPDATE ON drug_classes "
        "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "
        "FOR EACH STATEMENT EXECUTE FUNCTION analytics_note_classes()"
    )
    for table in (*TRIGGERS, "drug_classes"):
        op.execute(
            f"CREATE TRIGGER {table}_analytics_truncates AFTER TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION analytics_note_truncate()"
        )
    op.execute("INSERT INTO analytics_dirty (drug_id) SELECT id FROM drugs")


def downgrade():
    for table in (*TRIGGERS, "drug_classes"):
        for event in ("inserts", "updates", "deletes", "truncates"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_analytics_{event} ON {table}")
    for function in (
        "analytics_note_rows",
        "analytics_note_drugs",
        "analytics_note_classes",
        "analytics_note_truncate",
    ):
        op.execute(f"DROP FUNCTION {function}()")
    for table in (
        "analytics_stems",
        "analytics_groups",
        "analytics_counts",
        "analytics_contributions",
        "analytics_dirty",
        "analytics_dirty_classes",
    ):
        op.drop_table(table)
