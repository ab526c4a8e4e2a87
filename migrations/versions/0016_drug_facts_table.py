"""drug_facts: the per-drug facts the analyses count, in a narrow table of their own

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01

Migration 0014 kept the six facts (`generic_names`, `name_moieties`, `moieties`, `brand_names`,
`dosage_forms`, `title_terms`) as columns of `drugs`. That widened the drugs heap from 86 to
131 MB, beyond the embedded server's 128 MB of shared buffers, and every analysis scans `drugs`
(fillfactor 50, JSONB source values) only to reach them. They move to `drug_facts` (one row per
drug, ON DELETE CASCADE), which the analyses read alone, leaving archived drugs out by id.

The database keeps them, whoever writes, as before:

- `drug_facts_follow_drug` (AFTER INSERT OR UPDATE on `drugs`): a new drug gets its row; a
  drug whose generic name, brand name, dosage form or title changed has its row rewritten.
  Rows whose fields do not change cost a comparison (a sync rewrites every seen row).
- `drug_facts_from_drug` (BEFORE INSERT OR UPDATE on `drug_facts`): every fact is computed
  from the drug's fields, so a write of a fact itself cannot make it disagree with them.

The functions deriving a fact (`analytics_names`, `analytics_name_moieties`,
`analytics_moieties`, `analytics_title_terms`) are 0014's. The drugs heap is rewritten
(CLUSTER, then the clustering mark removed) so the dropped columns' space is given back.
Downgrade restores 0014's columns, their trigger and their values.
"""

import importlib.util
from pathlib import Path

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def _migration_0014():
    path = Path(__file__).with_name("0014_analytics_drug_facts.py")
    spec = importlib.util.spec_from_file_location("migration_0014", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


FACTS_FROM_DRUG = r"""
CREATE FUNCTION analytics_facts_from_drug() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  drug record;
BEGIN
  SELECT generic_name, brand_name, dosage_form, title INTO drug FROM drugs WHERE id = NEW.drug_id;
  NEW.generic_names := analytics_names(drug.generic_name);
  NEW.name_moieties := analytics_name_moieties(drug.generic_name);
  NEW.moieties := analytics_moieties(NEW.name_moieties);
  NEW.brand_names := analytics_names(drug.brand_name);
  NEW.dosage_forms := analytics_names(drug.dosage_form);
  NEW.title_terms := analytics_title_terms(drug.title);
  RETURN NEW;
END
$$;

CREATE FUNCTION analytics_facts_follow_drug() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' THEN
    IF NEW.generic_name IS NOT DISTINCT FROM OLD.generic_name
       AND NEW.brand_name IS NOT DISTINCT FROM OLD.brand_name
       AND NEW.dosage_form IS NOT DISTINCT FROM OLD.dosage_form
       AND NEW.title IS NOT DISTINCT FROM OLD.title THEN
      RETURN NULL;
    END IF;
    UPDATE drug_facts SET drug_id = NEW.id WHERE drug_id = NEW.id;
    IF FOUND THEN
      RETURN NULL;
    END IF;
  END IF;
  INSERT INTO drug_facts (drug_id) VALUES (NEW.id);
  RETURN NULL;
END
$$;

CREATE TRIGGER drug_facts_from_drug BEFORE INSERT OR UPDATE ON drug_facts
FOR EACH ROW EXECUTE FUNCTION analytics_facts_from_drug();

CREATE TRIGGER drug_facts_follow_drug
AFTER INSERT OR UPDATE OF generic_name, brand_name, dosage_form, title ON drugs
FOR EACH ROW EXECUTE FUNCTION analytics_facts_follow_drug();
"""


def _fact_column(name: str) -> sa.Column:
    return sa.Column(
        name, postgresql.ARRAY(sa.Text()), nullable=False, server_default=sa.text("'{}'::text[]")
    )


def upgrade():
    facts = _migration_0014().FACTS
    op.create_table(
        "drug_facts",
        sa.Column(
            "drug_id",
            sa.Integer(),
            sa.ForeignKey("drugs.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        *(_fact_column(name) for name in facts),
    )
    op.execute("DROP TRIGGER drugs_analytics_facts ON drugs")
    op.execute("DROP FUNCTION analytics_drug_facts()")
    # The values 0014 computed are right (its trigger kept them): copied, not derived again.
    op.execute(
        f"INSERT INTO drug_facts (drug_id, {', '.join(facts)}) "
        f"SELECT id, {', '.join(facts)} FROM drugs"
    )
    op.execute(FACTS_FROM_DRUG)  # after the copy: the BEFORE trigger would derive each again
    for name in facts:
        op.drop_column("drugs", name)
    op.execute("CLUSTER drugs USING drugs_pkey")  # rewrites the heap without the dropped columns
    op.execute("ALTER TABLE drugs SET WITHOUT CLUSTER")


def downgrade():
    migration_0014 = _migration_0014()
    facts = migration_0014.FACTS
    for name in facts:
        op.add_column("drugs", _fact_column(name))
    op.execute("DROP TRIGGER drug_facts_follow_drug ON drugs")
    op.execute("DROP TRIGGER drug_facts_from_drug ON drug_facts")
    op.execute("DROP FUNCTION analytics_facts_follow_drug()")
    op.execute("DROP FUNCTION analytics_facts_from_drug()")
    op.execute(
        f"UPDATE drugs SET {', '.join(f'{name} = f.{name}' for name in facts)} "
        "FROM drug_facts f WHERE f.drug_id = drugs.id"
    )
    op.execute(migration_0014.TRIGGER_FUNCTION)
    op.execute(migration_0014.TRIGGER)
    op.drop_table("drug_facts")
