"""DailyMed sync end to end: the sandbox DailyMed over real HTTP, real PostgreSQL."""

import time

import pytest
import sqlalchemy as sa

from database import db
from models import Drug
from sandbox.catalogue import Catalogue
from scraper.dailymed_titles import parse_title
from tests.fixtures.dailymed_sync import (
    forget_dailymed,
    republish,
    run_sync,
    stored_catalogue,
)


@pytest.fixture
def small_sandbox(start_sandbox_dailymed):
    """A sandbox DailyMed with a small catalogue, for tests about behaviour, not volume."""
    return start_sandbox_dailymed(Catalogue(classes=12, labels=150))


@pytest.fixture
def synced(dailymed_app, small_sandbox):
    """A first, complete sync of a small sandbox catalogue; yields the sandbox state."""
    base_url, state = small_sandbox
    dailymed_app(base_url)
    run = run_sync()
    assert run.status == "completed", run.error_message
    state.reset_counters()
    return state


def test_a_full_sync_stores_exactly_the_catalogue(dailymed_app, sandbox_dailymed):
    base_url, state = sandbox_dailymed
    dailymed_app(base_url)
    run = run_sync()
    assert run.status == "completed" and run.warnings == [], run.error_message
    totals = state.totals
    stored = stored_catalogue()
    assert len(stored["classes"]) == totals.classes
    assert len(stored["drugs"]) == totals.labels
    assert len(stored["memberships"]) == totals.memberships
    assert len(stored["ndcs"]) == totals.package_ndcs + totals.product_ndcs
    assert len(stored["ingredients"]) == totals.ingredients
    assert run.records_found == run.records_inserted == totals.labels
    assert state.counters["packaging"] == totals.labels  # each label's details once


def test_progress_is_reported_in_phases(dailymed_app, small_sandbox):
    base_url, state = small_sandbox
    dailymed_app(base_url)
    details = run_sync().progress_details
    assert details["phase"] == "done" and details["mode"] == "full"
    assert details["classes_done"] == details["classes_total"] == state.totals.classes
    assert details["classes_read"] == details["classes_expected"] == state.totals.classes
    assert details["labels_done"] == details["labels_total"] == state.totals.labels
    assert details["requests"] == sum(state.counters.values())
    assert {"retries", "rate", "labels_failed"} <= set(details)


def test_only_the_configured_class_types_are_read_up_to_the_cap(dailymed_app, small_sandbox):
    base_url, state = small_sandbox
    dailymed_app(base_url, dailymed_class_types=("MOA",), dailymed_max_classes=2)
    run = run_sync()

    assert run.status == "completed", run.error_message
    stored = stored_catalogue()
    catalogue = state.catalogue
    first_two = [i for i, c in enumerate(catalogue.classes) if c.type == "MOA"][:2]
    assert stored["classes"] == sorted(
        (c.code, c.type, c.name) for c in (catalogue.classes[i] for i in first_two)
    )
    members = {catalogue.labels[j].set_id for i in first_two for j in catalogue.class_members[i]}
    assert {row[0] for row in stored["drugs"]} == members
    details = run.progress_details
    assert details["classes_read"] == details["classes_expected"] == 2


def test_a_second_sync_changes_nothing(synced):
    before = stored_catalogue()
    run = run_sync()
    assert run.status == "completed"
    assert run.records_inserted == run.records_updated == 0
    assert run.progress_details["mode"] == "incremental"
    assert synced.counters["packaging"] == 0
    assert stored_catalogue() == before


def test_an_incremental_sync_fetches_only_new_and_changed_labels(synced):
    changed = synced.publish_new_versions(5)
    added = synced.add_labels(3)
    run = run_sync()
    assert run.status == "completed", run.error_message
    assert (run.records_updated, run.records_inserted) == (5, 3)
    assert synced.counters["packaging"] == 8
    fetched = {path.split("/")[-2] for path in _paths(synced, "packaging")}
    assert fetched == set(changed) | set(added)
    assert all("published_date=" in path for path in _paths(synced, "spls"))
    totals, stored = synced.totals, stored_catalogue()
    assert len(stored["drugs"]) == totals.labels
    assert len(stored["ndcs"]) == totals.package_ndcs + totals.product_ndcs
    assert len(stored["memberships"]) == totals.memberships
    versions = dict(db.session.execute(sa.select(Drug.set_id, Drug.details_version)).all())
    for set_id in changed:
        assert versions[set_id] == synced.catalogue.labels_by_set_id[set_id].spl_version


