"""The stems generic names share — suffixes such as -PRIL, -OLOL, -STATIN, -AZOLE, -MAB and
prefixes alike — counted in SQL over the distinct generic names in scope.

A name's stems are read on its active moieties: the first word of each ingredient it names
(ingredients split at " AND " and commas; salts and esters follow the moiety: METOPROLOL
TARTRATE → METOPROLOL, LISINOPRIL AND HYDROCHLOROTHIAZIDE → LISINOPRIL, HYDROCHLOROTHIAZIDE).
Every ending (or beginning) of STEM_LENGTHS letters leaving MIN_REST letters of the moiety is a
candidate; a candidate is kept when at least two distinct moieties share it, and dropped when
a longer stem containing it is shared by exactly the same names (so -OLOL is shown, not also
-LOL, unless -LOL reaches more names)."""

from __future__ import annotations

from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import aggregate_order_by

from analytics.filters import Filters
from database import db
from models import Drug

INGREDIENT_SEPARATOR = r"\s+AND\s+|\s*,\s*"
MOIETY = "^[A-Z]+"  # an ingredient's first word, letters only
SEPARATOR = "; "  # how a title's several products' names are joined (migration 0006)
STEM_LENGTHS = range(3, 8)  # letters in a stem
MIN_REST = 3  # letters of the moiety a stem must leave: a stem is a part, not the name
TOP_STEMS = 20
EXAMPLES = 5


def generic_names(filters: Filters) -> sa.Subquery:
    """(drug_id, name): each generic name of each label in scope, upper-cased and trimmed."""
    named = (
        sa.select(
            Drug.id.label("drug_id"),
            sa.func.upper(
                sa.func.trim(sa.func.unnest(sa.func.string_to_array(Drug.generic_name, SEPARATOR)))
            ).label("name"),
        )
        .where(filters.where(), Drug.generic_name.is_not(None))
        .subquery("named")
    )
    return sa.select(named).where(named.c.name != "").subquery("names")


def moieties(filters: Filters) -> sa.Subquery:
    """(drug_id, name, moiety): the active moiety of each ingredient each generic name names."""
    names = generic_names(filters)
    ingredients = (
        sa.select(
            names.c.drug_id,
            names.c.name,
            sa.func.regexp_split_to_table(names.c.name, INGREDIENT_SEPARATOR).label("ingredient"),
        )
    ).subquery("ingredients")
    moiety = sa.func.substring(ingredients.c.ingredient, MOIETY)
    return (
        sa.select(ingredients.c.drug_id, ingredients.c.name, moiety.label("moiety"))
        .where(moiety.is_not(None))
        .subquery("moieties")
    )


def stems(filters: Filters, kind: Literal["prefix", "suffix"]) -> tuple[list[dict[str, Any]], int]:
    """The TOP_STEMS stems of `kind` shared by most distinct generic names, and how many there
    are: [{stem, names, labels, examples}]."""
    names = moieties(filters)
    moiety = names.c.moiety
    lengths = (
        sa.func.generate_series(min(STEM_LENGTHS), max(STEM_LENGTHS))
        .table_valued("length")
        .render_derived(name="lengths")
    )
    length = lengths.c.length
    cut = sa.func.left if kind == "prefix" else sa.func.right
    candidates = (
        sa.select(
            names.c.drug_id,
            names.c.name,
            moiety,
            cut(moiety, length).label("stem"),
        )
        .select_from(names)
        .join(lengths, sa.func.char_length(moiety) >= length + MIN_REST)
        .subquery("candidates")
    )
    name_count = sa.func.count(sa.distinct(candidates.c.name))
    shared = (
        sa.select(
            candidates.c.stem,
            name_count.label("names"),
            sa.func.count(sa.distinct(candidates.c.drug_id)).label("labels"),
            sa.func.array_agg(
                aggregate_order_by(sa.distinct(candidates.c.name), candidates.c.name)
            ).label("examples"),
        )
        .group_by(candidates.c.stem)
        .having(sa.func.count(sa.distinct(candidates.c.moiety)) >= 2)
        .cte("shared")
    )
    longer = shared.alias("longer")
    stem_length = sa.func.char_length(shared.c.stem)
    covered = (
        sa.exists()
        .where(
            sa.func.char_length(longer.c.stem) > stem_length,
            cut(longer.c.stem, stem_length) == shared.c.stem,
            longer.c.names == shared.c.names,
        )
        .correlate(shared)
    )
    rows = db.session.execute(
        sa.select(shared, sa.func.count().over().label("total"))
        .where(~covered)
        .order_by(shared.c.names.desc(), shared.c.labels.desc(), stem_length.desc(), shared.c.stem)
        .limit(TOP_STEMS)
    ).all()
    items = [
        {
            "stem": row.stem,
            "names": row.names,
            "labels": row.labels,
            "examples": row.examples[:EXAMPLES],
        }
        for row in rows
    ]
    return items, rows[0].total if rows else 0
