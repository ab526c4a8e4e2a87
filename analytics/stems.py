"""The stems generic names share — suffixes such as -PRIL, -OLOL, -STATIN, -AZOLE, -MAB and
prefixes alike — counted in SQL over the distinct generic names in scope.

A name's stems are read on its active moieties: the first word of each ingredient it names
(ingredients split at " AND " and commas; salts and esters follow the moiety: METOPROLOL
TARTRATE → METOPROLOL, LISINOPRIL AND HYDROCHLOROTHIAZIDE → LISINOPRIL, HYDROCHLOROTHIAZIDE),
as the database derives them (`drug_facts.moieties`, `analytics.facts`).
Every ending (or beginning) of STEM_LENGTHS letters leaving MIN_REST letters of the moiety is a
candidate; a candidate is kept when at least two distinct moieties share it, and dropped when
a longer stem containing it is shared by exactly the same names (so -OLOL is shown, not also
-LOL, unless -LOL reaches more names).

How names (and labels) are counted per stem without listing every (name, stem) pair — 29,000
names × about 21 stems each is 625,000 rows to hash, which made this analysis slower than
reading every drug into Python: a stem's names are the sum, over the moieties having the stem,
of the names naming each moiety, less the names counted twice. A name is counted twice for a
stem only when two of its own moieties have it (HYDROXYZINE AND HYDRALAZINE for -INE), and
those two then share the stem's first (prefix) or last (suffix) STEM_LENGTHS.start letters, its
root: so the repeats are counted on the few (name, root) pairs held by two moieties or more
(`_repeats`). Labels are counted the same way, for the stems listed."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import aggregate_order_by

from analytics import kept
from analytics.facts import unnested
from analytics.filters import Filters
from analytics.stem_rules import EXAMPLES, KINDS, MIN_REST, STEM_LENGTHS
from database import db

TOP_STEMS = 20


def label_moieties(filters: Filters) -> sa.Subquery:
    """(drug_id, moiety, size): each distinct active moiety of each label in scope, as the
    database keeps it per drug (`drug_facts.moieties`, `analytics.facts`), and how many the
    label has."""
    return unnested("moieties", "moiety", filters, sized=True).subquery("label_moieties")


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

    Names and labels per stem are sums over the moieties having the stem, less the repeats
    (the module's docstring). Labels only break ties, so they and the examples are found for
    the candidates alone: the stems with at least as many names as the TOP_STEMS-th."""
    found = label_moieties(filters).select().cte("found").prefix_with("MATERIALIZED")
    named = name_moieties(filters).select().cte("named").prefix_with("MATERIALIZED")
    labels_of = (
        sa.select(found.c.moiety, sa.func.count().label("labels"))
        .group_by(found.c.moiety)
        .subquery("labels_of")
    )
    names_of = (
        sa.select(named.c.moiety, sa.func.count().label("names"))
        .group_by(named.c.moiety)
        .subquery("names_of")
    )
    # A label with one moiety is never counted twice.
    several = sa.select(found).where(found.c.size > 1).subquery("several")
    moiety_stems = _moiety_stems(names_of, labels_of)
    ms = moiety_stems.c
    # Per stem shared by two moieties or more: the sums over its moieties.
    summed = (
        sa.select(
            ms.kind,
            ms.stem,
            sa.func.sum(ms.names).label("names"),
            sa.func.sum(ms.labels).label("labels"),
        )
        .group_by(ms.kind, ms.stem)
        .having(sa.func.count() >= 2)
        .subquery("summed")
    )
    named_twice = _repeats(named, named.c.name)
    shared = (
        sa.select(
            summed.c.kind,
            summed.c.stem,
            sa.cast(summed.c.names - sa.func.coalesce(named_twice.c.extra, 0), sa.Integer).label(
                "names"
            ),
            summed.c.labels,
        )
        .outerjoin(named_twice, _same_stem(named_twice, summed))
        .cte("shared")
    )
    return _top(
        shared,
        lambda candidates: _repeats(several, several.c.drug_id, only=candidates),
        lambda candidates: _examples(named, moiety_stems, candidates),
    )


def kept_stems() -> dict[str, tuple[list[dict[str, Any]], int]]:
    """`stems` unfiltered, from the stems the database keeps (`analytics.kept`: per stem its
    moieties, the sums of their names and labels, its first names) less the repeats kept per
    stem — a few thousand kept rows, not every label's facts. Stems in the database's
    collation, as the facts are."""
    k, c = kept.stems.c, kept.counts.c
    text_part = functools.partial(sa.func.split_part, c.key, "\t")
    named_twice = (
        sa.select(
            c.grp.label("kind"),
            text_part(1).label("stem"),
            sa.func.sum(sa.cast(text_part(3), sa.Integer)).label("extra"),
        )
        .where(c.kind == "stem_name_repeat")
        .group_by(c.grp, text_part(1))
        .subquery("named_twice")
    )
    shared = (
        sa.select(
            k.kind.collate("default").label("kind"),
            k.stem.collate("default").label("stem"),
            sa.cast(k.names_sum - sa.func.coalesce(named_twice.c.extra, 0), sa.Integer).label(
                "names"
            ),
            k.labels_sum.label("labels"),
            k.examples,
        )
        .outerjoin(
            named_twice,
            sa.and_(named_twice.c.kind == k.kind, named_twice.c.stem == k.stem),
        )
        .where(k.moieties >= 2)
        .cte("shared")
    )
    labelled_twice = (
        sa.select(
            c.grp.collate("default").label("kind"),
            c.key.collate("default").label("stem"),
            c.weight.label("extra"),
        )
        .where(c.kind == "stem_label_repeat")
        .subquery("labelled_twice")
    )
    return _top(
        shared,
        lambda candidates: labelled_twice,
        lambda candidates: sa.select(candidates.c.id, candidates.c.examples).subquery("examples"),
    )


