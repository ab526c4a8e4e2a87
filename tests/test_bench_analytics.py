"""The analytics benchmark works end to end at a tiny size: its generated catalogue has the
shapes it promises, the plain-Python implementations agree with the analyzers, and the report
holds every measure. (The figures themselves come from `python -m bench.analytics`.)"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from analytics.registry import ANALYZERS
from bench.analytics import SECTION_TITLE, Results, measure, readme_section
from tests.fixtures.app import _empty_all_tables


@pytest.fixture(scope="module")
def results(_session_app: Flask) -> Iterator[Results]:
    """One tiny run of the whole harness, shared by this module's tests (it takes seconds)."""
    _empty_all_tables(_session_app)
    with _session_app.app_context():
        yield measure(_session_app, 200, runs=1, repeats=2, classes=60, labelers=40)
    _empty_all_tables(_session_app)


def test_the_generated_catalogue_has_the_promised_shapes(results: Results):
    rows = results.rows
    assert rows["drugs"] == 200
    assert rows["drug_classes"] == 60
    assert 2.0 <= rows["drug_class_memberships"] / rows["drugs"] <= 3.2
    assert 2.5 <= rows["ndc_codes"] / rows["drugs"] <= 3.5
    assert rows["active_ingredients"] >= rows["drugs"]
    assert rows["record_changes"] > 0


def test_the_plain_implementations_agree_with_the_analyzers(results: Results):
    assert results.comparison.differences == []
    assert set(results.comparison.plain) == {"ndc", "drug-classes", "names", "quality"}


def test_every_registered_analyzer_is_timed_stored_and_live_under_both_filters(results: Results):
    assert set(results.per_analyzer) == set(ANALYZERS)
    measured = {(x.analysis, x.filter.split()[0]) for x in results.latencies}
    assert measured == {(name, kind) for name in ANALYZERS for kind in ("class", "labeler")}
    assert all(len(x.milliseconds) == 2 for x in results.latencies)


def test_a_separate_process_reports_the_peak_memory_of_a_run(results: Results):
    assert 0 < results.memory["before_mb"] <= results.memory["peak_mb"]


def test_the_report_is_a_table_with_a_verdict_per_target(results: Results):
    section = readme_section(results)
    assert section.startswith(SECTION_TITLE)
    assert "| Measure | Result | Target |" in section
    assert section.count("met") + section.count("**missed**") >= 2 + 2 * len(ANALYZERS) + 1
