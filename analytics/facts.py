"""The per-drug facts the analyses count, kept by the database in `drug_facts` (migration 0016):
one row per drug, each fact an array derived from one of the drug's fields.

- `generic_names`, `brand_names`, `dosage_forms`: the distinct names `generic_name`,
  `brand_name` and `dosage_form` hold (several products' values joined by "; "), trimmed and
  upper-cased;
- `name_moieties`: each generic name with each active moiety it names, "NAME<tab>MOIETY" (a
  moiety is the first word of an ingredient: METOPROLOL TARTRATE → METOPROLOL), and
  `moieties`, the distinct moieties alone;
- `title_terms`: the distinct words of the title before the labeler in brackets, letters only,
  lower-cased, three letters or more.

Triggers keep them whoever writes a drug (a sync, a correction, a bulk edit, a revert), and a
write of a fact itself is derived again from the fields. The app never writes them: this is a
Core table, read by the analyses alone, joined to the filters' scope by `drug_id`."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY

from analytics.filters import Filters
from database import db

FACTS = ("generic_names", "name_moieties", "moieties", "brand_names", "dosage_forms", "title_terms")

drug_facts = sa.Table(
    "drug_facts",
    db.metadata,
    sa.Column(
        "drug_id", sa.Integer, sa.ForeignKey("drugs.id", ondelete="CASCADE"), primary_key=True
    ),
    *(
        sa.Column(name, ARRAY(sa.Text), nullable=False, server_default=sa.text("'{}'::text[]"))
        for name in FACTS
    ),
)


def unnested(fact: str, label: str, filters: Filters, *, sized: bool = False) -> sa.Select:
    """(drug_id, `label`): each element of `fact` of each drug the filters keep, one row each.

    Unfiltered, a scan of the facts leaving out the archived ids. Filtered, the scope drives:
    each kept drug's facts are fetched by id (a few thousand index probes), where the planner
    would otherwise hash the scope and scan every drug's facts (its costs assume a page read
    from disk; these are in memory). `sized` adds "size": how many elements the drug's fact
    holds."""
    column = drug_facts.c[fact]
    drug_id: sa.ColumnElement[int]
    values: sa.ColumnElement[Any]
    if not filters.active:
        drug_id, values = drug_facts.c.drug_id, column
        where = filters.keeps(drug_facts.c.drug_id)
    else:
        (drug_id,) = filters.drug_ids().subquery("ids").c
        values = sa.select(column).where(drug_facts.c.drug_id == drug_id).scalar_subquery()
        where = sa.true()
    size = [sa.func.cardinality(values).label("size")] if sized else []
    return sa.select(drug_id.label("drug_id"), sa.func.unnest(values).label(label), *size).where(
        where
    )
