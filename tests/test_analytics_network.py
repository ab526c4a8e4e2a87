"""/api/analytics/network: classes sharing labels, labels linked by the package NDCs they share
and look-alike names agree with the same figures found in plain Python over the rows a real sync
stored, unfiltered and under filters; look-alike names are the pairs pg_trgm's similarity (as
defined in its documentation, recomputed here) puts at LOOK_ALIKE_THRESHOLD or above."""

from __future__ import annotations

import re
from collections import defaultdict
from itertools import combinations

import pytest
import sqlalchemy as sa

from analytics.filters import Filters
from analytics.look_alikes import (
    LOOK_ALIKE_THRESHOLD,
    cached_names,
    cached_pairs,
    look_alike_names,
)
from database import db
from models import Drug, DrugClass, utcnow
from scraper.ndc import hyphenated
from tests.test_analytics import (
    analysis,
    filter_cases,
    labels_in_scope,
    live_classes,
    sync_sandbox,
)
from tests.test_analytics_names import moieties_of


@pytest.fixture
def synced(dailymed_app, start_sandbox_dailymed) -> dict[str, list[tuple]]:
    stored = sync_sandbox(dailymed_app, start_sandbox_dailymed)
    stored["names"] = sorted(
        db.session.execute(sa.select(Drug.set_id, Drug.generic_name, Drug.brand_name, Drug.title))
    )
    stored["class_ids"] = sorted(db.session.execute(sa.select(DrugClass.code, DrugClass.id)))
    return stored


def trigrams(text: str) -> set[str]:
    """pg_trgm's trigrams: lower-cased alphanumeric words, each padded with two spaces in front
    and one behind, cut into every run of three characters."""
    grams: set[str] = set()
    for word in re.findall(r"[a-z0-9]+", text.lower()):
        padded = f"  {word} "
        grams |= {padded[i : i + 3] for i in range(len(padded) - 2)}
    return grams


def similarity(a: str, b: str) -> float:
    first, second = trigrams(a), trigrams(b)
    return len(first & second) / len(first | second) if first | second else 0.0


def names_by_kind(rows: list[tuple], scope: set[str]) -> dict[tuple[str, str], set[str]]:
    """(kind, name) → the labels naming it: generic names by active moiety, brands whole."""
    labels: dict[tuple[str, str], set[str]] = defaultdict(set)
    for set_id, generic_name, brand_name, _title in rows:
        if set_id not in scope:
            continue
        for _name, moiety in moieties_of(generic_name):
            labels["generic", moiety].add(set_id)
        for brand in (brand_name or "").split("; "):
            if brand.strip():
                labels["brand", brand.strip().upper()].add(set_id)
    return labels


def expected_look_alikes(rows: list[tuple], scope: set[str]) -> list[dict]:
    labels = names_by_kind(rows, scope)
    pairs = []
    for (kind, a), (other_kind, b) in combinations(sorted(labels), 2):
        if kind == other_kind and (score := similarity(a, b)) >= LOOK_ALIKE_THRESHOLD:
            pairs.append(
                {
                    "name": a,
                    "other": b,
                    "kind": kind,
                    "similarity": round(score, 4),
                    "labels": len(labels[kind, a]),
                    "other_labels": len(labels[kind, b]),
                }
            )
    pairs.sort(key=lambda p: (-p["similarity"], -(p["labels"] + p["other_labels"]), p["name"]))
    return pairs


def expected_network(stored: dict[str, list[tuple]], scope: set[str]) -> dict:
    stored = live_classes(stored)
    ids = dict(stored["class_ids"])
    classes_of: dict[str, set[int]] = defaultdict(set)
    for code, set_id in stored["memberships"]:
        if set_id in scope:
            classes_of[set_id].add(ids[code])
    pair_labels: dict[tuple[int, int], int] = defaultdict(int)
    for classes in classes_of.values():
        for pair in combinations(sorted(classes), 2):
            pair_labels[pair] += 1
    pairs = sorted(pair_labels, key=lambda p: (-pair_labels[p], p))
    labels_of: dict[str, set[str]] = defaultdict(set)
    for row in stored["ndcs"]:
        if row[0] in scope and row[4]:
            labels_of[row[4]].add(row[0])
    shared = sorted(
        (ndc11 for ndc11, s in labels_of.items() if len(s) > 1),
        key=lambda ndc11: (-len(labels_of[ndc11]), ndc11),
    )
    return {
        "class_pairs": [(a, b, pair_labels[a, b]) for a, b in pairs[:20]],
        "class_pair_total": len(pairs),
        "linked": [
            {"ndc": hyphenated(n), "labels": len(labels_of[n]), "set_ids": sorted(labels_of[n])}
            for n in shared[:50]
        ],
        "linked_labels": len(set().union(*(labels_of[n] for n in shared))),
        "look_alikes": expected_look_alikes(stored["names"], scope),
    }


