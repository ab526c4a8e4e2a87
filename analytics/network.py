"""The network analysis: pairs of classes that share labels (a self-join of the memberships),
labels linked through the package NDCs they share, and look-alike names.

Look-alike names are pairs of distinct names of one kind — generic names compared on their
active moieties (`analytics.stems.moieties`: METOPROLOL TARTRATE → METOPROLOL, so salts of one
drug are not look-alikes), brand names whole — whose pg_trgm similarity reaches LOOK_ALIKE_THRESHOLD
(HYDROXYZINE and HYDRALAZINE: 0.41). The distinct names in scope go into a temporary table
with a GIN trigram index, dropped when the request's transaction ends, and the pairs are found
by an indexed self-join on `%`: no permanent index and no comparison of every pair."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import aggregate_order_by

from analytics.filters import Filters
from analytics.stems import SEPARATOR, moieties
from database import db
from models import Drug, DrugClass, NdcCode, drug_class_memberships
from scraper.ndc import hyphenated

TOP_PAIRS = 20
LISTED = 50  # shared NDCs and look-alike pairs listed; the summary counts them all
LOOK_ALIKE_THRESHOLD = 0.4
TITLES = 5  # titles shown per shared NDC
_LOOK_ALIKES = "analytics_look_alike_names"

_members = drug_class_memberships.c


def analyze(filters: Filters) -> dict[str, Any]:
    class_pairs, class_pair_total = _class_pairs(filters)
    linked, linked_labels = _linked_labels(filters)
    look_alikes, look_alike_total = look_alike_names(filters)
    return {
        "summary": {
            "class_pairs": class_pair_total,
            "linked_labels": linked_labels,
            "look_alike_pairs": look_alike_total,
        },
        "data": {
            "class_pairs": class_pairs,
            "linked_labels": linked,
            "look_alike_names": look_alikes,
        },
    }


def _class_pairs(filters: Filters) -> tuple[list[dict[str, Any]], int]:
    """Pairs of classes holding the same labels in scope, most shared labels first."""
    first, second = drug_class_memberships.alias("first"), drug_class_memberships.alias("second")
    labels = sa.func.count()
    pairs = (
        sa.select(
            first.c.drug_class_id.label("a"),
            second.c.drug_class_id.label("b"),
            labels.label("labels"),
            sa.func.count().over().label("total"),
        )
        .join(
            second,
            sa.and_(
                second.c.drug_id == first.c.drug_id,
                second.c.drug_class_id > first.c.drug_class_id,
            ),
        )
        .where(filters.keeps(first.c.drug_id))
        .group_by(first.c.drug_class_id, second.c.drug_class_id)
        .order_by(labels.desc(), first.c.drug_class_id, second.c.drug_class_id)
        .limit(TOP_PAIRS)
    )
    rows = db.session.execute(pairs).all()
    ids = {row.a for row in rows} | {row.b for row in rows}
    classes = {
        c.id: {"id": c.id, "code": c.code, "name": c.name, "class_type": c.class_type}
        for c in db.session.execute(
            sa.select(DrugClass.id, DrugClass.code, DrugClass.name, DrugClass.class_type).where(
                DrugClass.id.in_(ids)
            )
        )
    }
    items = [{"a": classes[row.a], "b": classes[row.b], "labels": row.labels} for row in rows]
    return items, rows[0].total if rows else 0


def _linked_labels(filters: Filters) -> tuple[list[dict[str, Any]], int]:
    """Package NDCs (normalised) printed on several labels in scope, with those labels; and how
    many labels share a code with another. One query: the codes in scope are read once."""
    codes = (
        sa.select(NdcCode.ndc11, NdcCode.drug_id)
        .where(filters.keeps(NdcCode.drug_id), NdcCode.ndc11.is_not(None))
        .distinct()
        .cte("codes")
    )
    shared = (
        sa.select(codes.c.ndc11, sa.func.count().label("labels"))
        .group_by(codes.c.ndc11)
        .having(sa.func.count() > 1)
        .cte("shared")
    )
    linked_total = (
        sa.select(sa.func.count(sa.distinct(codes.c.drug_id)))
        .join(shared, shared.c.ndc11 == codes.c.ndc11)
        .scalar_subquery()
    )
    top = (
        sa.select(shared)
        .order_by(shared.c.labels.desc(), shared.c.ndc11)
        .limit(LISTED)
        .subquery("top")
    )
    rows = db.session.execute(
        sa.select(
            top.c.ndc11,
            top.c.labels,
            sa.func.array_agg(aggregate_order_by(Drug.set_id, Drug.set_id)).label("set_ids"),
            sa.func.array_agg(aggregate_order_by(Drug.title, Drug.set_id)).label("titles"),
            linked_total.label("linked_total"),
        )
        .join(codes, codes.c.ndc11 == top.c.ndc11)
        .join(Drug, Drug.id == codes.c.drug_id)
        .group_by(top.c.ndc11, top.c.labels)
        .order_by(top.c.labels.desc(), top.c.ndc11)
    ).all()
    items = [
        {
            "ndc": hyphenated(row.ndc11),
            "labels": row.labels,
            "set_ids": row.set_ids,
            "titles": row.titles[:TITLES],
        }
        for row in rows
    ]
    return items, rows[0].linked_total if rows else 0


def look_alike_names(filters: Filters) -> tuple[list[dict[str, Any]], int]:
    """Pairs of distinct names in scope similar by trigram, most similar first: [{name, other,
    kind, similarity, labels, other_labels}]; and how many pairs there are."""
    generic = moieties(filters)
    brand = sa.func.upper(
        sa.func.trim(sa.func.unnest(sa.func.string_to_array(Drug.brand_name, SEPARATOR)))
    )
    named = sa.union_all(
        sa.select(
            sa.literal("generic").label("kind"),
            generic.c.moiety.label("name"),
            generic.c.drug_id.label("id"),
        ),
        sa.select(sa.literal("brand"), brand, Drug.id).where(
            filters.where(), Drug.brand_name.is_not(None)
        ),
    ).subquery("named")
    # Distinct (kind, name, label) first, then counted: a hash, not a sort of every name.
    labelled = (
        sa.select(named.c.kind, named.c.name, named.c.id)
        .where(sa.func.coalesce(named.c.name, "") != "")
        .group_by(named.c.kind, named.c.name, named.c.id)
        .subquery("labelled")
    )
    names = sa.select(labelled.c.kind, labelled.c.name, sa.func.count()).group_by(
        labelled.c.kind, labelled.c.name
    )
    session = db.session
    table = sa.table(
        _LOOK_ALIKES,
        sa.column("kind", sa.Text),
        sa.column("name", sa.Text),
        sa.column("labels", sa.Integer),
    )
    session.execute(sa.text(f"DROP TABLE IF EXISTS pg_temp.{_LOOK_ALIKES}"))
    session.execute(
        sa.text(
            f"CREATE TEMPORARY TABLE {_LOOK_ALIKES} (kind text, name text, labels int) "
            "ON COMMIT DROP"
        )
    )
    session.execute(
        sa.insert(
            sa.table(_LOOK_ALIKES, sa.column("kind"), sa.column("name"), sa.column("labels"))
        ).from_select(["kind", "name", "labels"], names)
    )
    session.execute(sa.text(f"CREATE INDEX ON {_LOOK_ALIKES} USING gin (name gin_trgm_ops)"))
    session.execute(sa.text(f"ANALYZE {_LOOK_ALIKES}"))
    previous = session.scalar(sa.text("SELECT current_setting('pg_trgm.similarity_threshold')"))
    session.execute(
        sa.text("SELECT set_config('pg_trgm.similarity_threshold', :value, true)"),
        {"value": str(LOOK_ALIKE_THRESHOLD)},
    )
    a, b = table.alias("a"), table.alias("b")
    similarity = sa.func.similarity(a.c.name, b.c.name)
    rows = session.execute(
        sa.select(
            a.c.kind,
            a.c.name,
            b.c.name.label("other"),
            similarity.label("similarity"),
            a.c.labels,
            b.c.labels.label("other_labels"),
            sa.func.count().over().label("total"),
        )
        .join(b, sa.and_(a.c.name.op("%")(b.c.name), a.c.kind == b.c.kind, a.c.name < b.c.name))
        .order_by(similarity.desc(), (a.c.labels + b.c.labels).desc(), a.c.name, b.c.name)
        .limit(LISTED)
    ).all()
    # Leave the transaction as it was found: the default threshold, no table.
    session.execute(
        sa.text("SELECT set_config('pg_trgm.similarity_threshold', :value, true)"),
        {"value": previous},
    )
    session.execute(sa.text(f"DROP TABLE {_LOOK_ALIKES}"))
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