def _top(
    shared: sa.CTE,
    labelled_twice_of: Callable[[sa.CTE], sa.Subquery],
    examples_of: Callable[[sa.CTE], sa.Subquery],
) -> dict[str, tuple[list[dict[str, Any]], int]]:
    """From the stems shared by two moieties or more (`shared`: kind, stem, names, labels — the
    labels before their repeats — and any other columns), those not covered by a longer one,
    ranked: the TOP_STEMS of each kind with their labels (less `labelled_twice_of(candidates)`:
    kind, stem, extra) and examples (`examples_of(candidates)`: id, examples), and how many."""
    # A stem is covered when a longer stem containing it is shared by exactly the same names
    # (a longer stem's names are among the shorter's, so the same count means the same names):
    # each shared stem lists the shorter stems it contains, and an anti-join on equality drops
    # them (a hash join, not a comparison of every pair of stems).
    shorter = sa.func.generate_series(STEM_LENGTHS.start, sa.func.char_length(shared.c.stem) - 1)
    sizes = shorter.table_valued("size").render_derived("sizes")
    covered = (
        sa.select(shared.c.kind, _cut(shared.c.kind, shared.c.stem, sizes.c.size).label("stem"),
                  shared.c.names)
        .select_from(shared)
        .join(sizes, sa.true())
        .subquery("covered")
    )  # fmt: skip
    standing = (
        sa.select(shared)
        .outerjoin(covered, sa.and_(_same_stem(covered, shared), covered.c.names == shared.c.names))
        .where(covered.c.kind.is_(None))
        .subquery("standing")
    )
    # The candidates: every stem with at least as many names as the TOP_STEMS-th (rank, not
    # row_number, so ties at the cut are all in), each with a number for cheap grouping.
    by_names = sa.select(
        standing,
        sa.func.rank()
        .over(partition_by=standing.c.kind, order_by=standing.c.names.desc())
        .label("place"),
        sa.func.count().over(partition_by=standing.c.kind).label("total"),
        sa.func.row_number().over().label("id"),
    ).subquery("by_names")
    candidates = sa.select(by_names).where(by_names.c.place <= TOP_STEMS).cte("candidates")
    labelled_twice = labelled_twice_of(candidates)
    labels = sa.cast(candidates.c.labels - sa.func.coalesce(labelled_twice.c.extra, 0), sa.Integer)
    examples = examples_of(candidates)
    order = (
        candidates.c.names.desc(),
        labels.desc(),
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
            labels.label("labels"),
            sa.func.row_number().over(partition_by=candidates.c.kind, order_by=order).label("rank"),
        )
        .outerjoin(labelled_twice, _same_stem(labelled_twice, candidates))
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


def _cut(
    kind: sa.ColumnElement[str], moiety: sa.ColumnElement[str], length: Any
) -> sa.ColumnElement[str]:
    """The stem of `kind` ("prefix" or "suffix") and `length` letters of `moiety`."""
    return sa.case(
        (kind == "prefix", sa.func.left(moiety, length)), else_=sa.func.right(moiety, length)
    )


def _same_stem(one: sa.FromClause, other: sa.FromClause) -> sa.ColumnElement[bool]:
    return sa.and_(one.c.kind == other.c.kind, one.c.stem == other.c.stem)


def _moiety_stems(names_of: sa.Subquery, labels_of: sa.Subquery) -> sa.CTE:
    """(moiety, kind, length, stem, root, names, labels): each distinct moiety in scope with
    each of its stems, the stem's root (its first or last STEM_LENGTHS.start letters), and how
    many names and labels name the moiety. A few rows per moiety (37,000 for 3,900 moieties)."""
    lengths = (
        sa.values(sa.column("kind", sa.Text), sa.column("length", sa.Integer), name="lengths")
        .data([(kind, n) for kind in KINDS for n in STEM_LENGTHS])
        .alias("lengths")
    )
    moiety = names_of.c.moiety
    return (
        sa.select(
            moiety,
            lengths.c.kind,
            lengths.c.length,
            _cut(lengths.c.kind, moiety, lengths.c.length).label("stem"),
            _cut(lengths.c.kind, moiety, STEM_LENGTHS.start).label("root"),
            names_of.c.names,
            sa.func.coalesce(labels_of.c.labels, 0).label("labels"),
        )
        .select_from(names_of)
        .join(lengths, _long_enough(moiety, lengths.c.length))
        .outerjoin(labels_of, labels_of.c.moiety == moiety)
        .cte("moiety_stems")
        .prefix_with("MATERIALIZED")
    )


