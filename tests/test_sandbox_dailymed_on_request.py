"""The sandbox DailyMed changes between syncs and misbehaves only when told to: new versions and
labels, request counters, faults, 429 bursts with Retry-After, a failing label, latency."""

from __future__ import annotations

from datetime import date

from sandbox.catalogue import Catalogue, ndc_layout
from tests.fixtures.clock import ManualClock
from tests.test_sandbox_dailymed import get

# -- changes between syncs ----------------------------------------------------------------------


def test_publishing_new_versions_bumps_version_and_date_and_adds_a_package(sandbox_dailymed):
    base_url, state = sandbox_dailymed
    before = {
        label.set_id: (label.spl_version, len(state.catalogue.package_ndcs(label)))
        for label in state.catalogue.labels
    }

    bumped = state.publish_new_versions(3)

    for set_id in bumped:
        data = get(base_url, f"/spls/{set_id}/ndcs.json").json()["data"]
        version, packages = before[set_id]
        assert int(data["spl_version"]) == version + 1
        assert (
            data["published_date"] == f"{date.today():%b} {date.today().day}, {date.today().year}"
        )
        assert len(data["ndcs"]) == packages + 1


def test_added_labels_are_listed_and_counted(sandbox_dailymed):
    base_url, state = sandbox_dailymed
    labels_before = state.totals.labels

    added = state.add_labels(4)

    listed = get(base_url, "/spls.json", published_date=date.today().isoformat()).json()
    assert {item["setid"] for item in listed["data"]} == set(added)
    assert state.totals.labels == labels_before + 4


# -- misbehaviour on request --------------------------------------------------------------------


def test_counters_say_how_many_requests_each_endpoint_served(sandbox_dailymed):
    base_url, state = sandbox_dailymed
    set_id = state.catalogue.labels[0].set_id

    get(base_url, "/drugclasses.json")
    get(base_url, "/spls.json")
    get(base_url, "/spls.json")
    get(base_url, f"/spls/{set_id}/packaging.json")

    assert state.counters == {"drugclasses": 1, "spls": 2, "packaging": 1}
    state.reset_counters()
    assert state.counters == {}


def test_a_fault_rate_answers_that_share_with_500_502_or_503(start_sandbox_dailymed):
    base_url, _ = start_sandbox_dailymed(fault_rate=0.2, max_consecutive_faults=100)

    statuses = [get(base_url, "/spls.json", page=n).status_code for n in range(1, 201)]

    assert set(statuses) <= {200, 500, 502, 503}
    assert 20 <= sum(s != 200 for s in statuses) <= 60


def test_faults_are_the_same_on_every_run_with_the_same_seed(start_sandbox_dailymed):
    runs = []
    for _ in range(2):
        base_url, _ = start_sandbox_dailymed(fault_rate=0.3, fault_seed=5)
        runs.append([get(base_url, "/spls.json", page=n).status_code for n in range(1, 41)])

    assert runs[0] == runs[1]


def test_a_url_fails_at_most_max_consecutive_faults_times_in_a_row(start_sandbox_dailymed):
    base_url, _ = start_sandbox_dailymed(fault_rate=1.0, max_consecutive_faults=2)

    statuses = [get(base_url, "/drugclasses.json").status_code for _ in range(3)]

    assert statuses[:2] != [200, 200] and statuses[2] == 200


def test_a_burst_answers_429_with_retry_after_until_it_is_over(start_sandbox_dailymed):
    clock = ManualClock()
    base_url, _ = start_sandbox_dailymed(burst_every=3, burst_seconds=0.5, clock=clock)

    statuses = [get(base_url, "/drugclasses.json").status_code for _ in range(4)]
    throttled = get(base_url, "/drugclasses.json")
    clock.advance(0.5)

    assert statuses == [200, 200, 429, 429]
    assert throttled.headers["Retry-After"] == "1"
    assert get(base_url, "/drugclasses.json").status_code == 200


def test_retry_after_can_be_an_http_date(start_sandbox_dailymed):
    base_url, state = start_sandbox_dailymed(retry_after_format="http-date")
    state.throttle(2)

    response = get(base_url, "/drugclasses.json")

    assert response.status_code == 429
    assert response.headers["Retry-After"].endswith(" GMT")


def test_a_permanently_failing_label_always_answers_500(sandbox_dailymed):
    base_url, state = sandbox_dailymed
    set_id = state.catalogue.labels[9].set_id
    state.fail_permanently(set_id)

    statuses = {get(base_url, f"/spls/{set_id}/packaging.json").status_code for _ in range(4)}

    assert statuses == {500}
    assert get(base_url, "/spls.json").status_code == 200


def test_latency_delays_every_answer(start_sandbox_dailymed):
    clock = ManualClock()
    base_url, _ = start_sandbox_dailymed(latency_ms=120, clock=clock)

    get(base_url, "/drugclasses.json")
    get(base_url, "/spls.json")

    assert clock.sleeps == [0.12, 0.12]


def test_every_package_ndc_layout_the_sandbox_prints_is_known_to_it():
    catalogue = Catalogue(labels=50)
    layouts = {ndc_layout(n) for label in catalogue.labels for n in catalogue.package_ndcs(label)}

    assert layouts <= {"4-4-2", "5-3-2", "5-4-1", "unrecognised"}