def test_faults_and_429_bursts_give_the_same_result_and_the_retries_are_reported(
    dailymed_app, small_sandbox
):
    base_url, state = small_sandbox
    dailymed_app(base_url)
    assert run_sync().status == "completed"
    fault_free = stored_catalogue()

    forget_dailymed()
    state.fault_rate, state.burst_every = 0.2, 80
    run = run_sync()
    assert run.status == "completed" and run.warnings == [], run.warnings
    assert stored_catalogue() == fault_free
    assert state.status_counts[429] >= 1 and state.status_counts[500] >= 1
    assert run.progress_details["retries"] >= state.status_counts[429] + state.status_counts[500]
    assert run.progress_details["throttled"] >= 1


def test_a_label_that_keeps_failing_is_reported_and_nothing_else_is_lost(
    dailymed_app, small_sandbox
):
    base_url, state = small_sandbox
    dailymed_app(base_url)
    broken = state.catalogue.labels[7].set_id
    state.fail_permanently(broken)
    run = run_sync()
    assert run.status == "completed" and run.current_step == "completed with errors"
    assert len(run.warnings) == 1 and broken in run.warnings[0]
    assert run.progress_details["labels_failed"] == 1
    totals, stored = state.totals, stored_catalogue()
    assert len(stored["drugs"]) == totals.labels  # listed, waiting for its details
    assert len(stored["memberships"]) == totals.memberships
    assert {row[0] for row in stored["ndcs"]} == {
        label.set_id for label in state.catalogue.labels if label.set_id != broken
    }

    state.failing_set_ids.clear()
    state.reset_counters()
    run = run_sync()
    assert run.status == "completed" and run.warnings == []
    assert state.counters["packaging"] == 1  # only the label left behind
    assert len(stored_catalogue()["ndcs"]) == totals.package_ndcs + totals.product_ndcs


def test_a_cancelled_sync_keeps_its_work_and_the_next_one_completes_it(
    dailymed_app, sandbox_dailymed, client, bearer
):
    base_url, state = sandbox_dailymed
    dailymed_app(base_url, dailymed_concurrency=2)
    state.hold_details_after(150)  # the sync is surely mid-way when the cancel arrives
    headers = bearer("editor")
    response = client.post("/api/scrape", json={"source": "dailymed"}, headers=headers)
    assert response.status_code == 202, response.json
    job_id = response.json["job_id"]
    status = _wait_for(client, headers, job_id, lambda s: _labels_done(s) >= 100)
    assert status["status"] == "running"
    client.post(f"/api/scrape/{job_id}/cancel", headers=headers)
    state.open_gate()
    cancelled = _wait_for(client, headers, job_id, lambda s: s["status"] != "running")
    assert cancelled["status"] == "cancelled"
    kept = db.session.scalar(
        sa.select(sa.func.count(Drug.id)).where(Drug.details_version.is_not(None))
    )
    assert 100 <= kept < state.totals.labels

    state.reset_counters()
    run = run_sync()
    assert run.status == "completed"
    assert state.counters["packaging"] == state.totals.labels - kept
    stored = stored_catalogue()
    assert len(stored["ndcs"]) == state.totals.package_ndcs + state.totals.product_ndcs
    assert len(stored["ingredients"]) == state.totals.ingredients


def test_a_correction_survives_a_sync_and_a_source_change_asks_for_review(synced, client, bearer):
    headers = bearer("editor")
    label = synced.catalogue.labels[0]
    drug = _drug(client, headers, label.set_id)
    patched = client.patch(
        f"/api/drugs/{drug['id']}",
        json={"title": "Corrected title", "version": drug["version"]},
        headers=headers,
    )
    assert patched.status_code == 200, patched.json

    republish(synced, label.set_id)  # a new version, the same (uncorrected) title
    run = run_sync()
    assert run.records_kept_manual == 1
    after = _drug(client, headers, label.set_id)
    assert after["title"] == "Corrected title" and after["needs_review"] is False
    assert after["spl_version"] == label.spl_version  # the rest of the label did update

    republish(synced, label.set_id, title="RENAMED BY THE SOURCE")
    run_sync()
    flagged = _drug(client, headers, label.set_id)
    assert flagged["title"] == "Corrected title" and flagged["needs_review"] is True
    assert flagged["review"] == [
        {"field": "title", "yours": "Corrected title", "source": "RENAMED BY THE SOURCE"}
    ]


def test_a_sync_stores_what_every_label_title_names(synced):
    stored = {
        set_id: (brand, generic, form, labeler)
        for set_id, brand, generic, form, labeler, source in db.session.execute(
            sa.select(
                Drug.set_id,
                Drug.brand_name,
                Drug.generic_name,
                Drug.dosage_form,
                Drug.labeler_name,
                Drug.source_values,
            )
        )
        if source["dosage_form"] == form  # recorded as the source's values too
    }
    expected = {}
    for label in synced.catalogue.labels:
        parts = parse_title(label.title)
        expected[label.set_id] = (
            parts.brand_name,
            parts.generic_name,
            parts.dosage_form,
            parts.labeler_name,
        )
    assert stored == expected
    assert all(generic and form and labeler for _, generic, form, labeler in stored.values())
    assert any(brand for brand, _, _, _ in stored.values())
    assert any(brand is None for brand, _, _, _ in stored.values())


