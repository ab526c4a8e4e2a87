"""/api/analytics/text: dosage forms, routes, active ingredients, single vs combination labels
and title terms agree with the same figures counted in plain Python over the rows a real sync
stored, unfiltered and under filters."""

from __future__ import annotations

import re
from collections import defaultdict

import pytest
import sqlalchemy as sa

from analytics.text import ROUTES, STOP_WORDS
from database import db
from models import ActiveIngredient, Drug
from tests.test_analytics import analysis, filter_cases, labels_in_scope, sync_sandbox


@pytest.fixture
def synced(dailymed_app, start_sandbox_dailymed) -> dict[str, list[tuple]]:
    stored = sync_sandbox(dailymed_app, start_sandbox_dailymed)
    stored["texts"] = sorted(
        db.session.execute(sa.select(Drug.set_id, Drug.title, Drug.dosage_form))
    )
    stored["ingredients"] = sorted(
        db.session.execute(
            sa.select(Drug.set_id, ActiveIngredient.name).join(
                ActiveIngredient, ActiveIngredient.drug_id == Drug.id
            )
        )
    )
    return stored


def ranked(labels: dict[str, set[str]], key: str, top: int | None = 20) -> list[dict]:
    order = sorted(labels, key=lambda value: (-len(labels[value]), value))
    return [{key: value, "labels": len(labels[value])} for value in order[:top]]


def expected_text(stored: dict[str, list[tuple]], scope: set[str]) -> dict:
    forms: dict[str, set[str]] = defaultdict(set)
    routes: dict[str, set[str]] = defaultdict(set)
    terms: dict[str, set[str]] = defaultdict(set)
    for set_id, title, dosage_form in stored["texts"]:
        if set_id not in scope:
            continue
        for form in (dosage_form or "").split("; "):
            if form := form.strip().upper():
                forms[form].add(set_id)
                head = re.match(r"[A-Z]+", form)
                routes[ROUTES.get(head.group() if head else "", "unknown")].add(set_id)
        words = re.split(r"[^a-z]+", re.sub(r"\s*\[[^]]*\]\s*$", "", title).lower())
        for word in words:
            if len(word) >= 3 and word not in STOP_WORDS:
                terms[word].add(set_id)
    ingredients: dict[str, set[str]] = defaultdict(set)
    per_label: dict[str, set[str]] = {set_id: set() for set_id in scope}
    for set_id, name in stored["ingredients"]:
        if set_id in scope and name.strip():
            ingredients[name.strip().upper()].add(set_id)
            per_label[set_id].add(name.strip().upper())
    mix = {
        "single": sum(1 for names in per_label.values() if len(names) == 1),
        "combination": sum(1 for names in per_label.values() if len(names) > 1),
        "none": sum(1 for names in per_label.values() if not names),
    }
    return {
        "summary": {
            "labels": len(scope),
            "dosage_forms": len(forms),
            "ingredients": len(ingredients),
            "single": mix["single"],
            "combination": mix["combination"],
            "without_ingredients": mix["none"],
        },
        "data": {
            "dosage_forms": ranked(forms, "dosage_form"),
            "routes": ranked(routes, "route", None),
            "top_ingredients": ranked(ingredients, "ingredient"),
            "ingredient_mix": sorted(
                ({"kind": kind, "labels": n} for kind, n in mix.items()),
                key=lambda item: -item["labels"],
            ),
            "top_terms": ranked(terms, "term"),
        },
    }


def test_the_text_analysis_counts_what_the_stored_texts_hold(client, bearer, synced):
    headers = bearer("viewer")
    for filters in filter_cases(synced):
        body = analysis(client, headers, "text", **filters)
        want = expected_text(synced, labels_in_scope(synced, **filters))
        assert body["summary"] == want["summary"], filters
        assert body["summary"]["labels"] > 0, filters
        assert body["data"] == want["data"], filters
    unfiltered = analysis(client, headers, "text")
    routes = {item["route"] for item in unfiltered["data"]["routes"]}
    assert {"ORAL", "PARENTERAL", "TOPICAL"} <= routes  # tablets, injections, creams
    assert unfiltered["summary"]["single"] and unfiltered["summary"]["combination"]
    terms = {item["term"] for item in unfiltered["data"]["top_terms"]}
    assert not terms & set(STOP_WORDS) and not any(t.isdigit() for t in terms)


def test_a_label_with_two_forms_of_one_route_counts_once_for_it(client, bearer, app):
    db.session.add_all(
        [
            Drug(set_id="set-1", title="KIT", dosage_form="TABLET; TABLET, FILM COATED"),
            Drug(set_id="set-2", title="PILLS", dosage_form="TABLET"),
            Drug(set_id="set-3", title="SALVE", dosage_form="CREAM"),
        ]
    )
    db.session.commit()
    data = analysis(client, bearer("viewer"), "text")["data"]
    assert {f["dosage_form"]: f["labels"] for f in data["dosage_forms"]} == {
        "TABLET": 2,
        "TABLET, FILM COATED": 1,
        "CREAM": 1,
    }
    assert data["routes"] == [{"route": "ORAL", "labels": 2}, {"route": "TOPICAL", "labels": 1}]