def test_the_network_analysis_finds_what_the_stored_rows_link(client, bearer, synced):
    headers = bearer("viewer")
    for filters in filter_cases(synced):
        body = analysis(client, headers, "network", **filters)
        if not filters:
            unfiltered = body
        want = expected_network(synced, labels_in_scope(synced, **filters))
        data, summary = body["data"], body["summary"]
        pairs = [(p["a"]["id"], p["b"]["id"], p["labels"]) for p in data["class_pairs"]]
        assert pairs == want["class_pairs"], filters
        assert summary["class_pairs"] == want["class_pair_total"] > 0, filters
        linked = [{k: i[k] for k in ("ndc", "labels", "set_ids")} for i in data["linked_labels"]]
        assert linked == want["linked"], filters
        assert summary["linked_labels"] == want["linked_labels"], filters
        assert data["look_alike_names"] == want["look_alikes"][:50], filters
        assert summary["look_alike_pairs"] == len(want["look_alikes"]), filters
    data = unfiltered["data"]
    assert data["linked_labels"] and data["look_alike_names"]  # repackagers, similar brands
    titles = {row[0]: row[3] for row in synced["names"]}
    first = data["linked_labels"][0]
    assert first["titles"] == [titles[s] for s in first["set_ids"]][:5]


def test_look_alike_names_pair_similar_names_and_leave_dissimilar_ones(client, bearer, app):
    generic_names = (
        "HYDROXYZINE HYDROCHLORIDE",
        "HYDRALAZINE HYDROCHLORIDE",
        "METOPROLOL TARTRATE",
        "METOPROLOL SUCCINATE",
        "METFORMIN HYDROCHLORIDE",
        "NOVOLIN",
    )
    db.session.add_all(
        Drug(set_id=f"set-{i}", title=name, generic_name=name)
        for i, name in enumerate(generic_names)
    )
    db.session.add(Drug(set_id="brand-1", title="NOVOLOG", brand_name="NOVOLOG"))
    db.session.add(Drug(set_id="brand-2", title="NOVOLOG MIX", brand_name="NOVOLOG MIX"))
    db.session.commit()
    body = analysis(client, bearer("viewer"), "network")
    found = {(p["kind"], p["name"], p["other"]): p for p in body["data"]["look_alike_names"]}
    pair = found["generic", "HYDRALAZINE", "HYDROXYZINE"]
    assert pair["similarity"] == round(similarity("HYDROXYZINE", "HYDRALAZINE"), 4) == 0.4118
    assert pair["labels"] == pair["other_labels"] == 1
    assert similarity("METOPROLOL", "METFORMIN") < LOOK_ALIKE_THRESHOLD
    assert ("generic", "METFORMIN", "METOPROLOL") not in found
    assert not any(p["name"] == p["other"] for p in found.values())  # two salts, one moiety
    # NOVOLOG (a brand) and NOVOLIN (a generic here) are alike, but names pair within a kind
    assert similarity("NOVOLIN", "NOVOLOG") >= LOOK_ALIKE_THRESHOLD
    assert ("brand", "NOVOLOG", "NOVOLOG MIX") in found
    assert not any("NOVOLIN" in (p["name"], p["other"]) for p in found.values())
    assert body["summary"]["look_alike_pairs"] == len(found)


def _stored_names() -> list[tuple]:
    """The names of the labels not archived."""
    return sorted(
        db.session.execute(
            sa.select(Drug.set_id, Drug.generic_name, Drug.brand_name, Drug.title).where(
                Drug.archived_at.is_(None)
            )
        )
    )


def _cached_look_alikes() -> set[tuple[str, str]]:
    items, total = look_alike_names(Filters())
    db.session.commit()  # as a run does: the cache is kept
    stored = _stored_names()
    want = expected_look_alikes(stored, {row[0] for row in stored})
    assert items == want[:50] and total == len(want)
    cached = db.session.execute(sa.select(cached_pairs.c.name, cached_pairs.c.other)).all()
    assert sorted(cached) == sorted((p["name"], p["other"]) for p in want)
    return {(p["name"], p["other"]) for p in items}