def test_a_corrected_dosage_form_survives_a_sync_and_a_source_change_asks_for_review(
    synced, client, bearer
):
    headers = bearer("editor")
    label = next(
        lbl
        for lbl in synced.catalogue.labels
        if lbl.title.endswith(f"TABLET [{lbl.labeler.name.upper()}]")
    )
    drug = _drug(client, headers, label.set_id)
    assert drug["dosage_form"] == "TABLET"
    patched = client.patch(
        f"/api/drugs/{drug['id']}",
        json={"dosage_form": "TABLET, CHEWABLE", "version": drug["version"]},
        headers=headers,
    )
    assert patched.status_code == 200, patched.json

    republish(synced, label.set_id)  # a new version, the same title
    run_sync()
    after = _drug(client, headers, label.set_id)
    assert after["dosage_form"] == "TABLET, CHEWABLE" and after["needs_review"] is False
    assert after["spl_version"] == label.spl_version

    capsule_title = label.title.replace(" TABLET [", " CAPSULE [")
    republish(synced, label.set_id, title=capsule_title)
    run_sync()
    flagged = _drug(client, headers, label.set_id)
    assert flagged["title"] == capsule_title  # nobody corrected the title: it follows
    assert flagged["dosage_form"] == "TABLET, CHEWABLE" and flagged["needs_review"] is True
    assert flagged["review"] == [
        {"field": "dosage_form", "yours": "TABLET, CHEWABLE", "source": "CAPSULE"}
    ]


def test_search_finds_a_drug_by_every_form_of_its_ndc(synced, client, bearer):
    headers = bearer("viewer")
    for label in synced.catalogue.labels[:3]:  # one labeler of each 10-digit layout
        product = synced.catalogue.products(label)[0]["product_code"]
        printed = synced.catalogue.package_ndcs(label)[0]
        labeler, item, package = printed.split("-")
        eleven = labeler.zfill(5) + item.zfill(4) + package.zfill(2)
        for query in (
            printed,
            eleven,
            f"{eleven[:5]}-{eleven[5:9]}-{eleven[9:]}",
            printed.replace("-", ""),
            product,
            labeler.zfill(5) + item.zfill(4),
        ):
            found = client.get(f"/api/drugs?ndc={query}", headers=headers).json["data"]
            assert label.set_id in {d["set_id"] for d in found}, (printed, query)


def test_a_shared_ndc_finds_both_labels_and_a_code_fitting_no_form_finds_its_own(
    synced, client, bearer
):
    headers = bearer("viewer")
    catalogue = synced.catalogue
    shared = catalogue.package_ndcs(catalogue.labels[catalogue.repackaged_label])[0]
    assert client.get(f"/api/drugs?ndc={shared}", headers=headers).json["total"] == 2
    odd_label = catalogue.labels[3]  # carries a package code of three digits
    odd = next(ndc for ndc in catalogue.package_ndcs(odd_label) if len(ndc.split("-")[2]) == 3)
    found = client.get(f"/api/drugs?ndc={odd}", headers=headers).json["data"]
    assert [d["set_id"] for d in found] == [odd_label.set_id]


def test_cli_sync_draws_progress_and_exits_zero(dailymed_app, small_sandbox, runner):
    base_url, state = small_sandbox
    dailymed_app(base_url)
    result = runner.invoke(args=["sync", "dailymed"])
    assert result.exit_code == 0, result.output
    assert f"found {state.totals.labels}" in result.output
    assert f"fetched {state.totals.labels} of {state.totals.labels} labels" in result.output


def test_cli_sync_exits_non_zero_when_dailymed_cannot_be_reached(dailymed_app, runner):
    dailymed_app("http://127.0.0.1:9/dailymed/services/v2")
    result = runner.invoke(args=["sync", "dailymed"])
    assert result.exit_code != 0
    assert "failed" in result.output and "Could not reach DailyMed" in result.output


def _paths(state, endpoint: str) -> list[str]:
    return [served.path for served in state.log if served.endpoint == endpoint]


def _drug(client, headers, set_id: str) -> dict:
    drug_id = db.session.scalar(sa.select(Drug.id).where(Drug.set_id == set_id))
    return client.get(f"/api/drugs/{drug_id}", headers=headers).json["data"]


def _labels_done(status: dict) -> int:
    return status["progress"]["details"].get("labels_done", 0)


def _wait_for(client, headers, job_id: int, condition, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = client.get(f"/api/scrape/status/{job_id}", headers=headers).json
        if condition(status) or status["status"] not in ("queued", "running"):
            return status
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} did not get there in {timeout}s")
