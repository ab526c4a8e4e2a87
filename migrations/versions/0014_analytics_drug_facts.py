"""drugs: the per-drug facts the analyses count, kept by the database itself

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01

Six derived columns of `drugs`, each a function of one of the drug's own fields, so the
analyses (names, network, text) count array elements instead of parsing 100,000 titles and
names on every run. The functions are PL/pgSQL loops over a few elements (a SQL function with a
subquery costs tens of microseconds a call, too much for a sync of 100,000 labels):

- `generic_names`, `brand_names`, `dosage_forms`: the distinct names `generic_name`,
  `brand_name` and `dosage_form` hold (several products' values joined by "; "), each trimmed
  and upper-cased (`analytics_names`);
- `name_moieties`: each generic name with each active moiety it names, as "NAME<tab>MOIETY": a
  moiety is the first word of an ingredient (ingredients split at " AND " and commas: METOPROLOL
  TARTRATE → METOPROLOL) (`analytics_name_moieties`); and `moieties`, the distinct moieties
  alone (`analytics_moieties`);
- `title_terms`: the distinct words of the title before the labeler in brackets, letters only,
  lower-cased, three letters or more (`analytics_title_terms`).

A trigger (`drugs_analytics_facts`, BEFORE INSERT OR UPDATE) recomputes a fact whenever its
field changes or the fact itself is written, whoever writes: a sync (COPY or UPDATE), a
person's correction, a bulk edit, a revert. Rows whose fields do not change cost a comparison,
so a sync rewriting every seen row parses nothing again. Archiving and restoring change none
of these fields (the analyses leave archived drugs out by `archived_at`). Existing rows are
filled here.

Three partial indexes: `drugs_unarchived` (the ids of the drugs every analysis counts, so a
count of them reads the index alone), `drugs_archived` (the few archived ids every statement
over codes, memberships and ingredients leaves out — `models.not_archived` — read from a tiny
index instead of a scan of every drug) and `ndc_codes_unrecognised` (the few codes that fit no NDC form,
listed by the ndc and quality analyses without scanning every code).
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

FACTS = ("generic_names", "name_moieties", "moieties", "brand_names", "dosage_forms", "title_terms")

FUNCTIONS = r"""
CREATE FUNCTION analytics_names(value text) RETURNS text[]
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
  part text;
  name text;
  found text[] := '{}';
BEGIN
  FOREACH part IN ARRAY coalesce(string_to_array(value, '; '), '{}') LOOP
    name := upper(trim(part));
    IF name <> '' AND NOT name = ANY(found) THEN
      found := found || name;
    END IF;
  END LOOP;
  RETURN found;
END
$$;

CREATE FUNCTION analytics_name_moieties(value text) RETURNS text[]
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
  name text;
  ingredient text;
  pair text;
  found text[] := '{}';
BEGIN
  FOREACH name IN ARRAY analytics_names(value) LOOP
    FOREACH ingredient IN ARRAY regexp_split_to_array(name, '\s+AND\s+|\s*,\s*') LOOP
      pair := name || E'\t' || substring(ingredient, '^[A-Z]+');
      IF pair IS NOT NULL AND NOT pair = ANY(found) THEN
        found := found || pair;
      END IF;
    END LOOP;
  END LOOP;
  RETURN found;
END
$$;

CREATE FUNCTION analytics_moieties(name_moieties text[]) RETURNS text[]
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
  pair text;
  moiety text;
  found text[] := '{}';
BEGIN
  FOREACH pair IN ARRAY name_moieties LOOP
    moiety := split_part(pair, E'\t', 2);
    IF NOT moiety = ANY(found) THEN
      found := found || moiety;
    END IF;
  END LOOP;
  RETURN found;
END
$$;

CREATE FUNCTION analytics_title_terms(title text) RETURNS text[]
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
  term text;
  found text[] := '{}';
BEGIN
  FOREACH term IN ARRAY coalesce(regexp_split_to_array(
      lower(regexp_replace(title, '\s*\[[^]]*\]\s*$', '')), '[^a-z]+'), '{}') LOOP
    IF char_length(term) >= 3 AND NOT term = ANY(found) THEN
      found := found || term;
    END IF;
  END LOOP;
  RETURN found;