def test_an_archived_drug_takes_its_look_alike_names_out_of_the_cache_until_restored(app):
    names = ("HYDROXYZINE", "HYDRALAZINE", "METOPROLOL", "METOPROLIN")
    db.session.add_all(
        Drug(set_id=f"set-{i}", title=n, generic_name=n) for i, n in enumerate(names)
    )
    db.session.commit()
    pair = ("HYDRALAZINE", "HYDROXYZINE")
    assert pair in _cached_look_alikes()

    hydroxyzine = sa.update(Drug).where(Drug.set_id == "set-0")
    db.session.execute(hydroxyzine.values(archived_at=utcnow()))
    db.session.commit()
    assert pair not in _cached_look_alikes()
    assert (
        db.session.scalar(sa.select(sa.func.count()).where(cached_names.c.name == "HYDROXYZINE"))
        == 0
    )

    db.session.execute(hydroxyzine.values(archived_at=None))
    db.session.commit()
    assert pair in _cached_look_alikes()


def test_the_look_alike_cache_stays_in_step_with_the_drugs_between_analyses(app):
    """Unfiltered, pairs come from the cache, brought in step with the drugs first: a name
    renamed away loses its pairs, a new name gains its own, a drug deleted takes its names."""
    names = ("HYDROXYZINE", "HYDRALAZINE", "METOPROLOL", "METOPROLIN", "ATENOLOL")
    db.session.add_all(
        Drug(set_id=f"set-{i}", title=n, generic_name=n) for i, n in enumerate(names)
    )
    db.session.add(Drug(set_id="brand-1", title="NOVOLOG", brand_name="NOVOLOG"))
    db.session.commit()

    def check() -> list[dict]:
        items, total = look_alike_names(Filters())
        db.session.commit()  # as a run does: the cache is kept
        stored = _stored_names()
        want = expected_look_alikes(stored, {row[0] for row in stored})
        assert items == want[:50] and total == len(want)
        cached = db.session.execute(
            sa.select(cached_pairs.c.kind, cached_pairs.c.name, cached_pairs.c.other)
        ).all()
        assert sorted(cached) == sorted((p["kind"], p["name"], p["other"]) for p in want)
        return items

    first = check()
    assert ("HYDRALAZINE", "HYDROXYZINE") in {(p["name"], p["other"]) for p in first}
    db.session.execute(
        sa.update(Drug).where(Drug.set_id == "set-1").values(generic_name="CARBAMAZEPINE")
    )
    db.session.add(Drug(set_id="brand-2", title="NOVOLOG MIX", brand_name="NOVOLOG MIX"))
    db.session.add(Drug(set_id="set-9", title="OXCARBAZEPINE", generic_name="OXCARBAZEPINE"))
    db.session.execute(sa.delete(Drug).where(Drug.set_id == "set-4"))
    db.session.commit()
    second = {(p["name"], p["other"]) for p in check()}
    assert ("HYDRALAZINE", "HYDROXYZINE") not in second
    assert {("NOVOLOG", "NOVOLOG MIX"), ("CARBAMAZEPINE", "OXCARBAZEPINE")} <= second
    assert (
        db.session.scalar(sa.select(sa.func.count()).where(cached_names.c.name == "ATENOLOL")) == 0
    )


def test_a_filtered_analysis_pairs_the_names_in_scope_without_touching_the_cache(app):
    for i, name in enumerate(("HYDROXYZINE", "HYDRALAZINE")):
        db.session.add(Drug(set_id=f"set-{i}", title=name, generic_name=name))
    db.session.commit()
    items, total = look_alike_names(Filters.from_args({"q": "HYDR"}).resolve())
    assert total == 1 and (items[0]["name"], items[0]["other"]) == ("HYDRALAZINE", "HYDROXYZINE")
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(cached_names)) == 0


def test_a_filtered_analysis_agrees_whether_or_not_the_cache_holds_its_names(app):
    """Once an unfiltered analysis has filled the cache, a filtered one reads the cached pairs
    among its names; a name new since then is still paired (the filtered analysis pairs its
    names itself), and neither writes the cache."""
    names = ("HYDROXYZINE", "HYDRALAZINE", "METOPROLOL", "METOPROLIN")
    db.session.add_all(
        Drug(set_id=f"set-{i}", title=n, generic_name=n) for i, n in enumerate(names)
    )
    db.session.commit()
    _cached_look_alikes()
    cached = db.session.scalar(sa.select(sa.func.count()).select_from(cached_names))

    def filtered() -> set[tuple[str, str]]:
        items, total = look_alike_names(Filters.from_args({"q": "HYDR"}).resolve())
        db.session.commit()
        stored = _stored_names()
        want = expected_look_alikes(stored, {row[0] for row in stored if "HYDR" in row[3]})
        assert items == want[:50] and total == len(want)
        return {(p["name"], p["other"]) for p in items}

    assert filtered() == {("HYDRALAZINE", "HYDROXYZINE")}
    db.session.add(Drug(set_id="set-9", title="HYDROXYZINA", generic_name="HYDROXYZINA"))
    db.session.commit()
    assert ("HYDROXYZINA", "HYDROXYZINE") in filtered()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(cached_names)) == cached
