"""The load benchmark works end to end at a tiny size: gunicorn serves the generated data, locust
drives every endpoint in a process of its own, and the report holds every figure and a verdict
per target. (The figures themselves come from `python -m bench.load`.)"""

from __future__ import annotations

import pytest

from bench.load import SECTION_TITLE, Results, measure, readme_section

pytestmark = pytest.mark.slow  # gunicorn, locust and seven short runs: about half a minute

ENDPOINTS = 7


@pytest.fixture(scope="module")
def results(pg_server_url: str) -> Results:
    """One tiny run of the whole harness (its own database on the suite's server)."""
    return measure(
        drugs=200,
        authorizations=50,
        users=[2],
        seconds=2,
        workers=2,
        threads=2,
        server_url=pg_server_url,
    )


def test_it_fills_the_drugs_and_authorizations_it_was_asked_for(results: Results):
    assert results.rows["drugs"] == 200
    assert results.rows["authorizations"] == 50
    assert results.rows["ndc_codes"] > results.rows["drugs"]


def test_every_endpoint_answers_under_locust_without_an_error(results: Results):
    names = [m.endpoint for m in results.measures]
    assert names[0] == "/health (ceiling)"
    assert len(names) == len(set(names)) == ENDPOINTS
    for m in results.measures:
        assert m.answered > 0, m
        assert m.errors == 0, m.error_kinds
        assert m.p50_ms <= m.p99_ms


def test_it_reads_the_memory_of_gunicorns_processes_and_the_cpu_locust_used(results: Results):
    assert 50 < results.rss_warm_mb < 2000
    assert all(m.rss_before_mb > 0 and m.rss_after_mb > 0 for m in results.measures)
    assert all(m.locust_cores > 0 for m in results.measures)


def test_it_splits_one_request_of_each_endpoint_into_sql_and_python(results: Results):
    assert [b.endpoint for b in results.breakdown] == [m.endpoint for m in results.measures]
    for b in results.breakdown:
        assert b.request_ms > b.sql_ms > 0, b
        assert b.statements >= 1 and b.slowest


def test_the_report_is_a_table_with_a_verdict_per_target(results: Results):
    section = readme_section(results)
    assert section.startswith(SECTION_TITLE)
    assert section.count("\n| ") == 2 * (1 + ENDPOINTS)  # two tables: a header, a row each
    lists = 2
    # each list endpoint: its share of /health's throughput and its p99; errors; memory
    assert section.count("(met)") + section.count("(**missed**)") == 2 * lists + 2
