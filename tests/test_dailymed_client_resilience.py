"""The DailyMed client against the sandbox over real HTTP: resilient (faults, 429 bursts and
Retry-After, failing labels, connection errors) and polite (concurrency, rate cap, user agent,
cancel)."""

from __future__ import annotations

import socket

import pytest

from reporting import Cancelled
from scraper.dailymed import (
    DEFAULT_USER_AGENT,
    DailyMedClient,
    LabelDetail,
    LabelFailure,
)
from scraper.http import RateLimiter
from tests.fixtures.clock import ManualClock
from tests.fixtures.dailymed import RecordingReporter, fetch_catalogue
from tests.fixtures.dailymed_client import FAST, small_catalogue

# -- resilience ---------------------------------------------------------------------------------


def test_faults_and_429_bursts_change_nothing_in_the_result(start_sandbox_dailymed):
    clean_url, _ = start_sandbox_dailymed(small_catalogue())
    faulty_url, faulty = start_sandbox_dailymed(
        small_catalogue(), fault_rate=0.2, burst_every=100, burst_seconds=0.2
    )

    with DailyMedClient(clean_url, concurrency=4, page_size=20, **FAST) as client:
        expected = fetch_catalogue(client)
    with DailyMedClient(faulty_url, concurrency=4, page_size=20, **FAST) as client:
        fetched = fetch_catalogue(client)
        stats = client.stats

    assert fetched == expected
    errors = sum(n for status, n in faulty.status_counts.items() if status != 200)
    assert faulty.status_counts[429] > 0 and errors > 0.1 * stats.requests
    assert stats.retries == errors
    assert stats.throttled == faulty.status_counts[429]
    assert stats.failures == 0


@pytest.mark.parametrize("retry_after_format", ["seconds", "http-date"])
def test_a_429_is_retried_only_after_retry_after(start_sandbox_dailymed, retry_after_format):
    clock = ManualClock()  # the client's and the sandbox's: nobody really waits
    base_url, state = start_sandbox_dailymed(retry_after_format=retry_after_format, clock=clock)
    set_id = state.catalogue.labels[0].set_id
    state.throttle(0.3)  # announced in whole seconds: "Retry-After: 1", or the date 1 s on

    with DailyMedClient(base_url, clock=clock, **FAST) as client:
        detail = client.fetch_label_detail(set_id)

    throttled, served = state.log
    assert isinstance(detail, LabelDetail)
    assert (throttled.status, served.status) == (429, 200)
    assert clock.sleeps == [1.0]  # what Retry-After said, not the backoff's milliseconds
    assert served.at - throttled.at == 1.0


def test_a_retry_after_pause_holds_back_every_caller_not_only_the_one_told():
    clock = ManualClock()
    limiter = RateLimiter(None, clock=clock)

    limiter.pause(1.0)  # one worker was told "Retry-After: 1"
    limiter.acquire()  # another worker, about to send

    assert clock.sleeps == [1.0]


def test_a_burst_of_429s_costs_each_worker_at_most_one_of_them(start_sandbox_dailymed):
    base_url, state = start_sandbox_dailymed(latency_ms=5, burst_every=12, burst_seconds=0.2)
    set_ids = [label.set_id for label in state.catalogue.labels[:30]]

    with DailyMedClient(base_url, concurrency=4, rate_limit=40.0, backoff_base=0.001) as client:
        results = list(client.fetch_label_details(set_ids))

    assert all(isinstance(r, LabelDetail) for r in results)
    assert state.bursts >= 2
    # Told to wait (1 s, longer than the burst), the client sends nothing more until the
    # pause is over: only the request each worker already had on its way meets the burst.
    assert 0 < state.status_counts[429] <= state.bursts * 4


def test_a_permanently_failing_label_is_reported_and_nothing_else_is_lost(sandbox_dailymed):
    base_url, state = sandbox_dailymed
    broken = state.catalogue.labels[9].set_id
    state.fail_permanently(broken)
    reporter = RecordingReporter()

    with DailyMedClient(base_url, max_retries=3, reporter=reporter, **FAST) as client:
        fetched = fetch_catalogue(client)

    assert set(fetched.failures) == {broken}
    assert fetched.failures[broken].status == 500
    assert len(fetched.details) == state.totals.labels - 1
    assert len(reporter.warnings) == 1 and broken in reporter.warnings[0]
    asked = [r for r in state.log if broken in r.path]
    assert len(asked) == 4  # the first try and three retries


