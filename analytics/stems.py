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

from typing import Any

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
KINDS = ("prefix", "suffix")


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
    """(drug_id, name, moiety): the active moiety of each ingredient each generic name names.
    Names are split once per distinct name (few), not once per label."""
    names = generic_names(filters).select().cte("label_names")
    distinct_names = sa.select(names.c.name).distinct().subquery("distinct_names")
    ingredients = sa.select(
        distinct_names.c.name,
        sa.func.regexp_split_to_table(distinct_names.c.name, INGREDIENT_SEPARATOR).label(
            "ingredient"
        ),
    ).subquery("ingredients")
    moiety = sa.func.substring(ingredients.c.ingredient, MOIETY)
    split = (
        sa.select(ingredients.c.name, moiety.label("moiety"))
        .where(moiety.is_not(None))
        .subquery("split")
    )
    return (
        sa.select(names.c.drug_id, names.c.name, split.c.moiety)
        .join(split, split.c.name == names.c.name)
        .subquery("moieties")
    )


def stems(filters: Filters) -> dict[str, tuple[list[dict[str, Any]], int]]:
    """For "prefix" and "suffix": the TOP_STEMS stems shared by most distinct generic names
    ([{stem, names, labels, examples}]) and how many stems there are. Stems are cut from the
    distinct moieties (few) and only the shared ones are matched back to the labels."""
    found = moieties(filters).select().cte("found")
    lengths = (
        sa.values(sa.column("kind", sa.Text), sa.column("length", sa.Integer), name="lengths")
        .data([(kind, n) for kind in KINDS for n in STEM_LENGTHS])
        .alias("lengths")
    )
    distinct_moieties = sa.select(found.c.moiety).distinct().subquery("distinct_moieties")
    moiety = distinct_moieties.c.moiety
    cut = sa.case(
        (lengths.c.kind == "prefix", sa.func.left(moiety, lengths.c.length)),
        else_=sa.func.right(moiety, lengths.c.length),
    )
    moiety_stems = (
        sa.select(moiety, lengths.c.kind, cut.label("stem"))
        .select_from(distinct_moieties)
        .join(lengths, sa.func.char_length(moiety) >= lengths.c.length + MIN_REST)
        .cte("moiety_stems")
    )
    named = sa.select(found.c.name, found.c.moiety).distinct().subquery("named")
    shared = (
        sa.select(
            moiety_stems.c.kind,
            moiety_stems.c.stem,
            sa.func.count(sa.distinct(named.c.name)).label("names"),
            sa.func.array_agg(aggregate_order_by(sa.distinct(named.c.name), named.c.name)).label(
                "examples"
            ),
        )
        .join(named, named.c.moiety == moiety_stems.c.moiety)
        .group_by(moiety_stems.c.kind, moiety_stems.c.stem)
        .having(sa.func.count(sa.distinct(named.c.moiety)) >= 2)
        .cte("shared")
    )
    labelled_pairs = (
        sa.select(moiety_stems.c.kind, moiety_stems.c.stem, found.c.drug_id)
        .join(found, found.c.moiety == moiety_stems.c.moiety)
        .join(
            shared,
            sa.and_(shared.c.kind == moiety_stems.c.kind, shared.c.stem == moiety_stems.c.stem),
        )
        .distinct()
        .subquery("labelled_pairs")
    )
    labelled = (
        sa.select(labelled_pairs.c.kind, labelled_pairs.c.stem, sa.func.count().label("labels"))
        .group_by(labelled_pairs.c.kind, labelled_pairs.c.stem)
        .subquery("labelled")
    )
    longer = shared.alias("longer")
    stem_length = sa.func.char_length(shared.c.stem)
    longer_part = sa.case(
        (shared.c.kind == "prefix", sa.func.left(longer.c.stem, stem_length)),
        else_=sa.func.right(longer.c.stem, stem_length),
    )
    covered = (
        sa.exists()
        .where(
            longer.c.kind == shared.c.kind,
            sa.func.char_length(longer.c.stem) > stem_length,
            longer_part == shared.c.stem,
            longer.c.names == shared.c.names,
        )
        .correlate(shared)
    )
    order = (shared.c.names.desc(), labelled.c.labels.desc(), stem_length.desc(), shared.c.stem)
    ranked = (
        sa.select(
            shared.c.kind,
            shared.c.stem,
            shared.c.names,
            shared.c.examples,
            labelled.c.labels,
            sa.func.row_number().over(partition_by=shared.c.kind, order_by=order).label("rank"),
            sa.func.count().over(partition_by=shared.c.kind).label("total"),
        )
        .join(labelled, sa.and_(labelled.c.kind == shared.c.kind, labelled.c.stem == shared.c.stem))
        .where(~covered)
        .subquery("ranked")
    )
    rows = db.session.execute(
        sa.select(ranked).where(ranked.c.rank <= TOP_STEMS).order_by(ranked.c.kind, ranked.c.rank)
    )
    result: dict[str, tuple[list[dict[str, Any]], int]] = {kind: ([], 0) for kind in KINDS}
    for row in rows:
        items, _total = result[row.kind]
        items.append(
            {
                "stem": row.stem,
                "names": row.names,
                "labels": row.labels,
                "examples": row.examples[:EXAMPLES],
            }
        )
        result[row.kind] = (items, row.total)
    return result
