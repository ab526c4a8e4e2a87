"""/api/analytics/drug-classes: labels per class (overall and per type), labels in several
classes, classes per label and empty classes agree with the same figures counted in plain
Python over the memberships a real sync stored, unfiltered and under filters."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

import pytest

from tests.test_analytics import (
    analysis,
    filter_cases,
    labels_in_scope,
    live_classes,
    sync_sandbox,
)


@pytest.fixture
def synced(dailymed_app, start_sandbox_dailymed) -> dict[str, list[tuple]]:
    return sync_sandbox(dailymed_app, start_sandbox_dailymed)


def expected_drug_classes(stored: dict[str, list[tuple]], scope: set[str]) -> dict[str, Any]:
    stored = live_classes(stored)
    labels_of = {code: 0 for code, _type, _name in stored["classes"]}
    classes_of = Counter({set_id: 0 for set_id in scope})
    for code, set_id in stored["memberships"]:
        if set_id in scope:
            labels_of[code] += 1
            classes_of[set_id] += 1
    ranked = sorted(
        ((code, class_type, name) for code, class_type, name in stored["classes"]),
        key=lambda c: (-labels_of[c[0]], c[2]),
    )
    by_type: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for code, class_type, _name in ranked:
        if labels_of[code] and len(by_type[class_type]) < 10:
            by_type[class_type].append((code, labels_of[code]))
    return {
        "labels": len(scope),
        "labels_in_several_classes": sum(1 for n in classes_of.values() if n > 1),
        "top_classes": [(c, labels_of[c]) for c, _t, _n in ranked if labels_of[c]][:20],
        "top_classes_by_type": dict(by_type),
        "classes_per_label": sorted(Counter(classes_of.values()).items()),
        "empty_classes": sorted(c for c, n in labels_of.items() if n == 0),
    }


def test_the_drug_class_analysis_counts_what_the_stored_memberships_hold(client, bearer, synced):
    headers = bearer("viewer")
    several = []
    for filters in filter_cases(synced):
        body = analysis(client, headers, "drug-classes", **filters)
        want = expected_drug_classes(synced, labels_in_scope(synced, **filters))
        data, summary = body["data"], body["summary"]
        assert summary["labels"] == want["labels"] > 0, filters
        assert summary["labels_in_several_classes"] == want["labels_in_several_classes"]
        several.append(summary["labels_in_several_classes"])
        pairs = [(c["code"], c["labels"]) for c in data["top_classes"]]
        assert pairs == want["top_classes"], filters
        by_type = {
            class_type: [(c["code"], c["labels"]) for c in classes]
            for class_type, classes in data["top_classes_by_type"].items()
        }
        assert by_type == want["top_classes_by_type"], filters
        histogram = [(b["classes"], b["labels"]) for b in data["classes_per_label"]]
        assert histogram == want["classes_per_label"], filters
        assert sorted(c["code"] for c in data["empty_classes"]) == want["empty_classes"]
        assert summary["empty_classes"] == len(want["empty_classes"]), filters
    assert several[0] > 0  # the catalogue has labels in several classes
