"""/api/analytics/names: the stems generic names share (prefixes and suffixes) agree with the
same stems found in plain Python over the names a real sync stored, unfiltered and under
filters; known stems such as -PRIL and -OLOL are found and counted from the data."""

from __future__ import annotations

import re
import statistics
from collections import Counter, defaultdict
from typing import Any

import pytest
import sqlalchemy as sa

from database import db
from models import Drug
from tests.test_analytics import analysis, filter_cases, labels_in_scope, sync_sandbox


@pytest.fixture
def synced(dailymed_app, start_sandbox_dailymed) -> dict[str, list[tuple]]:
    stored = sync_sandbox(dailymed_app, start_sandbox_dailymed)
    stored["generic_names"] = sorted(db.session.execute(sa.select(Drug.set_id, Drug.generic_name)))
    return stored


def moieties_of(generic_name: str | None) -> list[tuple[str, str]]:
    """(name, moiety) for each ingredient of each name a generic_name holds."""
    found = []
    for name in (generic_name or "").split("; "):
        name = name.strip().upper()
        for ingredient in re.split(r"\s+AND\s+|\s*,\s*", name) if name else []:
            if moiety := re.match(r"[A-Z]+", ingredient):
                found.append((name, moiety.group()))
    return found


def expected_stems(rows: list[tuple], scope: set[str], kind: str) -> tuple[list[dict], int]:
    names: dict[str, set[str]] = defaultdict(set)
    labels: dict[str, set[str]] = defaultdict(set)
    moieties: dict[str, set[str]] = defaultdict(set)
    for set_id, generic_name in rows:
        if set_id not in scope:
            continue
        for name, moiety in moieties_of(generic_name):
            for size in range(3, 8):
                if len(moiety) >= size + 3:
                    stem = moiety[:size] if kind == "prefix" else moiety[-size:]
                    names[stem].add(name)
                    labels[stem].add(set_id)
                    moieties[stem].add(moiety)
    shared = [stem for stem in names if len(moieties[stem]) >= 2]

    def contains(longer: str, stem: str) -> bool:
        return longer.startswith(stem) if kind == "prefix" else longer.endswith(stem)

    kept = [
        stem
        for stem in shared
        if not any(
            len(longer) > len(stem) and contains(longer, stem) and names[longer] == names[stem]
            for longer in shared
        )
    ]
    kept.sort(key=lambda s: (-len(names[s]), -len(labels[s]), -len(s), s))
    items = [
        {
            "stem": stem,
            "names": len(names[stem]),
            "labels": len(labels[stem]),
            "examples": sorted(names[stem])[:5],
        }
        for stem in kept[:20]
    ]
    return items, len(kept)


def test_the_stems_generic_names_share_are_the_ones_the_stored_names_share(client, bearer, synced):
    headers = bearer("viewer")
    for filters in filter_cases(synced):
        body = analysis(client, headers, "names", **filters)
        scope = labels_in_scope(synced, **filters)
        for kind, key in (("prefix", "prefixes"), ("suffix", "suffixes")):
            items, total = expected_stems(synced["generic_names"], scope, kind)
            assert body["data"][key] == items, (filters, kind)
            assert body["summary"][key] == total, (filters, kind)
    suffixes = analysis(client, headers, "names")["data"]["suffixes"]
    pril = next(item for item in suffixes if item["stem"] == "PRIL")  # LISINOPRIL, BENAZEPRIL
    assert "LISINOPRIL" in pril["examples"] and pril["names"] >= 2


