"""The text analysis: dosage forms, routes, active ingredients, single-ingredient vs combination
labels, and the common terms of titles.

Dosage forms are the ones each title names (`drugs.dosage_form`, several products' forms joined
by "; "). Titles name no route, so a form's route is read from its head word (`ROUTES`: TABLET
→ ORAL, INJECTION → PARENTERAL, CREAM → TOPICAL…; any other form is "unknown"); a label counts
once per route its forms reach, and labels naming no form have no route. A label is "single" when
its active ingredients (`active_ingredients`, names compared upper-cased) are one distinct
name, "combination" when several, "none" when it has none stored. Terms are the title's words
(letters only, lower-cased) before the labeler in brackets, three letters or more and not in
STOP_WORDS, each counted once per label."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from analytics.filters import Filters
from analytics.stems import SEPARATOR
from database import db
from models import ActiveIngredient, Drug

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
_LABELER = r"\s*\[[^]]*\]\s*$"  # the labeler in brackets ending a title


def analyze(filters: Filters) -> dict[str, Any]:
    forms = _forms(filters)
    ingredients = (
        sa.select(
            ActiveIngredient.drug_id,
            sa.func.upper(sa.func.trim(ActiveIngredient.name)).label("ingredient"),
        )
        .where(ActiveIngredient.drug_id.in_(filters.drug_ids().scalar_subquery()))
        .subquery("ingredients")
    )
    mix = _ingredient_mix(filters)
    return {
        "summary": {
            "labels": db.session.scalar(
                sa.select(sa.func.count()).select_from(Drug).where(filters.where())
            ),
            "dosage_forms": db.session.scalar(sa.select(sa.func.count(sa.distinct(forms.c.form)))),
            "ingredients": db.session.scalar(
                sa.select(sa.func.count(sa.distinct(ingredients.c.ingredient))).where(
                    ingredients.c.ingredient != ""
                )
            ),
            "single": mix["single"],
            "combination": mix["combination"],
            "without_ingredients": mix["none"],
        },
        "data": {
            "dosage_forms": _top(forms.c.form, forms.c.drug_id, "dosage_form", TOP),
            "routes": _top(forms.c.route, forms.c.drug_id, "route", None),
            "top_ingredients": _top(
                ingredients.c.ingredient, ingredients.c.drug_id, "ingredient", TOP
            ),
            "ingredient_mix": sorted(
                ({"kind": kind, "labels": labels} for kind, labels in mix.items()),
                key=lambda item: -item["labels"],
            ),
            "top_terms": _top_terms(filters),
        },
    }


def _forms(filters: Filters) -> sa.Subquery:
    """(drug_id, form, route): each dosage form each label in scope names, upper-cased."""
    named = (
        sa.select(
            Drug.id.label("drug_id"),
            sa.func.upper(
                sa.func.trim(sa.func.unnest(sa.func.string_to_array(Drug.dosage_form, SEPARATOR)))
            ).label("form"),
        )
        .where(filters.where(), Drug.dosage_form.is_not(None))
        .subquery("named")
    )
    head = sa.func.substring(named.c.form, "^[A-Z]+")
    route = sa.case(ROUTES, value=head, else_=UNKNOWN_ROUTE)
    return (
        sa.select(named.c.drug_id, named.c.form, route.label("route"))
        .where(named.c.form != "")
        .subquery("forms")
    )


def _top(
    value: sa.ColumnElement[Any], drug_id: sa.ColumnElement[int], name: str, limit: int | None
) -> list[dict[str, Any]]:
    """Labels per value, most labels first (then by value)."""
    labels = sa.func.count(sa.distinct(drug_id))
    rows = db.session.execute(
        sa.select(value.label("value"), labels.label("labels"))
        .where(value != "")
        .group_by(value)
        .order_by(labels.desc(), value)
        .limit(limit)
    )
    return [{name: row.value, "labels": row.labels} for row in rows]


def _ingredient_mix(filters: Filters) -> dict[str, int]:
    """Labels with one distinct active ingredient, several, or none stored."""
    name = sa.func.nullif(sa.func.upper(sa.func.trim(ActiveIngredient.name)), "")
    per_label = (
        sa.select(sa.func.count(sa.distinct(name)).label("ingredients"))
        .select_from(Drug)
        .outerjoin(ActiveIngredient, ActiveIngredient.drug_id == Drug.id)
        .where(filters.where())
        .group_by(Drug.id)
        .subquery("per_label")
    )
    count = per_label.c.ingredients
    row = db.session.execute(
        sa.select(
            sa.func.count().filter(count == 1).label("single"),
            sa.func.count().filter(count > 1).label("combination"),
            sa.func.count().filter(count == 0).label("none"),
        )
    ).one()
    return {"single": row.single, "combination": row.combination, "none": row.none}


def _top_terms(filters: Filters) -> list[dict[str, Any]]:
    """The TOP words of titles (before the labeler) on most labels."""
    words = sa.func.regexp_split_to_table(
        sa.func.lower(sa.func.regexp_replace(Drug.title, _LABELER, "")), "[^a-z]+"
    )
    terms = sa.select(Drug.id.label("drug_id"), words.label("term")).where(filters.where())
    terms_sub = terms.subquery("terms")
    kept = (
        sa.select(terms_sub)
        .where(
            sa.func.char_length(terms_sub.c.term) >= 3,
            terms_sub.c.term.not_in(STOP_WORDS),
        )
        .subquery("kept")
    )
    return _top(kept.c.term, kept.c.drug_id, "term", TOP)