def test_an_unknown_label_fails_at_once_without_retries(sandbox_dailymed):
    base_url, _ = sandbox_dailymed

    with DailyMedClient(base_url, **FAST) as client:
        (result,) = client.fetch_label_details(["no-such-set-id"])
        stats = client.stats

    assert isinstance(result, LabelFailure) and result.status == 404
    assert (stats.requests, stats.retries, stats.failures) == (1, 0, 1)


def test_connection_errors_are_retried_then_reported(sandbox_dailymed):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]

    with DailyMedClient(f"http://127.0.0.1:{closed_port}", max_retries=2, **FAST) as client:
        (result,) = client.fetch_label_details(["any"])
        stats = client.stats

    assert isinstance(result, LabelFailure) and result.status is None
    assert "the connection was refused" in result.error
    assert (stats.requests, stats.retries) == (3, 2)


# -- politeness ---------------------------------------------------------------------------------


def test_no_more_requests_are_in_flight_than_the_concurrency(start_sandbox_dailymed):
    base_url, state = start_sandbox_dailymed(latency_ms=40)
    set_ids = [label.set_id for label in state.catalogue.labels[:30]]

    with DailyMedClient(base_url, concurrency=3, rate_limit=None) as client:
        results = list(client.fetch_label_details(set_ids))

    assert len(results) == 30
    assert state.max_in_flight == 3


def test_the_rate_cap_spaces_requests_out(sandbox_dailymed):
    base_url, state = sandbox_dailymed
    set_ids = [label.set_id for label in state.catalogue.labels[:21]]
    clock = ManualClock()

    with DailyMedClient(base_url, concurrency=1, rate_limit=20.0, clock=clock) as client:
        list(client.fetch_label_details(set_ids))

    assert state.counters["packaging"] == 21
    assert clock.sleeps == pytest.approx([1 / 20.0] * 20)  # the first goes at once


def test_the_rate_cap_holds_for_all_workers_together(sandbox_dailymed):
    base_url, state = sandbox_dailymed
    set_ids = [label.set_id for label in state.catalogue.labels[:21]]
    clock = ManualClock()
    started = clock.now()

    with DailyMedClient(base_url, concurrency=8, rate_limit=20.0, clock=clock) as client:
        list(client.fetch_label_details(set_ids))

    assert state.counters["packaging"] == 21
    assert clock.now() - started >= 20 / 20.0 - 1e-9  # 21 starts are 20 intervals of 1/20 s


def test_every_request_names_the_product_in_its_user_agent(sandbox_dailymed):
    base_url, state = sandbox_dailymed

    with DailyMedClient(base_url, **FAST) as client:
        list(client.iter_drug_classes(["pe"]))

    assert set(state.user_agents) == {DEFAULT_USER_AGENT}
    assert DEFAULT_USER_AGENT.startswith("MedSync/1.0 (+")


def test_a_cancel_stops_the_label_fetch_promptly(start_sandbox_dailymed):
    base_url, state = start_sandbox_dailymed(latency_ms=5)
    set_ids = [label.set_id for label in state.catalogue.labels]
    reporter = RecordingReporter(cancel_after_checkpoints=10)

    with (
        DailyMedClient(base_url, concurrency=4, reporter=reporter, **FAST) as client,
        pytest.raises(Cancelled),
    ):
        for _ in client.fetch_label_details(set_ids):
            pass

    assert state.counters["packaging"] <= 10 + 1 + 2 * 4  # done + the one queue still in flight


def test_an_unknown_class_type_is_refused_before_any_request(sandbox_dailymed):
    base_url, state = sandbox_dailymed

    with DailyMedClient(base_url, **FAST) as client, pytest.raises(ValueError):
        list(client.iter_drug_classes(["epc", "chemical"]))

    assert state.counters == {}
