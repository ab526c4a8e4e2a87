"""Analytics runs from the Analytics screen: "Run analytics" shows progress, then when it ran
and what changed since the run before; a second start joins the run already going; viewers get
no "Run analytics"; the Overview's analytics card shows the same figures."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select

from analytics import runs
from jobs import engine
from tests.fixtures.analytics_browser import (
    SCREENSHOTS,
    after_redraw,
    csp_violations,
    open_analytics,
    signed_in,
)
from tests.fixtures.browser import screen_settled, wait


def test_viewers_get_no_run_button_and_editors_do(browser, live_server, synced):
    signed_in(browser, live_server, "viewer")
    open_analytics(browser, live_server)
    assert browser.find_elements(By.ID, "analytics-run") == []
    assert browser.find_element(By.ID, "analytics-last-run").is_displayed()
    browser.delete_all_cookies()
    signed_in(browser, live_server, "editor")
    open_analytics(browser, live_server)
    assert browser.find_element(By.ID, "analytics-run").is_displayed()


def test_the_overview_card_shows_the_analytics_figures(browser, live_server, synced, api):
    signed_in(browser, live_server, "viewer")
    summary = api("ndc")["summary"]
    card = wait(browser).until(
        EC.visibility_of_element_located((By.CSS_SELECTOR, "[data-analytics-card]"))
    )
    wait(browser).until(lambda _: card.get_attribute("aria-busy") is None)

    def figure(key: str) -> str:
        selector = f'[data-analytics-figure="{key}"] .stat-figure'
        return card.find_element(By.CSS_SELECTOR, selector).get_attribute("data-value")

    assert figure("labels") == str(summary["labels"])
    assert figure("labelers") == str(summary["labelers"])
    assert figure("look_alike_pairs") == str(api("network")["summary"]["look_alike_pairs"])
    if SCREENSHOTS:
        card.screenshot(os.path.join(SCREENSHOTS, "overview-analytics-card.png"))
    card.find_element(By.CSS_SELECTOR, "a[data-stat-link=analytics]").click()
    wait(browser, 30).until(screen_settled("analytics"))
    assert browser.current_url.endswith("#/analytics")


def test_run_analytics_shows_progress_then_when_it_ran_and_what_changed(
    browser, live_server, synced, client, bearer
):
    signed_in(browser, live_server, "editor")
    open_analytics(browser, live_server)
    last_run = browser.find_element(By.ID, "analytics-last-run")
    assert last_run.get_attribute("data-state") == "none"
    assert "hasn't run yet" in last_run.text

    def run_analytics(previous: str | None = None) -> str:
        browser.find_element(By.ID, "analytics-run").click()
        # When the run ends the screen reloads and names it as the last run.
        wait(browser, 60).until(
            lambda _: last_run.get_attribute("data-run-id") not in (None, previous)
        )
        progress = browser.find_element(By.CSS_SELECTOR, "[data-sync-panel=analytics]")
        assert progress.get_attribute("data-state") == "completed"
        bar = browser.find_element(By.ID, "analytics-run-progress")
        assert bar.get_attribute("aria-valuenow") == "100"
        wait(browser, 30).until(screen_settled("analytics"))
        return last_run.get_attribute("data-run-id")

    first = run_analytics()
    assert last_run.get_attribute("data-state") == "stored"
    assert f"(run #{first})" in last_run.text
    for section in browser.find_elements(By.CSS_SELECTOR, '[data-analysis][data-state="ready"]'):
        assert section.get_attribute("data-run-id") == first, section.get_attribute("data-analysis")
    badge = browser.find_element(By.CSS_SELECTOR, '[data-analysis="ndc"] [data-source-badge]')
    assert badge.text == f"Run #{first}"
    assert browser.find_elements(By.CSS_SELECTOR, "[data-delta]") == []  # nothing to compare yet

    # A label added, analytics run again: the headline figures say what changed since.
    added = client.post(
        "/api/drugs",
        headers=bearer("admin"),
        json={"set_id": "0b3b2f5e-8a5b-4a4e-9a51-6f0f6a3c9d10", "title": "NEWDRUG TABLET"},
    )
    assert added.status_code == 201, added.json
    second = run_analytics(previous=first)
    assert int(second) > int(first)
    assert f"Changes are since run #{first}" in last_run.text
    labels = browser.find_element(By.CSS_SELECTOR, '[data-analysis="ndc"] [data-figure="labels"]')
    delta = labels.find_element(By.CSS_SELECTOR, "[data-delta]")
    assert delta.get_attribute("data-delta") == "1"
    assert "+1" in delta.text
    ndcs = browser.find_element(By.CSS_SELECTOR, '[data-analysis="ndc"] [data-figure="ndcs"]')
    assert ndcs.find_element(By.CSS_SELECTOR, "[data-delta]").get_attribute("data-delta") == "0"
    if SCREENSHOTS:
        browser.execute_script("window.scrollTo(0, 0)")
        browser.save_screenshot(os.path.join(SCREENSHOTS, "analytics-after-two-runs.png"))

    # Under a filter the figures are live, so no change since a run is claimed.
    after_redraw(
        browser,
        lambda: Select(browser.find_element(By.ID, "analytics-class-type")).select_by_value("EPC"),
    )
    assert browser.find_elements(By.CSS_SELECTOR, "[data-delta]") == []
    assert "computed live" in last_run.text
    assert csp_violations(browser) == []


@pytest.fixture
def held_analytics(app) -> Iterator[threading.Event]:
    """The real analytics job, held after reporting its first analysis until the event is set."""
    release = threading.Event()

    def held(ctx: engine.JobContext) -> None:
        ctx.reporter.progress(1, 4, "ndc", phase="analyses")
        assert release.wait(30)
        runs.compute_and_store(ctx.run_id, ctx.reporter)

    with engine.registered("analytics", held):
        yield release
        release.set()
        for thread in threading.enumerate():
            if thread.name.startswith("job-"):
                thread.join(30)


def test_a_second_start_joins_the_run_already_going_and_shows_its_progress(
    browser, live_server, synced, client, bearer, held_analytics
):
    signed_in(browser, live_server, "editor")
    open_analytics(browser, live_server)
    started = client.post("/api/analytics/run", headers=bearer("admin"))  # from a script, say
    assert started.status_code == 202, started.json
    job_id = started.json["job_id"]

    browser.find_element(By.ID, "analytics-run").click()
    toast = wait(browser).until(
        EC.visibility_of_element_located((By.CSS_SELECTOR, "[data-toast=info]"))
    )
    assert "Already running" in toast.text and f"run #{job_id}" in toast.text
    progress = browser.find_element(By.CSS_SELECTOR, "[data-sync-panel=analytics]")
    wait(browser).until(lambda _: progress.get_attribute("data-state") == "running")
    wait(browser).until(lambda _: "1 of 4" in progress.text)
    assert "Ndc…" in progress.find_element(By.CSS_SELECTOR, "[data-sync-step]").text
    assert browser.find_element(By.ID, "analytics-run").get_attribute("aria-busy") == "true"

    held_analytics.set()
    last_run = browser.find_element(By.ID, "analytics-last-run")
    wait(browser, 60).until(lambda _: last_run.get_attribute("data-run-id") == str(job_id))
    assert progress.get_attribute("data-state") == "completed"
    assert browser.find_element(By.ID, "analytics-run").get_attribute("aria-busy") is None
