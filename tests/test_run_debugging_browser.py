"""Run details in a real browser: a failed run says what failed in plain words, shows its log and
runs again; a sync shows the source's figures and links to the records it changed."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC

import accounts
from jobs import engine
from sandbox.catalogue import Catalogue
from scraper.portal import LoginFailed
from tests.fixtures.app import TEST_PASSWORD
from tests.fixtures.browser import screen_settled, sign_in, wait
from tests.fixtures.dailymed_sync import republish, run_sync

REFUSED = "_test_refused"
ROWS = "#runs-table tr[data-run-id]"
SHOTS = Path("/tmp/shots")


@pytest.fixture(autouse=True)
def refused_job(app: Flask) -> Iterator[None]:
    def refused(ctx: engine.JobContext) -> None:
        logging.getLogger("tests.portal").warning("the login page answered slowly")
        raise LoginFailed("Login failed: the portal said 'Your password is invalid!'")

    with engine.registered(REFUSED, refused):
        yield


def open_run(browser, run_id: int) -> None:
    wait(browser).until(
        EC.element_to_be_clickable((By.CSS_SELECTOR, f'tr[data-run-id="{run_id}"]'))
    )
    browser.find_element(By.CSS_SELECTOR, f'tr[data-run-id="{run_id}"]').click()
    wait(browser).until(EC.visibility_of_element_located((By.ID, "run-details")))
    wait(browser).until(lambda b: b.find_elements(By.CSS_SELECTOR, "#run-details [data-run-log]"))


def shoot(browser, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    browser.save_screenshot(str(SHOTS / f"{name}.png"))


def test_a_failed_run_says_what_failed_shows_its_log_and_runs_again(browser, live_server, app):
    failed = engine.run_in_foreground(REFUSED, "tests")
    accounts.create_user("edna", TEST_PASSWORD, "editor")
    browser.set_window_size(1400, 1000)
    sign_in(browser, live_server, "edna")
    browser.get(f"{live_server}/#/runs")
    open_run(browser, failed.id)

    details = browser.find_element(By.ID, "run-details")
    failure = details.find_element(By.CSS_SELECTOR, "[data-run-failure]").text
    error = details.find_element(By.CSS_SELECTOR, "[data-run-error]").text
    assert failure == LoginFailed.failure  # plain words first …
    assert "Your password is invalid!" in error  # … then the technical detail
    levels = {
        li.get_attribute("data-level"): li.text
        for li in details.find_elements(By.CSS_SELECTOR, "[data-run-log] li")
    }
    assert "the login page answered slowly" in levels["WARNING"]
    assert "job failed" in levels["ERROR"]
    download = details.find_element(By.ID, "run-log-download")
    assert download.get_attribute("href").endswith(f"/api/scrape-runs/{failed.id}/log?format=text")
    shoot(browser, "run-details-failed")

    details.find_element(By.ID, "run-again").click()
    wait(browser).until(lambda b: len(b.find_elements(By.CSS_SELECTOR, ROWS)) == 2)
    newest = browser.find_elements(By.CSS_SELECTOR, ROWS)[0]
    assert int(newest.get_attribute("data-run-id")) > failed.id
    assert f"(run again: #{failed.id})" in newest.text


def test_a_sync_shows_the_source_figures_and_links_to_the_records_it_changed(
    browser, live_server, app, dailymed_app, start_sandbox_dailymed
):
    base_url, state = start_sandbox_dailymed(Catalogue(classes=6, labels=24))
    dailymed_app(base_url)
    assert run_sync().status == "completed"
    label = state.catalogue.labels[0]
    republish(state, label.set_id, title="RETITLED BY THE SOURCE")
    run = run_sync()  # changes that one label only
    assert run.status == "completed"
    details_of_run = run.progress_details
    accounts.create_user("vera", TEST_PASSWORD, "viewer")
    browser.set_window_size(1400, 1000)
    sign_in(browser, live_server, "vera")
    browser.get(f"{live_server}/#/runs")
    open_run(browser, run.id)

    details = browser.find_element(By.ID, "run-details")
    figures = {
        dd.get_attribute("data-figure"): dd.text
        for dd in details.find_elements(By.CSS_SELECTOR, "[data-source-figures] dd")
    }
    listed, fetched = details_of_run["labels_listed"], details_of_run["labels_total"]
    assert fetched == 1 and listed >= 1
    assert figures["labels_listed"] == str(listed)
    assert figures["labels_total"] == "1"
    assert figures["labels_skipped"] == str(listed - 1)
    assert int(figures["requests"].replace(",", "")) > 0
    assert not details.find_elements(By.ID, "run-again")  # viewers, and completed runs
    link = wait(browser).until(
        lambda b: b.find_element(
            By.CSS_SELECTOR, '#run-details [data-run-changes] a[data-dataset="drugs"]'
        )
    )
    assert link.text == "1 drug"
    shoot(browser, "run-details-sync")

    link.click()
    wait(browser).until(screen_settled("drugs"))
    chip = browser.find_element(By.ID, "drugs-changed-by-run")
    assert chip.is_displayed()
    assert chip.find_element(By.CSS_SELECTOR, "[data-value]").text == str(run.id)
    rows = browser.find_elements(By.CSS_SELECTOR, "#drugs-table tr[data-drug-id]")
    assert len(rows) == 1 and "RETITLED BY THE SOURCE" in rows[0].text
