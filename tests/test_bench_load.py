"""The load benchmark works end to end at a tiny size: gunicorn serves the generated data, locust
drives every endpoint in a process of its own, and the report holds every figure and a verdict
per target. (The figures themselves come from `python -m bench.load`.)"""

from __future__ import annotations

import pytest

from bench.load import SECTION_TITLE, Results, measure, readme_section

pytestmark = pytest.mark.slow  # gunicorn, locust and ten short runs: about half a minute

ENDPOINTS = 7
IN_ROUNDS = 3  # /health and the two lists
ROUNDS = 2


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
        rounds=ROUNDS,
    )


def test_it_fills_the_drugs_and_authorizations_it_was_asked_for(results: Results):
    assert results.rows["drugs"] == 200
    assert results.rows["authorizations"] == 50
    assert results.rows["ndc_codes"] > results.rows["drugs"]


def test_every_endpoint_answers_under_locust_without_an_error(results: Results):
    names = [m.endpoint for m in results.measures]
    assert len(set(names)) == ENDPOINTS
    assert len(names) == ENDPOINTS + IN_ROUNDS * (ROUNDS - 1)
    for m in results.measures:
        assert m.answered > 0, m
        assert m.errors == 0, m.error_kinds
        assert m.p50_ms <= m.p99_ms


def test_it_reads_the_memory_of_gunicorns_processes_and_the_cpu_locust_used(results: Results):
    assert 50 < results.rss_warm_mb < 2000
    assert all(m.rss_before_mb > 0 and m.rss_after_mb > 0 for m in results.measures)
    assert all(m.locust_cores > 0 for m in results.measures)


def test_the_ceiling_and_the_lists_run_in_rounds_side_by_side_the_rest_once(results: Results):
    in_order = [(m.round, m.endpoint) for m in results.measures]
    ceiling, drugs, authorizations = "/health (ceiling)", "drugs list", "authorizations list"
    assert in_order[: IN_ROUNDS * ROUNDS] == [
        (number, name)
        for number in range(1, ROUNDS + 1)
        for name in (ceiling, drugs, authorizations)
    ]
    assert {number for number, _ in in_order[IN_ROUNDS * ROUNDS :]} == {1}


def test_it_splits_one_request_of_each_endpoint_into_sql_and_python(results: Results):
    assert [b.endpoint for b in results.breakdown] == [e.name for e in results.endpoints]
    for b in results.breakdown:
        assert b.request_ms > b.sql_ms > 0, b
        assert b.statements >= 1 and b.slowest


def test_the_report_is_a_table_with_a_verdict_per_target(results: Results):
    section = readme_section(results)
    assert section.startswith(SECTION_TITLE)
    breakdown_rows = 1 + ENDPOINTS
    runs_rows = 1 + len(results.measures)
    assert section.count("\n| ") == runs_rows + breakdown_rows  # a header, a row each
    lists = 2
    # each list endpoint: its share of /health's throughput and its p99; errors; memory
    assert section.count("(met)") + section.count("(**missed**)") == 2 * lists + 2
    assert section.count(f"the median of {ROUNDS} rounds: ") == 2 * lists
