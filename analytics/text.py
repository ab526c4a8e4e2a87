"""The text analysis: dosage forms, routes, active ingredients, single-ingredient vs combination
labels, and the common terms of titles.

Dosage forms are the ones each title names (`drugs.dosage_form`, several products' forms joined
by "; "). Titles name no route, so a form's route is read from its head word (`ROUTES`: TABLET
→ ORAL, INJECTION → PARENTERAL, CREAM → TOPICAL…; any other form is "unknown"); a label counts
once per route its forms reach, and labels naming no form have no route. A label is "single" when
its active ingredients (`active_ingredients`, names compared upper-cased) are one distinct
name, "combination" when several, "none" when it has none stored. Terms are the title's words
(letters only, lower-cased) before the labeler in brackets, three letters or more and not in
STOP_WORDS, each counted once per label. Forms and terms are read off what the database keeps
per label (`drug_facts.dosage_forms`, `drug_facts.title_terms`, `analytics.facts`)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from analytics.facts import unnested
from analytics.filters import Filters
from database import db
from models import ActiveIngredient

TOP = 20  # forms, ingredients and terms listed; the summary counts forms and ingredients
ROUTES = {
    **dict.fromkeys(
        ("TABLET", "CAPSULE", "PILL", "LOZENGE", "TROCHE", "SYRUP", "ELIXIR", "GRANULE", "GUM"),
        "ORAL",
    ),
    **dict.fromkeys(("INJECTION", "INJECTABLE", "IMPLANT"), "PARENTERAL"),
    **dict.fromkeys(
        ("CREAM", "OINTMENT", "GEL", "LOTION", "PASTE", "SHAMPOO", "FOAM", "LINIMENT", "SOAP"),
        "TOPICAL",
    ),
    **dict.fromkeys(("PATCH", "SYSTEM"), "TRANSDERMAL"),
    **dict.fromkeys(("SUPPOSITORY", "ENEMA"), "RECTAL"),
    **dict.fromkeys(("INHALANT", "AEROSOL"), "INHALATION"),
    "INSERT": "VAGINAL",
}
UNKNOWN_ROUTE = "unknown"
STOP_WORDS = (
    "and", "the", "for", "with", "from", "into", "per", "each", "not", "usp", "mcg", "kit",
)  # fmt: skip


def analyze(filters: Filters) -> dict[str, Any]:
    labels = filters.labels()
    (dosage_forms, form_total), (routes, _routes) = _forms_and_routes(filters)
    top_ingredients, ingredient_total, mix = _ingredients(filters, labels)
    return {
        "summary": {
            "labels": labels,
            "dosage_forms": form_total,
            "ingredients": ingredient_total,
            "single": mix["single"],
            "combination": mix["combination"],
            "without_ingredients": mix["none"],
        },
        "data": {
            "dosage_forms": dosage_forms,
            "routes": routes,
            "top_ingredients": top_ingredients,
            "ingredient_mix": sorted(
                ({"kind": kind, "labels": labels} for kind, labels in mix.items()),
                key=lambda item: -item["labels"],
            ),
            "top_terms": _top_terms(filters),
        },
    }


def _forms_and_routes(filters: Filters) -> list[tuple[list[dict[str, Any]], int]]:
    """The TOP dosage forms (upper-cased, `drug_facts.dosage_forms`) on most labels, and every
    route (from the form's head word, `ROUTES`) with its labels, most first; how many of each.

    One pass over the forms in scope: a drug's forms are distinct already, so labels per form
    are a count of rows. A route's labels are its forms' labels less the drugs counted twice:
    a drug with two forms of one route (TABLET and TABLET, FILM COATED), found among the drugs
    with several forms alone. (The distinct (label, form) and (label, route) pairs were hashed
    over every row, twice.)"""
    named = unnested("dosage_forms", "form", filters, sized=True).subquery("named")
    head = sa.func.substring(named.c.form, "^[A-Z]+")
    forms = (
        sa.select(named, sa.case(ROUTES, value=head, else_=UNKNOWN_ROUTE).label("route"))
        .where(named.c.form != "")
        .cte("forms")
        .prefix_with("MATERIALIZED")
    )
    per_form = (
        sa.select(forms.c.form, forms.c.route, sa.func.count().label("labels"))
        .group_by(forms.c.form, forms.c.route)
        .cte("per_form")
    )
    twice = (
        sa.select(forms.c.route, (sa.func.count() - 1).label("extra"))
        .where(forms.c.size > 1)
        .group_by(forms.c.drug_id, forms.c.route)
        .having(sa.func.count() > 1)
        .subquery("twice")
    )
    repeats = (
        sa.select(twice.c.route, sa.func.sum(twice.c.extra).label("extra"))
        .group_by(twice.c.route)
        .subquery("repeats")
    )
    summed = (
        sa.select(per_form.c.route, sa.func.sum(per_form.c.labels).label("labels"))
        .group_by(per_form.c.route)
        .subquery("summed")
    )
    per_route = (
        sa.select(
            summed.c.route,
            sa.cast(summed.c.labels - sa.func.coalesce(repeats.c.extra, 0), sa.Integer).label(
                "labels"
            ),
        )
        .outerjoin(repeats, repeats.c.route == summed.c.route)
        .subquery("per_route")
    )

    def ranked(kind: str, value: sa.ColumnElement[str], labels: sa.ColumnElement[int]) -> sa.Select:
        place = sa.func.row_number().over(order_by=(labels.desc(), value))
        return sa.select(
            sa.literal(kind).label("kind"),
            value.label("value"),
            labels.label("labels"),
            place.label("place"),
            sa.func.count().over().label("total"),
        )

    forms_ranked = ranked("form", per_form.c.form, per_form.c.labels).subquery("forms_ranked")
    rows = db.session.execute(
        sa.union_all(
            sa.select(forms_ranked).where(forms_ranked.c.place <= TOP),
            ranked("route", per_route.c.route, per_route.c.labels),
        )
    ).all()
    items: dict[str, list[dict[str, Any]]] = {"form": [], "route": []}
    totals = {"form": 0, "route": 0}
    for row in sorted(rows, key=lambda row: (row.kind, row.place)):
        key = "dosage_form" if row.kind == "form" else "route"
        items[row.kind].append({key: row.value, "labels": row.labels})
        totals[row.kind] = row.total
    return [(items[kind], totals[kind]) for kind in ("form", "route")]


def _ingredients(filters: Filters, labels: int) -> tuple[list[dict[str, Any]], int, dict[str, int]]:
    """The TOP active ingredients (names compared upper-cased) on most labels, how many there
    are, and the labels with one distinct ingredient, several, or none stored: all from one
    pass over the distinct (label, ingredient) pairs in scope."""
    name = sa.func.upper(sa.func.trim(ActiveIngredient.name))
    pairs = (
        sa.select(ActiveIngredient.drug_id, name.label("value"))
        .where(filters.keeps(ActiveIngredient.drug_id), name != "")
        .distinct()
        .cte("pairs")
        .prefix_with("MATERIALIZED")
    )
    per_value = (
        sa.select(pairs.c.value, sa.func.count().label("labels"))
        .group_by(pairs.c.value)
        .subquery("per_value")
    )
    top = (
        sa.select(
            sa.literal("top").label("kind"),
            per_value.c.value,
            per_value.c.labels.label("first"),
            sa.func.count().over().label("second"),
        )
        .order_by(per_value.c.labels.desc(), per_value.c.value)
        .limit(TOP)
        .subquery("top")
    )
    per_label = (
        sa.select(sa.func.count().label("ingredients"))
        .select_from(pairs)
        .group_by(pairs.c.drug_id)
        .subquery("per_label")
    )
    count = per_label.c.ingredients
    mix_row = sa.select(
        sa.literal("mix"),
        sa.literal(None, sa.Text),
        sa.func.count().filter(count == 1),
        sa.func.count().filter(count > 1),
    )
    items, total, mix = [], 0, {"single": 0, "combination": 0, "none": labels}
    for kind, value, first, second in db.session.execute(sa.union_all(sa.select(top), mix_row)):
        if kind == "top":
            items.append({"ingredient": value, "labels": first})
            total = second
        else:
            mix = {"single": first, "combination": second, "none": labels - first - second}
    return items, total, mix


def _top_terms(filters: Filters) -> list[dict[str, Any]]:
    """The TOP words of titles (before the labeler) on most labels, counted on the distinct
    terms the database keeps per label (`drug_facts.title_terms`, `analytics.facts`)."""
    terms = unnested("title_terms", "term", filters).subquery("terms")
    labels = sa.func.count()
    rows = db.session.execute(
        sa.select(terms.c.term, labels.label("labels"))
        .where(terms.c.term.not_in(STOP_WORDS))
        .group_by(terms.c.term)
        .order_by(labels.desc(), terms.c.term)
        .limit(TOP)
    )
    return [{"term": row.term, "labels": row.labels} for row in rows]
