"""Look-alike names: pairs of distinct names of one kind — generic names compared on their active
moieties (`drug_facts.moieties`: METOPROLOL TARTRATE → METOPROLOL, so salts of one drug are
not look-alikes), brand names whole — whose pg_trgm similarity reaches LOOK_ALIKE_THRESHOLD
(HYDROXYZINE and HYDRALAZINE: 0.41), found through a GIN trigram index, never by comparing every
pair.

The names in scope, with their labels, go into a temporary table (dropped with the transaction).
An unfiltered analysis reads the pairs from a cache (`analytics_look_alike_names` with its
trigram index, `analytics_look_alike_pairs`, migration 0011): pairs depend on the names alone,
so the cache is brought in step first — names no longer stored are dropped with their pairs,
new names are added and probed against the index — and probing costs only the names that
changed since the last analysis (all of them the first time). A filtered analysis reads the
cached pairs among its names when the cache holds every one of them; otherwise (a name new
since the last unfiltered analysis) its names get a trigram index of their own and are paired
there."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as upsert

from analytics.facts import unnested
from analytics.filters import Filters
from database import db

LISTED = 50  # look-alike pairs listed; the summary counts them all
LOOK_ALIKE_THRESHOLD = 0.4
_IN_SCOPE = "analytics_look_alike_scope"  # the temporary table of the names in scope
_NEW = "analytics_look_alike_new"  # the temporary table of the names the cache lacks
_TRGM_INDEX = "analytics_look_alike_names_trgm"
_CACHE_LOCK = 0x0A11_7E5  # one transaction at a time brings the cache in step

cached_names = sa.Table(
    "analytics_look_alike_names",
    db.metadata,
    sa.Column("kind", sa.String(8), primary_key=True),
    sa.Column("name", sa.Text(), primary_key=True),
    sa.Index(
        _TRGM_INDEX,
        "name",
        postgresql_using="gin",
        postgresql_ops={"name": "gin_trgm_ops"},
    ),
)
cached_pairs = sa.Table(
    "analytics_look_alike_pairs",
    db.metadata,
    sa.Column("kind", sa.String(8), primary_key=True),
    sa.Column("name", sa.Text(), primary_key=True),
    sa.Column("other", sa.Text(), primary_key=True),
    sa.Column("similarity", sa.REAL(), nullable=False),
    sa.Index("analytics_look_alike_pairs_other", "kind", "other"),
)
_scope = sa.table(
    _IN_SCOPE, sa.column("kind", sa.Text), sa.column("name", sa.Text), sa.column("labels")
)
_new = sa.table(_NEW, sa.column("kind", sa.Text), sa.column("name", sa.Text))


def look_alike_names(filters: Filters) -> tuple[list[dict[str, Any]], int]:
    """Pairs of distinct names in scope similar by trigram, most similar first: [{name, other,
    kind, similarity, labels, other_labels}]; and how many pairs there are."""
    session = db.session
    _temporary(_IN_SCOPE, "kind text, name text, labels int")
    session.execute(sa.insert(_scope).from_select(["kind", "name", "labels"], _names(filters)))
    session.execute(sa.text(f"ANALYZE {_IN_SCOPE}"))
    # pg_trgm's setting exists once the module is loaded in this session: a call loads it.
    session.execute(sa.select(sa.func.similarity("", "")))
    previous = session.scalar(sa.text("SELECT current_setting('pg_trgm.similarity_threshold')"))
    _threshold(str(LOOK_ALIKE_THRESHOLD))
    if filters.active:
        rows = _paired_from_cache() if _cache_covers_scope() else _paired_in_scope()
    else:
        _bring_cache_in_step()
        rows = _paired_from_cache()
    _threshold(previous)  # leave the transaction as it was found: the default threshold
    session.execute(sa.text(f"DROP TABLE {_IN_SCOPE}"))
    items = [
        {
            "name": row.name,
            "other": row.other,
            "kind": row.kind,
            "similarity": round(float(row.similarity), 4),
            "labels": row.labels,
            "other_labels": row.other_labels,
        }
        for row in rows
    ]
    return items, rows[0].total if rows else 0


def _names(filters: Filters) -> sa.Select:
    """(kind, name, labels): each distinct name in scope and the labels naming it, counted on
    the distinct moieties and brand names the database keeps per label
    (`drug_facts.moieties`, `drug_facts.brand_names`, `analytics.facts`)."""
    generic = unnested("moieties", "name", filters).subquery("generic")
    brand = unnested("brand_names", "name", filters).subquery("brand")
    named = sa.union_all(
        sa.select(sa.literal("generic").label("kind"), generic.c.name),
        sa.select(sa.literal("brand"), brand.c.name),
    ).subquery("named")
    return sa.select(named.c.kind, named.c.name, sa.func.count()).group_by(
        named.c.kind, named.c.name
    )


def _paired_in_scope() -> Sequence[sa.Row[Any]]:
    """The pairs among the names in scope, by an indexed self-join on `%`."""
    db.session.execute(sa.text(f"CREATE INDEX ON {_IN_SCOPE} USING gin (name gin_trgm_ops)"))
    a, b = _scope.alias("a"), _scope.alias("b")
    similarity = sa.func.similarity(a.c.name, b.c.name)
    return _listed(
        sa.select(a.c.kind, a.c.name, b.c.name.label("other"), similarity.label("similarity"))
        .join(b, sa.and_(a.c.name.op("%")(b.c.name), a.c.kind == b.c.kind, a.c.name < b.c.name))
        .subquery("pairs")
    )


def _bring_cache_in_step() -> None:
    """Make the cached names the names in scope (all of them: unfiltered) and the cached pairs
    theirs: drop the names gone and their pairs; pair the new names with the cached ones (each
    new name probes the cache's index) and with each other (an index of their own), then add
    them to the cache."""
    session = db.session
    session.execute(sa.select(sa.func.pg_advisory_xact_lock(_CACHE_LOCK)))
    names, pairs = cached_names.c, cached_pairs.c

    def stored(kind: sa.ColumnElement[str], name: sa.ColumnElement[str]) -> sa.Exists:
        return sa.exists().where(_scope.c.kind == kind, _scope.c.name == name)

    session.execute(
        sa.delete(cached_pairs).where(
            sa.or_(~stored(pairs.kind, pairs.name), ~stored(pairs.kind, pairs.other))
        )
    )
    session.execute(sa.delete(cached_names).where(~stored(names.kind, names.name)))
    _temporary(_NEW, "kind text, name text")
    session.execute(
        sa.insert(_new).from_select(
            ["kind", "name"],
            sa.select(_scope.c.kind, _scope.c.name).except_(sa.select(names.kind, names.name)),
        )
    )
    if session.scalar(sa.select(sa.exists().select_from(_new))):
        session.execute(sa.text(f"CREATE INDEX ON {_NEW} USING gin (name gin_trgm_ops)"))
        session.execute(sa.text(f"ANALYZE {_NEW}"))
        session.execute(sa.text(f"ANALYZE {cached_names.name}"))
        known, a, b = cached_names.alias("known"), _new.alias("a"), _new.alias("b")
        new_with_known = sa.select(
            _new.c.kind,
            sa.func.least(_new.c.name, known.c.name),
            sa.func.greatest(_new.c.name, known.c.name),
            sa.func.similarity(_new.c.name, known.c.name),
        ).join(known, sa.and_(known.c.name.op("%")(_new.c.name), known.c.kind == _new.c.kind))
        new_with_new = sa.select(
            a.c.kind, a.c.name, b.c.name, sa.func.similarity(a.c.name, b.c.name)
        ).join(b, sa.and_(b.c.name.op("%")(a.c.name), b.c.kind == a.c.kind, a.c.name < b.c.name))
        for found in (new_with_known, new_with_new):
            session.execute(
                upsert(cached_pairs)
                .from_select(["kind", "name", "other", "similarity"], found)
                .on_conflict_do_nothing()
            )
        session.execute(sa.insert(cached_names).from_select(["kind", "name"], sa.select(_new)))
        # New entries wait in the GIN index's pending list, which every later probe would read
        # whole: merge them into the index now.
        session.execute(
            sa.select(sa.func.gin_clean_pending_list(sa.text(f"'{_TRGM_INDEX}'::regclass")))
        )
    session.execute(sa.text(f"DROP TABLE {_NEW}"))


def _cache_covers_scope() -> bool:
    """Every name in scope is in the cache. The cache holds every pair among its names, so the
    pairs among the names in scope are then the cached pairs whose two names are in scope
    (`_listed` keeps those): a filtered analysis reads them instead of pairing its names
    again. A name the cache lacks (new since the last unfiltered analysis) sends the filtered
    analysis back to pairing its names itself; it never writes the cache."""
    cached = sa.exists().where(
        cached_names.c.kind == _scope.c.kind, cached_names.c.name == _scope.c.name
    )
    return not db.session.scalar(sa.select(sa.exists().select_from(_scope).where(~cached)))


def _paired_from_cache() -> Sequence[sa.Row[Any]]:
    return _listed(
        sa.select(
            cached_pairs.c.kind,
            cached_pairs.c.name,
            cached_pairs.c.other,
            cached_pairs.c.similarity,
        ).subquery("pairs")
    )


def _listed(pairs: sa.Subquery) -> Sequence[sa.Row[Any]]:
    """The LISTED most similar pairs (then most labels), with each name's labels in scope and
    how many pairs there are."""
    a, b = _scope.alias("a"), _scope.alias("b")
    return db.session.execute(
        sa.select(
            pairs.c.kind,
            pairs.c.name,
            pairs.c.other,
            pairs.c.similarity,
            a.c.labels,
            b.c.labels.label("other_labels"),
            sa.func.count().over().label("total"),
        )
        .join(a, sa.and_(a.c.kind == pairs.c.kind, a.c.name == pairs.c.name))
        .join(b, sa.and_(b.c.kind == pairs.c.kind, b.c.name == pairs.c.other))
        .order_by(
            pairs.c.similarity.desc(),
            (a.c.labels + b.c.labels).desc(),
            pairs.c.name,
            pairs.c.other,
        )
        .limit(LISTED)
    ).all()


def _temporary(name: str, columns: str) -> None:
    db.session.execute(sa.text(f"DROP TABLE IF EXISTS pg_temp.{name}"))
    db.session.execute(sa.text(f"CREATE TEMPORARY TABLE {name} ({columns}) ON COMMIT DROP"))


def _threshold(value: str) -> None:
    db.session.execute(
        sa.text("SELECT set_config('pg_trgm.similarity_threshold', :value, true)"),
        {"value": value},
    )
