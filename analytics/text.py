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
    forms = _forms(filters)
    labels = filters.labels()
    dosage_forms, form_total = _top(forms.c.drug_id, forms.c.form, "dosage_form", TOP)
    routes, _routes = _top(forms.c.drug_id, forms.c.route, "route", None)
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


def _forms(filters: Filters) -> sa.Subquery:
    """(drug_id, form, route): each distinct dosage form each label in scope names, upper-cased
    (`drug_facts.dosage_forms`, `analytics.facts`)."""
    named = unnested("dosage_forms", "form", filters).subquery("named")
    head = sa.func.substring(named.c.form, "^[A-Z]+")
    route = sa.case(ROUTES, value=head, else_=UNKNOWN_ROUTE)
    return sa.select(named.c.drug_id, named.c.form, route.label("route")).subquery("forms")


def _top(
    drug_id: sa.ColumnElement[int], value: sa.ColumnElement[Any], name: str, limit: int | None
) -> tuple[list[dict[str, Any]], int]:
    """Labels per value, most labels first (then by value), and how many values there are.
    Distinct (label, value) pairs first, then counted: a hash, not a sort per group."""
    pairs = sa.select(drug_id.label("drug_id"), value.label("value")).where(value != "").distinct()
    pairs_sub = pairs.subquery("pairs")
    labels = sa.func.count()
    rows = db.session.execute(
        sa.select(pairs_sub.c.value, labels.label("labels"), sa.func.count().over().label("total"))
        .group_by(pairs_sub.c.value)
        .order_by(labels.desc(), pairs_sub.c.value)
        .limit(limit)
    ).all()
    return [{name: row.value, "labels": row.labels} for row in rows], rows[0].total if rows else 0


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