END
$$;

"""

# (fact, the field it is derived from, the function deriving it) for the facts one field makes;
# the generic name makes three (its names, their moieties and the moieties alone) and is
# written out in TRIGGER_FUNCTION.
ONE_FIELD_FACTS = (
    ("brand_names", "brand_name", "analytics_names"),
    ("dosage_forms", "dosage_form", "analytics_names"),
    ("title_terms", "title", "analytics_title_terms"),
)


def _recompute(fact: str, field: str, function: str) -> str:
    """The trigger's block recomputing `fact` when `field` or the fact itself is written."""
    return (
        f"  IF TG_OP = 'INSERT' OR NEW.{field} IS DISTINCT FROM OLD.{field}\n"
        f"     OR NEW.{fact} IS DISTINCT FROM OLD.{fact} THEN\n"
        f"    NEW.{fact} := {function}(NEW.{field});\n"
        "  END IF;\n"
    )


TRIGGER_FUNCTION = (
    """
CREATE FUNCTION analytics_drug_facts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' OR NEW.generic_name IS DISTINCT FROM OLD.generic_name
     OR NEW.generic_names IS DISTINCT FROM OLD.generic_names
     OR NEW.name_moieties IS DISTINCT FROM OLD.name_moieties
     OR NEW.moieties IS DISTINCT FROM OLD.moieties THEN
    NEW.generic_names := analytics_names(NEW.generic_name);
    NEW.name_moieties := analytics_name_moieties(NEW.generic_name);
    NEW.moieties := analytics_moieties(NEW.name_moieties);
  END IF;
"""
    + "".join(_recompute(*fact) for fact in ONE_FIELD_FACTS)
    + """  RETURN NEW;
END
$$;
"""
)

FILL = """
UPDATE drugs SET generic_names = analytics_names(generic_name),
                 name_moieties = analytics_name_moieties(generic_name),
                 moieties = analytics_moieties(analytics_name_moieties(generic_name)),
                 brand_names = analytics_names(brand_name),
                 dosage_forms = analytics_names(dosage_form),
                 title_terms = analytics_title_terms(title)
"""

TRIGGER = """
CREATE TRIGGER drugs_analytics_facts BEFORE INSERT OR UPDATE ON drugs
FOR EACH ROW EXECUTE FUNCTION analytics_drug_facts()
"""


def upgrade():
    for name in FACTS:
        op.add_column(
            "drugs",
            sa.Column(
                name,
                postgresql.ARRAY(sa.Text()),
                nullable=False,
                server_default=sa.text("'{}'::text[]"),
            ),
        )
    op.execute(FUNCTIONS)
    op.execute(TRIGGER_FUNCTION)
    op.execute(FILL)  # before the trigger: each fact computed once
    op.execute(TRIGGER)
    op.create_index(
        "drugs_unarchived", "drugs", ["id"], postgresql_where=sa.text("archived_at IS NULL")
    )
    op.create_index(
        "drugs_archived", "drugs", ["id"], postgresql_where=sa.text("archived_at IS NOT NULL")
    )
    op.create_index(
        "ndc_codes_unrecognised",
        "ndc_codes",
        ["ndc"],
        postgresql_where=sa.text("ndc_format = 'unrecognised'"),
    )


def downgrade():
    op.drop_index("ndc_codes_unrecognised", table_name="ndc_codes")
    op.drop_index("drugs_archived", table_name="drugs")
    op.drop_index("drugs_unarchived", table_name="drugs")
    op.execute("DROP TRIGGER drugs_analytics_facts ON drugs")
    op.execute("DROP FUNCTION analytics_drug_facts()")
    op.execute("DROP FUNCTION analytics_title_terms(text)")
    op.execute("DROP FUNCTION analytics_moieties(text[])")
    op.execute("DROP FUNCTION analytics_name_moieties(text)")
    op.execute("DROP FUNCTION analytics_names(text)")
    for name in reversed(FACTS):
        op.drop_column("drugs", name)