def test_a_stem_is_counted_on_distinct_moieties_not_on_salts_of_one_drug(client, bearer, app):
    db.session.add_all(
        Drug(set_id=f"set-{i}", title=name, generic_name=name)
        for i, name in enumerate(
            ("METOPROLOL TARTRATE", "METOPROLOL SUCCINATE", "ATENOLOL", "PROPRANOLOL", "SODIUM")
        )
    )
    db.session.commit()
    body: dict[str, Any] = analysis(client, bearer("viewer"), "names")
    stems = {item["stem"]: item for item in body["data"]["suffixes"]}
    assert stems["OLOL"]["names"] == 4  # two salts of METOPROLOL, ATENOLOL, PROPRANOLOL
    assert stems["OLOL"]["examples"] == [
        "ATENOLOL",
        "METOPROLOL SUCCINATE",
        "METOPROLOL TARTRATE",
        "PROPRANOLOL",
    ]
    assert not any(stem.endswith("ATE") for stem in stems)  # salts are not stems
    assert "LOL" not in stems  # -LOL reaches no more names than -OLOL


def test_a_name_whose_two_ingredients_share_a_stem_counts_once_for_it(client, bearer, app):
    """ATENOLOL AND PROPRANOLOL has -OLOL twice: one name and one label, not two."""
    db.session.add_all(
        Drug(set_id=f"set-{i}", title=name, generic_name=name)
        for i, name in enumerate(("ATENOLOL AND PROPRANOLOL", "ATENOLOL", "METOPROLOL"))
    )
    db.session.commit()
    body: dict[str, Any] = analysis(client, bearer("viewer"), "names")
    stems = {item["stem"]: item for item in body["data"]["suffixes"]}
    assert stems["OLOL"] == {
        "stem": "OLOL",
        "names": 3,
        "labels": 3,
        "examples": ["ATENOLOL", "ATENOLOL AND PROPRANOLOL", "METOPROLOL"],
    }
    assert (stems["NOLOL"]["names"], stems["NOLOL"]["labels"]) == (2, 2)


def expected_names(stored: dict[str, list[tuple]], scope: set[str]) -> dict[str, Any]:
    rows = [row for row in stored["names"] if row[0] in scope]
    brand = [row for row in rows if row[2]]
    generic = [row for row in rows if not row[2] and row[3]]
    labels_of: dict[str, set[str]] = defaultdict(set)
    for set_id, _title, _brand, generic_name in rows:
        for name in (generic_name or "").split("; "):
            if name.strip():
                labels_of[name.strip().upper()].add(set_id)
    top = sorted(labels_of, key=lambda name: (-len(labels_of[name]), name))[:20]

    def lengths(index: int) -> dict[str, Any]:
        sizes = [len(row[index]) for row in rows if row[index]]
        if not sizes:
            return {"count": 0, "min": None, "max": None, "mean": None, "median": None}
        return {
            "count": len(sizes),
            "min": min(sizes),
            "max": max(sizes),
            "mean": round(statistics.mean(sizes), 2),
            "median": float(statistics.median(sizes)),
        }

    return {
        "summary": {
            "labels": len(rows),
            "brand": len(brand),
            "generic": len(generic),
            "unnamed": len(rows) - len(brand) - len(generic),
        },
        "top_generic_names": [{"name": n, "labels": len(labels_of[n])} for n in top],
        "name_lengths": {"title": lengths(1), "brand_name": lengths(2), "generic_name": lengths(3)},
    }


def test_the_names_analysis_counts_what_the_stored_names_hold(client, bearer, synced):
    synced["names"] = sorted(
        db.session.execute(sa.select(Drug.set_id, Drug.title, Drug.brand_name, Drug.generic_name))
    )
    labelers = Counter(name for _set_id, name in synced["labelers"] if name)
    busiest = labelers.most_common(1)[0][0]
    headers = bearer("viewer")
    for filters in [{}, {"class_type": "MOA"}, {"labeler": busiest.swapcase()}]:
        body = analysis(client, headers, "names", **filters)
        want = expected_names(synced, labels_in_scope(synced, **filters))
        summary = {k: v for k, v in body["summary"].items() if k not in ("prefixes", "suffixes")}
        assert summary == want["summary"], filters
        assert body["summary"]["labels"] > 0 and body["summary"]["brand"] > 0, filters
        assert body["data"]["top_generic_names"] == want["top_generic_names"], filters
        assert body["data"]["name_lengths"] == want["name_lengths"], filters
