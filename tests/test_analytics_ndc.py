"""/api/analytics/ndc: labelers by products and packages, shared NDCs, NDCs per label, formats
and unrecognised codes agree with the same figures counted in plain Python over the codes a real
sync stored, unfiltered and under filters (0002 and 00002 one labeler)."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

import pytest

from scraper.ndc import hyphenated
from tests.test_analytics import (
    a_four_digit_labeler,
    analysis,
    filter_cases,
    labels_in_scope,
    sync_sandbox,
)


@pytest.fixture
def synced(dailymed_app, start_sandbox_dailymed) -> dict[str, list[tuple]]:
    return sync_sandbox(dailymed_app, start_sandbox_dailymed)


def expected_ndc(stored: dict[str, list[tuple]], scope: set[str]) -> dict[str, Any]:
    codes = [row for row in stored["ndcs"] if row[0] in scope]
    products: dict[str, set[str]] = defaultdict(set)
    packages: dict[str, set[str]] = defaultdict(set)
    labels_of: dict[str, set[str]] = defaultdict(set)
    per_label = Counter({set_id: 0 for set_id in scope})
    seen: set[str] = set()
    for set_id, _ndc, _kind, _format, ndc11, product_ndc9, labeler5, _desc in codes:
        per_label[set_id] += 1
        if labeler5:
            seen.add(labeler5)
            if product_ndc9:
                products[labeler5].add(product_ndc9)
            if ndc11:
                packages[labeler5].add(ndc11)
        if ndc11:
            labels_of[ndc11].add(set_id)
    labelers = sorted(
        seen,
        key=lambda code: (-len(products[code]), -len(packages[code]), code),
    )
    formats = Counter({"4-4-2": 0, "5-3-2": 0, "5-4-1": 0, "5-4-2": 0, "unrecognised": 0})
    formats.update("5-4-2" if row[3] == "11-digit" else row[3] for row in codes)
    shared = sorted(
        ((ndc11, len(s)) for ndc11, s in labels_of.items() if len(s) > 1),
        key=lambda item: (-item[1], item[0]),
    )
    return {
        "labels": len(scope),
        "top_labelers": [
            {"labeler": code, "products": len(products[code]), "packages": len(packages[code])}
            for code in labelers[:20]
        ],
        "shared": [{"ndc": hyphenated(ndc11), "labels": n} for ndc11, n in shared],
        "ndcs_per_label": sorted(Counter(per_label.values()).items()),
        "formats": dict(formats),
        "unrecognised": sorted({row[1] for row in codes if row[3] == "unrecognised"}),
    }


def test_the_ndc_analysis_counts_what_the_stored_codes_hold(client, bearer, synced):
    headers = bearer("viewer")
    for filters in filter_cases(synced):
        body = analysis(client, headers, "ndc", **filters)
        want = expected_ndc(synced, labels_in_scope(synced, **filters))
        data, summary = body["data"], body["summary"]
        assert summary["labels"] == want["labels"] > 0, filters
        top = [
            {k: item[k] for k in ("labeler", "products", "packages")}
            for item in data["top_labelers"]
        ]
        assert top == want["top_labelers"], filters
        assert [{k: i[k] for k in ("ndc", "labels")} for i in data["shared"]] == want["shared"]
        histogram = [(b["ndcs"], b["labels"]) for b in data["ndcs_per_label"]]
        assert histogram == want["ndcs_per_label"], filters
        assert {f["format"]: f["ndcs"] for f in data["formats"]} == want["formats"], filters
        assert [item["ndc"] for item in data["unrecognised"]] == want["unrecognised"], filters
        assert summary["unrecognised_ndcs"] == len(want["unrecognised"])
    assert body["filters"] == {"labeler": filters["labeler"].zfill(5)}


def test_the_sandbox_catalogue_exercises_what_the_ndc_analysis_looks_for(client, bearer, synced):
    data = analysis(client, bearer("viewer"), "ndc")["data"]
    assert data["shared"] and data["unrecognised"]  # a repackager and codes fitting no form
    four_digit = a_four_digit_labeler(synced)
    by_labeler = analysis(client, bearer("viewer"), "ndc", labeler=four_digit)["data"]
    printed = next(i for i in by_labeler["top_labelers"] if i["labeler"] == four_digit.zfill(5))
    assert four_digit in printed["printed_as"]  # 0002 and 00002 counted as one labeler
