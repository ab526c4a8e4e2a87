"""The DailyMed contract check on the Drug classes screen, in a real browser against the sandbox.

An admin presses "Check DailyMed contract" and reads the report the server produced; editors and
viewers do not see the button (the API refuses them anyway).
"""

from __future__ import annotations

from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC

import accounts
from sandbox.catalogue import Catalogue
from tests.fixtures.app import TEST_PASSWORD
from tests.fixtures.browser import screen_settled, sign_in, wait


def open_drug_classes(browser, live_server: str, role: str) -> None:
    accounts.create_user(f"{role}-checker", TEST_PASSWORD, role)
    sign_in(browser, live_server, f"{role}-checker")
    browser.get(f"{live_server}/#/drug-classes")
    wait(browser).until(screen_settled("drug-classes"))


def test_an_admin_checks_the_dailymed_contract_and_reads_the_report(
    browser, live_server, dailymed_app, start_sandbox_dailymed
):
    base_url, _ = start_sandbox_dailymed(Catalogue(seed=5, classes=4, labels=12))
    dailymed_app(base_url)
    open_drug_classes(browser, live_server, "admin")

    browser.find_element(By.ID, "dailymed-check-run").click()

    report = wait(browser, 60).until(
        EC.visibility_of_element_located((By.ID, "dailymed-check-report"))
    )
    results = {
        cell.get_attribute("data-check-result")
        for cell in report.find_elements(By.CSS_SELECTOR, "[data-check-result]")
    }
    assert "ok" in results
    assert "breaks" not in results
    assert "/drugclasses.json" in report.text
    assert "packaging.json" in report.text
    summary = browser.find_element(By.ID, "dailymed-check-summary").text
    assert "none that would break a sync" in summary


def test_editors_do_not_see_the_contract_check(browser, live_server):
    open_drug_classes(browser, live_server, "editor")

    assert browser.find_element(By.ID, "drug-classes-table")
    assert not browser.find_elements(By.ID, "dailymed-check-run")
