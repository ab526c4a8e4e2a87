"""Analytics runs: a job of the shared engine that computes every registered analyzer unfiltered
and stores each result — a JSON document plus typed rows for the NDC, drug-class and names
analyses — per run, one transaction per analysis; with progress per analysis, cancel between
analyses, one run at a time; started after each completed DailyMed sync and by the analytics
schedule."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

import accounts
from analytics import registry
from analytics.filters import Filters
from config import ConfigError, load_settings
from database import db
from jobs import engine, schedules
from models import (
    AnalyticsResult,
    AnalyticsTopClass,
    AnalyticsTopGenericName,
    AnalyticsTopLabeler,
    Run,
)
from reporting import Reporter
from tests.fixtures.analytics_runs import (
    Held,
    stored_results,
    wait_for_run,
    wait_for_source,
)
from tests.fixtures.app import TEST_PASSWORD, settings_for_tests
from tests.fixtures.browser import sign_in, wait


def typed(model: Any, result: AnalyticsResult, *columns: str) -> list[tuple]:
    rows = db.session.scalars(
        sa.select(model).where(model.result_id == result.id).order_by(model.rank)
    )
    return [tuple(getattr(row, c) for c in columns) for row in rows]


def run_analytics(watcher: Reporter | None = None) -> Run:
    return engine.run_in_foreground("analytics", "tests", watcher)


class Steps(Reporter):
    def __init__(self) -> None:
        self.seen: list[tuple[int, int | None, str]] = []

    def progress(self, done: int, total: int | None, step: str, **details: object) -> None:
        self.seen.append((done, total, step))


# ------------------------------------------------------------------ what a run stores


def test_a_run_stores_one_result_per_registered_analyzer_with_typed_rows_matching_it(
    app: Flask, synced
):
    run = run_analytics()
    assert run.status == "completed", run.error_message
    assert run.records_found == run.records_inserted == len(registry.ANALYZERS)
    stored = stored_results(run.id)
    assert set(stored) == set(registry.ANALYZERS)
    for name, result in stored.items():  # the data did not change: live gives the same figures
        live = app.json.loads(app.json.dumps(registry.ANALYZERS[name](Filters())))
        assert (result.summary, result.data) == (live["summary"], live["data"]), name
        assert result.note is None and result.computed_at >= run.started_at

    labelers = stored["ndc"].data["top_labelers"]
    assert labelers and typed(
        AnalyticsTopLabeler, stored["ndc"], "rank", "labeler", "products", "packages", "labels"
    ) == [
        (rank, i["labeler"], i["products"], i["packages"], i["labels"])
        for rank, i in enumerate(labelers, start=1)
    ]
    classes = stored["drug-classes"].data["top_classes"]
    assert classes and typed(
        AnalyticsTopClass,
        stored["drug-classes"],
        "class_id",
        "code",
        "name",
        "class_type",
        "labels",
    ) == [(c["id"], c["code"], c["name"], c["class_type"], c["labels"]) for c in classes]
    names = stored["names"].data["top_generic_names"]
    assert names and typed(AnalyticsTopGenericName, stored["names"], "name", "labels") == [
        (n["name"], n["labels"]) for n in names
    ]


def test_an_empty_database_stores_valid_empty_results(app: Flask):
    run = run_analytics()
    assert run.status == "completed", run.error_message
    stored = stored_results(run.id)
    assert set(stored) == set(registry.ANALYZERS)
    assert stored["ndc"].summary["labels"] == 0 and stored["ndc"].data["top_labelers"] == []
    assert typed(AnalyticsTopLabeler, stored["ndc"], "labeler") == []


def test_progress_is_one_step_per_analysis(app: Flask):
    steps = Steps()
    run = run_analytics(steps)
    names, total = list(registry.ANALYZERS), len(registry.ANALYZERS)
    assert steps.seen == [(i, total, n) for i, n in enumerate(names)] + [(total, total, "done")]
    assert (run.progress_done, run.progress_total, run.current_step) == (total, total, "done")


def test_a_running_run_shows_its_analysis_and_a_second_trigger_is_a_409(
    app: Flask, client, bearer, held: Held
):
    headers = bearer("editor")
    held.at("drug-classes")
    job_id = client.post("/api/analytics/run", headers=headers).json["job_id"]
    held.wait_until_reached()
    status = client.get(f"/api/scrape/status/{job_id}", headers=headers).json
    assert status["source"] == "analytics" and status["status"] == "running"
    progress = status["progress"]
    assert (progress["done"], progress["total"], progress["step"]) == (
        1,
        len(registry.ANALYZERS),
        "drug-classes",
    )
    again = client.post("/api/analytics/run", headers=headers)
    assert again.status_code == 409 and again.json["error"]["details"]["job_id"] == job_id
    held.release.set()
    assert wait_for_run(job_id).status == "completed"


def test_cancel_stops_between_analyses_leaving_only_whole_results(
    app: Flask, client, bearer, synced, held: Held
):
    headers = bearer("editor")
    held.at("drug-classes")  # the second analysis: computed, being stored when cancel comes
    job_id = client.post("/api/analytics/run", headers=headers).json["job_id"]
    held.wait_until_reached()
    assert client.post(f"/api/scrape/{job_id}/cancel", headers=headers).status_code == 202
    held.release.set()
    run = wait_for_run(job_id)
    assert run.status == "cancelled"
    stored = stored_results(job_id)
    assert list(stored) == ["ndc", "drug-classes"]  # the rest never started
    assert run.records_inserted == 2
    labelers = typed(AnalyticsTopLabeler, stored["ndc"], "labeler")
    assert len(labelers) == len(stored["ndc"].data["top_labelers"]) > 0
    classes = typed(AnalyticsTopClass, stored["drug-classes"], "code")
    assert len(classes) == len(stored["drug-classes"].data["top_classes"]) > 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AnalyticsTopGenericName)) == 0


def test_an_analysis_that_cannot_be_stored_leaves_nothing_of_itself_and_fails_the_run(
    app: Flask, synced, monkeypatch: pytest.MonkeyPatch
):
    names = registry.ANALYZERS["names"]

    def twice_the_same_name(filters: Filters) -> dict[str, Any]:
        result = names(filters)  # a top list naming one name twice breaks its typed rows' key
        top = result["data"]["top_generic_names"]
        result["data"]["top_generic_names"] = [*top, top[0]]
        return result

    monkeypatch.setitem(registry.ANALYZERS, "names", twice_the_same_name)
    run = run_analytics()
    assert run.status == "failed"
    assert run.error_message.startswith("Storing the names analysis failed")
    stored = stored_results(run.id)
    assert "names" not in stored and {"ndc", "drug-classes"} <= set(stored)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AnalyticsTopGenericName)) == 0


def test_an_analysis_that_fails_names_itself_in_the_run(app: Flask, monkeypatch):
    def broken(filters: Filters) -> dict[str, Any]:
        raise RuntimeError("division by zero\nsecond line")

    monkeypatch.setitem(registry.ANALYZERS, "drug-classes", broken)
    run = run_analytics()
    assert run.status == "failed"
    assert run.error_message == "The drug-classes analysis failed: division by zero"
    assert list(stored_results(run.id)) == ["ndc"]


def test_deleting_a_run_deletes_its_results_and_their_rows(app: Flask, synced):
    run = run_analytics()
    db.session.execute(sa.delete(Run).where(Run.id == run.id))
    db.session.commit()
    for model in (AnalyticsResult, AnalyticsTopLabeler, AnalyticsTopClass, AnalyticsTopGenericName):
        assert db.session.scalar(sa.select(sa.func.count()).select_from(model)) == 0


# ------------------------------------------------------------------ after a DailyMed sync


def test_an_analytics_run_follows_a_completed_dailymed_sync_and_names_it(
    app: Flask, client, bearer, dailymed_app, start_sandbox_dailymed
):
    base_url, _state = start_sandbox_dailymed()
    dailymed_app(base_url, analytics_after_sync=True)
    response = client.post("/api/scrape", json={"source": "dailymed"}, headers=bearer("editor"))
    sync_id = response.json["job_id"]
    assert wait_for_run(sync_id).status == "completed"
    analytics_run = wait_for_source("analytics", f"after:dailymed run {sync_id}")
    assert analytics_run.status == "completed", analytics_run.error_message
    assert set(stored_results(analytics_run.id)) == set(registry.ANALYZERS)
    assert stored_results(analytics_run.id)["ndc"].summary["labels"] > 0  # after the sync


def test_after_a_sync_in_the_foreground_the_analytics_run_follows_in_the_foreground(
    app: Flask, runner, dailymed_app, start_sandbox_dailymed
):
    base_url, _state = start_sandbox_dailymed()
    dailymed_app(base_url, analytics_after_sync=True)
    result = runner.invoke(args=["sync", "dailymed"])
    assert result.exit_code == 0, result.output
    runs = db.session.execute(sa.select(Run.id, Run.source, Run.status, Run.triggered_by)).all()
    [sync] = [r for r in runs if r.source == "dailymed"]
    assert [(r.source, r.status, r.triggered_by) for r in runs if r.source == "analytics"] == [
        ("analytics", "completed", f"after:dailymed run {sync.id}")
    ]


def test_no_analytics_run_follows_a_failed_sync_or_when_the_setting_is_off(
    app: Flask, synced, dailymed_app
):
    assert db.session.scalar(sa.select(Run.id).where(Run.source == "analytics")) is None
    dailymed_app("http://127.0.0.1:9/unreachable", analytics_after_sync=True)
    run = engine.run_in_foreground("dailymed", "tests")
    assert run.status == "failed"
    assert db.session.scalar(sa.select(Run.id).where(Run.source == "analytics")) is None


def test_analytics_after_sync_is_on_by_default_and_a_bad_value_names_the_variable():
    assert load_settings({}).analytics_after_sync is True
    assert load_settings({"ANALYTICS_AFTER_SYNC": "false"}).analytics_after_sync is False
    with pytest.raises(ConfigError, match="ANALYTICS_AFTER_SYNC"):
        load_settings({"ANALYTICS_AFTER_SYNC": "sometimes"})


# ------------------------------------------------------------------ on the schedule


@pytest.fixture(scope="module")
def every_minute(make_app) -> Flask:
    settings = settings_for_tests(ANALYTICS_SCHEDULE="* * * * *", SCRAPE_SCHEDULE="0 12 1 1 *")
    return make_app(SETTINGS=settings)


def test_the_analytics_schedule_fires_a_real_analytics_run(app: Flask, every_minute: Flask):
    now = datetime(2026, 12, 8, 0, 10, 2).astimezone()
    with every_minute.app_context():
        assert next(s for s in schedules.states(now) if s.spec.name == "analytics").available
        [fired] = schedules.tick(now)
        db.session.remove()
    assert fired.schedule == "analytics" and fired.outcome == "started"
    [run_id] = fired.run_ids
    run = wait_for_run(run_id)
    assert (run.source, run.status, run.triggered_by) == (
        "analytics",
        "completed",
        "schedule:analytics",
    )
    assert set(stored_results(run_id)) == set(registry.ANALYZERS)


# ------------------------------------------------------------------ on the Runs screen


def test_the_runs_screen_lists_analytics_runs_and_says_which_sync_started_one(
    app: Flask, browser, live_server
):
    sync = Run(source="dailymed", status="completed", triggered_by="user:alice")
    db.session.add(sync)
    db.session.commit()
    after = Run(
        source="analytics", status="completed", triggered_by=f"after:dailymed run {sync.id}"
    )
    db.session.add(after)
    db.session.commit()
    accounts.create_user("vera", TEST_PASSWORD, "viewer")
    sign_in(browser, live_server, "vera")
    browser.get(f"{live_server}/#/runs")
    rows = "#runs-table tr[data-run-id]"
    wait(browser).until(lambda b: len(b.find_elements(By.CSS_SELECTOR, rows)) == 2)

    Select(browser.find_element(By.ID, "runs-source")).select_by_value("analytics")
    wait(browser).until(
        lambda b: (
            [r.get_attribute("data-run-id") for r in b.find_elements(By.CSS_SELECTOR, rows)]
            == [str(after.id)]
        )
    )
    row = browser.find_element(By.CSS_SELECTOR, rows).text
    assert "Analytics" in row and f"After DailyMed run #{sync.id}" in row
