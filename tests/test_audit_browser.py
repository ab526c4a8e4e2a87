"""The Audit log screen in a real browser: an admin sees record changes and account events
newest first, filters them, and follows an entry to its record; others don't get the screen."""

from __future__ import annotations

from pathlib import Path

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

import accounts
from sandbox.catalogue import Catalogue
from tests.fixtures.app import TEST_PASSWORD
from tests.fixtures.browser import screen_settled, sign_in, wait
from tests.fixtures.dailymed_sync import run_sync

ROWS = "#audit-table tr[data-action]"


def actions(browser) -> list[str]:
    return [
        row.get_attribute("data-action") for row in browser.find_elements(By.CSS_SELECTOR, ROWS)
    ]


def test_an_admin_reads_filters_and_follows_the_audit_log(
    browser, live_server, app, client, bearer, dailymed_app, start_sandbox_dailymed
):
    base_url, _state = start_sandbox_dailymed(Catalogue(classes=4, labels=6))
    dailymed_app(base_url)
    assert run_sync().status == "completed"
    editor = bearer("editor")
    drug = client.get("/api/drugs?per_page=1&sort=title", headers=editor).json["data"][0]
    client.patch(
        f"/api/drugs/{drug['id']}",
        json={"title": "Corrected in the audit test", "version": drug["version"]},
        headers=editor,
    )
    accounts.create_user("ada", TEST_PASSWORD, "admin")
    browser.set_window_size(1400, 1000)
    sign_in(browser, live_server, "ada")
    browser.get(f"{live_server}/#/audit")
    wait(browser).until(lambda b: actions(b))
    assert actions(browser)[0] == "sign_in"  # newest first: ada signing in
    assert "manual_edit" in actions(browser) and "sync_insert" in actions(browser)
    Path("/tmp/shots").mkdir(exist_ok=True)
    browser.save_screenshot("/tmp/shots/audit.png")

    Select(browser.find_element(By.ID, "audit-action")).select_by_value("manual_edit")
    wait(browser).until(lambda b: actions(b) == ["manual_edit"])
    assert "action=manual_edit" in browser.current_url
    row = browser.find_element(By.CSS_SELECTOR, ROWS)
    assert "Corrected in the audit test" in row.text and "title" in row.text
    row.find_element(By.CSS_SELECTOR, "a[data-record]").click()
    wait(browser).until(screen_settled("drugs"))
    chip = browser.find_element(By.ID, "drugs-record")
    assert chip.is_displayed() and chip.find_element(By.CSS_SELECTOR, "[data-value]").text == str(
        drug["id"]
    )
    rows = browser.find_elements(By.CSS_SELECTOR, "#drugs-table tr[data-drug-id]")
    assert [r.get_attribute("data-drug-id") for r in rows] == [str(drug["id"])]


def test_editors_do_not_get_the_audit_log(browser, live_server, app):
    accounts.create_user("eve", TEST_PASSWORD, "editor")
    sign_in(browser, live_server, "eve")
    assert not browser.find_elements(By.CSS_SELECTOR, '[data-nav="audit"]')