def _repeats(
    pairs: sa.FromClause, owner: sa.ColumnElement[Any], only: sa.CTE | None = None
) -> sa.Subquery:
    """(kind, stem, extra): how many times too often the owners (names or labels) of `pairs`
    (owner, moiety) are counted for each stem when their moieties' counts are summed: an owner
    with n moieties having the stem is counted n - 1 times too often. Only an owner holding two
    moieties of one root can be, so those (owner, kind, root) are found first, one grouping of
    the pairs' roots, and their moieties' stems are cut for them alone. `only`: the stems
    (kind, stem) wanted, when not every one is.

    Stems and roots are cut here, not joined from `_moiety_stems`: the planner cannot know how
    many rows a CTE holds, and took a nested loop over one (8 CPU s)."""
    moiety = pairs.c.moiety
    roots = {kind: _bytewise(_cut(sa.literal(kind), moiety, STEM_LENGTHS.start)) for kind in KINDS}
    # Grouped byte by byte ("C"): the planner, not knowing how many pairs there are, may group
    # them by sorting, and a sort in the database's own collation costs several times as much.
    # One grouping set per kind: each pair feeds both, read once.
    grouped_by = _bytewise(owner)
    crowded = (
        sa.select(
            grouped_by.label("owner"),
            *(root.label(kind) for kind, root in roots.items()),
            sa.func.array_agg(moiety).label("moieties"),
        )
        .where(_long_enough(moiety, STEM_LENGTHS.start))
        .group_by(sa.func.grouping_sets(*(sa.tuple_(grouped_by, root) for root in roots.values())))
        .having(sa.func.count() > 1)
    )
    if only is not None:
        wanted = [
            root.in_(
                sa.select(_cut(sa.literal(kind), only.c.stem, STEM_LENGTHS.start)).where(
                    only.c.kind == kind
                )
            )
            for kind, root in roots.items()
        ]
        crowded = crowded.where(sa.or_(*wanted))
    crowd = crowded.subquery("crowded")
    # A row is grouped by one kind's root, the other's NULL.
    kind = sa.case((crowd.c.prefix.is_not(None), "prefix"), else_="suffix")
    each = sa.func.unnest(crowd.c.moieties).table_valued("moiety").render_derived("each")
    lengths = _lengths().render_derived("lengths")
    stem = _cut(kind, each.c.moiety, lengths.c.length)
    per_owner = (
        sa.select(kind.label("kind"), stem.label("stem"), (sa.func.count() - 1).label("extra"))
        .select_from(crowd)
        .join(each, sa.true())
        .join(lengths, _long_enough(each.c.moiety, lengths.c.length))
        .group_by(crowd.c.owner, kind, stem)
        .having(sa.func.count() > 1)
        .subquery("per_owner")
    )
    return (
        sa.select(per_owner.c.kind, per_owner.c.stem, sa.func.sum(per_owner.c.extra).label("extra"))
        .group_by(per_owner.c.kind, per_owner.c.stem)
        .subquery("repeats")
    )


def _lengths() -> sa.TableValuedAlias:
    return sa.func.generate_series(STEM_LENGTHS.start, STEM_LENGTHS.stop - 1).table_valued("length")


def _long_enough(moiety: sa.ColumnElement[str], length: Any) -> sa.ColumnElement[bool]:
    """`moiety` has a stem of `length` letters (it leaves MIN_REST letters)."""
    return sa.func.char_length(moiety) >= length + MIN_REST


def _bytewise(column: sa.ColumnElement[Any]) -> sa.ColumnElement[Any]:
    """`column` compared byte by byte unless it is a number (text here: a name, a moiety, a
    root; the same groups, a cheaper sort)."""
    return column if isinstance(column.type, sa.Integer) else sa.collate(column, "C")


def _examples(named: sa.CTE, moiety_stems: sa.CTE, candidates: sa.CTE) -> sa.Subquery:
    """(id, examples): each candidate's first names in order, from the first EXAMPLES names of
    each of its moieties (the first names of a union are among its parts' first names)."""
    place = sa.func.row_number().over(partition_by=_bytewise(named.c.moiety), order_by=named.c.name)
    first = sa.select(named, place.label("place")).subquery("first_names")
    ms = moiety_stems.c
    example_names = (
        sa.select(candidates.c.id, first.c.name)
        .join(moiety_stems, _same_stem(moiety_stems, candidates))
        .join(first, sa.and_(first.c.moiety == ms.moiety, first.c.place <= EXAMPLES))
        .distinct()
        .subquery("example_names")
    )
    return (
        sa.select(
            example_names.c.id,
            sa.func.array_agg(aggregate_order_by(example_names.c.name, example_names.c.name)).label(
                "examples"
            ),
        )
        .group_by(example_names.c.id)
        .subquery("examples")
    )
