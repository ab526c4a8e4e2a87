"""The stems generic names share — suffixes such as -PRIL, -OLOL, -STATIN, -AZOLE, -MAB and
prefixes alike — counted in SQL over the distinct generic names in scope.

A name's stems are read on its active moieties: the first word of each ingredient it names
(ingredients split at " AND " and commas; salts and esters follow the moiety: METOPROLOL
TARTRATE → METOPROLOL, LISINOPRIL AND HYDROCHLOROTHIAZIDE → LISINOPRIL, HYDROCHLOROTHIAZIDE),
as the database derives them (`drug_facts.moieties`, `analytics.facts`).
Every ending (or beginning) of STEM_LENGTHS letters leaving MIN_REST letters of the moiety is a
candidate; a candidate is kept when at least two distinct moieties share it, and dropped when
a longer stem containing it is shared by exactly the same names (so -OLOL is shown, not also
-LOL, unless -LOL reaches more names)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import aggregate_order_by

from analytics.facts import unnested
from analytics.filters import Filters
from database import db

STEM_LENGTHS = range(3, 8)  # letters in a stem
MIN_REST = 3  # letters of the moiety a stem must leave: a stem is a part, not the name
TOP_STEMS = 20
EXAMPLES = 5
KINDS = ("prefix", "suffix")


def label_moieties(filters: Filters) -> sa.Subquery:
    """(drug_id, moiety): each distinct active moiety of each label in scope, as the database
    keeps it per drug (`drug_facts.moieties`, `analytics.facts`)."""
    return unnested("moieties", "moiety", filters).subquery("label_moieties")


def name_moieties(filters: Filters) -> sa.Subquery:
    """(name, moiety): each distinct generic name in scope with each of its moieties, read off
    the pairs the database keeps per label (`drug_facts.name_moieties`, "NAME<tab>MOIETY")."""
    each = unnested("name_moieties", "pair", filters).subquery("each")
    pairs = sa.select(each.c.pair).distinct().subquery("pairs")
    return sa.select(
        sa.func.split_part(pairs.c.pair, "\t", 1).label("name"),
        sa.func.split_part(pairs.c.pair, "\t", 2).label("moiety"),
    ).subquery("name_moieties")


def stems(filters: Filters) -> dict[str, tuple[list[dict[str, Any]], int]]:
    """For "prefix" and "suffix": the TOP_STEMS stems shared by most distinct generic names
    ([{stem, names, labels, examples}]) and how many stems there are.

    Each distinct name's stems are cut from its own moieties (a few per name) and deduplicated
    there, so the names per stem are a count over small groups, not a DISTINCT over every
    (stem, name) pair. Labels only break ties, so they (the costly part: every label of every
    moiety of a stem) and the examples are found for the candidates alone: the stems with at
    least as many names as the TOP_STEMS-th."""
    found = label_moieties(filters).select().cte("found").prefix_with("MATERIALIZED")
    named = name_moieties(filters).select().cte("named").prefix_with("MATERIALIZED")
    lengths = (
        sa.values(sa.column("kind", sa.Text), sa.column("length", sa.Integer), name="lengths")
        .data([(kind, n) for kind in KINDS for n in STEM_LENGTHS])
        .alias("lengths")
    )

    def cut(moiety: sa.ColumnElement[str]) -> sa.ColumnElement[str]:
        return sa.case(
            (lengths.c.kind == "prefix", sa.func.left(moiety, lengths.c.length)),
            else_=sa.func.right(moiety, lengths.c.length),
        )

    def long_enough(moiety: sa.ColumnElement[str]) -> sa.ColumnElement[bool]:
        return sa.func.char_length(moiety) >= lengths.c.length + MIN_REST

    # One row per (moiety, kind, stem): a moiety has one stem per kind and length.
    distinct_moieties = sa.select(named.c.moiety).distinct().subquery("distinct_moieties")
    moiety = distinct_moieties.c.moiety
    moiety_stems = (
        sa.select(moiety, lengths.c.kind, cut(moiety).label("stem"))
        .select_from(distinct_moieties)
        .join(lengths, long_enough(moiety))
        .cte("moiety_stems")
    )
    two_moieties = (
        sa.select(moiety_stems.c.kind, moiety_stems.c.stem)
        .group_by(moiety_stems.c.kind, moiety_stems.c.stem)
        .having(sa.func.count() >= 2)
        .subquery("two_moieties")
    )
    grouped_names = (
        sa.select(named.c.name, sa.func.array_agg(named.c.moiety).label("moieties"))
        .group_by(named.c.name)
        .subquery("grouped_names")
    )
    each = sa.func.unnest(grouped_names.c.moieties).table_valued("moiety").render_derived("each")
    name_stems = (
        sa.select(lengths.c.kind, cut(each.c.moiety).label("stem"))
        .select_from(each)
        .join(lengths, long_enough(each.c.moiety))
        .distinct()
        .lateral("name_stems")
    )
    names_per_stem = (
        sa.select(name_stems.c.kind, name_stems.c.stem, sa.func.count().label("names"))
        .select_from(grouped_names)
        .join(name_stems, sa.true())
        .group_by(name_stems.c.kind, name_stems.c.stem)
        .subquery("names_per_stem")
    )
    shared = (
        sa.select(names_per_stem)
        .join(
            two_moieties,
            sa.and_(
                two_moieties.c.kind == names_per_stem.c.kind,
                two_moieties.c.stem == names_per_stem.c.stem,
            ),
        )
        .cte("shared")
    )
    # A stem is covered when a longer stem containing it is shared by exactly the same names
    # (a longer stem's names are among the shorter's, so the same count means the same names):
    # each shared stem lists the shorter stems it contains, and an anti-join on equality drops
    # them (a hash join, not a comparison of every pair of stems).
    shorter = sa.func.generate_series(STEM_LENGTHS.start, sa.func.char_length(shared.c.stem) - 1)
    sizes = shorter.table_valued("size").render_derived("sizes")
    contained = sa.case(
        (shared.c.kind == "prefix", sa.func.left(shared.c.stem, sizes.c.size)),
        else_=sa.func.right(shared.c.stem, sizes.c.size),
    )
    covered = (
        sa.select(shared.c.kind, contained.label("stem"), shared.c.names)
        .select_from(shared)
        .join(sizes, sa.true())
        .subquery("covered")
    )
    kept = (
        sa.select(shared)
        .outerjoin(
            covered,
            sa.and_(
                covered.c.kind == shared.c.kind,
                covered.c.stem == shared.c.stem,
                covered.c.names == shared.c.names,
            ),
        )
        .where(covered.c.kind.is_(None))
        .subquery("kept")
    )
    # The candidates: every stem with at least as many names as the TOP_STEMS-th (rank, not
    # row_number, so ties at the cut are all in), each with a number for cheap grouping.
    by_names = sa.select(
        kept,
        sa.func.rank().over(partition_by=kept.c.kind, order_by=kept.c.names.desc()).label("place"),
        sa.func.count().over(partition_by=kept.c.kind).label("total"),
        sa.func.row_number().over().label("id"),
    ).subquery("by_names")
    candidates = sa.select(by_names).where(by_names.c.place <= TOP_STEMS).cte("candidates")
    candidate_moieties = (
        sa.select(candidates.c.id, moiety_stems.c.moiety)
        .join(
            moiety_stems,
            sa.and_(
                moiety_stems.c.kind == candidates.c.kind, moiety_stems.c.stem == candidates.c.stem
            ),
        )
        .cte("candidate_moieties")
    )
    labelled_pairs = (
        sa.select(candidate_moieties.c.id, found.c.drug_id)
        .join(found, found.c.moiety == candidate_moieties.c.moiety)
        .distinct()
        .subquery("labelled_pairs")
    )
    labelled = (
        sa.select(labelled_pairs.c.id, sa.func.count().label("labels"))
        .group_by(labelled_pairs.c.id)
        .subquery("labelled")
    )
    example_names = (
        sa.select(candidate_moieties.c.id, named.c.name)
        .join(named, named.c.moiety == candidate_moieties.c.moiety)
        .distinct()
        .subquery("example_names")
    )
    examples = (
        sa.select(
            example_names.c.id,
            sa.func.array_agg(aggregate_order_by(example_names.c.name, example_names.c.name)).label(
                "examples"
            ),
        )
        .group_by(example_names.c.id)
        .subquery("examples")
    )
    order = (
        candidates.c.names.desc(),
        labelled.c.labels.desc(),
        sa.func.char_length(candidates.c.stem).desc(),
        candidates.c.stem,
    )
    ranked = (
        sa.select(
            candidates.c.kind,
            candidates.c.stem,
            candidates.c.names,
            candidates.c.total,
            examples.c.examples,
            labelled.c.labels,
            sa.func.row_number().over(partition_by=candidates.c.kind, order_by=order).label("rank"),
        )
        .join(labelled, labelled.c.id == candidates.c.id)
        .join(examples, examples.c.id == candidates.c.id)
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
