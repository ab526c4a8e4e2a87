"""The Authorizations screen in a real browser, against the sandbox portal over real HTTP.

An editor clicks "Sync portal" and watches the bar reach the end; corrects a record in the edit
modal, where an empty patient name is refused, and finds the correction kept by the next sync.
Plus search, filters, sort, the export link and the URL, and what a viewer may do. Each test sets
up what it needs through the API and clicks only once the screen has settled (screen_settled).
"""

from __future__ import annotations

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select

import accounts
from tests.fixtures.app import TEST_PASSWORD
from tests.fixtures.authorizations_browser import (
    ROWS,
    api_sync,
    click_in_row,
    editor,
    open_authorizations,
    open_editor,
    other_status,
    portal_app,
    row,
    row_attribute,
    row_shows,
    sync_and_wait,
)
from tests.fixtures.browser import sign_in, wait

__all__ = ["editor", "portal_app"]  # fixtures used by the tests below


def test_the_sync_button_shows_progress_and_the_rows_arrive_without_a_reload(
    browser, live_server, portal_app, editor
):
    sign_in(browser, live_server, "eddie")
    open_authorizations(browser, live_server)
    wait(browser).until(EC.element_to_be_clickable((By.ID, "sync-portal-button"))).click()
    bar = wait(browser).until(EC.visibility_of_element_located((By.ID, "sync-portal-progress")))
    assert bar.get_attribute("role") == "progressbar"
    wait(browser, 60).until(lambda _: bar.get_attribute("aria-valuenow") == "100")
    wait(browser).until(
        lambda b: (
            len(b.find_elements(By.CSS_SELECTOR, "#authorizations-table tr[data-authorization-id]"))
            == ROWS
        )
    )
    panel = browser.find_element(By.CSS_SELECTOR, "#view-authorizations [data-sync-panel=portal]")
    wait(browser).until(lambda _: f"{ROWS} found, {ROWS} added" in panel.text)
    # The panel says how it went: no toast repeats it over the rows that just arrived.
    assert not browser.find_elements(By.CSS_SELECTOR, '#toasts [data-toast="success"]')


def test_the_editor_keeps_the_focus_and_refuses_an_empty_patient_name(
    browser, live_server, portal_app, sandbox_portal, client, bearer, editor
):
    api_sync(client, bearer("editor"))
    sign_in(browser, live_server, "eddie")
    open_authorizations(browser, live_server)
    form = open_editor(browser, sandbox_portal.state.rows[0].authorization_number)
    name = form.find_element(By.ID, "auth-patient_name")
    assert browser.switch_to.active_element == name
    form.find_element(By.ID, "auth-submit").send_keys(Keys.TAB)  # past the last button…
    focused = browser.switch_to.active_element  # …focus wraps to the dialog's first control
    assert focused.get_attribute("data-modal-close") is not None
    dialog = browser.find_element(By.ID, "authorization-modal")
    assert dialog.find_elements(By.CSS_SELECTOR, "[data-modal-close]")[0] == focused
    name.clear()
    form.find_element(By.ID, "auth-submit").click()
    error = wait(browser).until(
        EC.visibility_of_element_located(
            (By.CSS_SELECTOR, '[data-field="patient_name"] .field-error')
        )
    )
    assert error.text == "Patient name is required."
    assert name.get_attribute("aria-invalid") == "true"
    assert form.is_displayed()


def test_a_correction_is_saved_and_the_next_sync_keeps_it(
    browser, live_server, portal_app, sandbox_portal, client, bearer, editor
):
    api_sync(client, bearer("editor"))
    target = sandbox_portal.state.rows[0]
    number, mine = target.authorization_number, other_status(target.status)
    sign_in(browser, live_server, "eddie")
    open_authorizations(browser, live_server)

    form = open_editor(browser, number)
    name = form.find_element(By.ID, "auth-patient_name")
    name.clear()
    name.send_keys("Corrected Name")
    Select(form.find_element(By.ID, "auth-status")).select_by_value(mine)
    form.find_element(By.ID, "auth-submit").click()
    wait(browser).until(EC.invisibility_of_element_located((By.ID, "authorization-form")))
    wait(browser).until(row_attribute(number, "data-edited", "true"))
    wait(browser).until(row_shows(number, "Corrected Name", badge="edited"))

    sync_and_wait(browser, f"{ROWS} found, 1 kept because edited")
    wait(browser).until(row_attribute(number, "data-status", mine))
    wait(browser).until(row_shows(number, "Corrected Name", badge="edited"))


def test_search_filters_sort_export_link_and_url(
    browser, live_server, portal_app, sandbox_portal, client, bearer
):
    api_sync(client, bearer("editor"))
    target = sandbox_portal.state.rows[3]
    accounts.create_user("eddie", TEST_PASSWORD, "editor")
    sign_in(browser, live_server, "eddie")
    open_authorizations(browser, live_server)
    rows = "#authorizations-table tr[data-authorization-id]"
    wait(browser).until(lambda b: len(b.find_elements(By.CSS_SELECTOR, rows)) == ROWS)

    browser.find_element(By.ID, "authorizations-search").send_keys(target.authorization_number)
    wait(browser).until(lambda b: len(b.find_elements(By.CSS_SELECTOR, rows)) == 1)
    assert row(browser, target.authorization_number)
    assert f"q={target.authorization_number}" in browser.current_url
    export = browser.find_element(By.ID, "authorizations-export").get_attribute("href")
    assert f"/api/authorizations/export.csv?q={target.authorization_number}" in export

    browser.find_element(By.ID, "authorizations-clear").click()
    wait(browser).until(lambda b: len(b.find_elements(By.CSS_SELECTOR, rows)) == ROWS)
    Select(browser.find_element(By.ID, "authorizations-status")).select_by_value(target.status)
    expected = sum(1 for r in sandbox_portal.state.rows if r.status == target.status)
    wait(browser).until(
        lambda b: (
            {e.get_attribute("data-status") for e in b.find_elements(By.CSS_SELECTOR, rows)}
            == {target.status}
            and len(b.find_elements(By.CSS_SELECTOR, rows)) == expected
        )
    )
    export = browser.find_element(By.ID, "authorizations-export").get_attribute("href")
    assert f"status={target.status}" in export

    browser.find_element(By.ID, "authorizations-edited").click()  # nobody edited anything yet
    wait(browser).until(lambda b: not b.find_elements(By.CSS_SELECTOR, rows))
    assert "No authorizations match" in browser.find_element(By.ID, "authorizations-table").text
    browser.find_element(By.ID, "authorizations-clear").click()

    header = '#authorizations-table th button[data-sort="patient_name"]'
    wait(browser).until(lambda b: len(b.find_elements(By.CSS_SELECTOR, rows)) == ROWS)
    wait(browser).until(EC.element_to_be_clickable((By.CSS_SELECTOR, header))).click()  # descending
    names = sorted((r.patient_name for r in sandbox_portal.state.rows), reverse=True)
    wait(browser).until(
        lambda b: (
            b.find_element(By.CSS_SELECTOR, rows).text.startswith(names[0])
            and "sort=-patient_name" in b.current_url
        )
    )


def test_a_viewer_reads_but_cannot_sync_or_edit(
    browser, live_server, portal_app, sandbox_portal, client, bearer
):
    api_sync(client, bearer("editor"))
    accounts.create_user("vera", TEST_PASSWORD, "viewer")
    sign_in(browser, live_server, "vera")
    open_authorizations(browser, live_server)
    number = sandbox_portal.state.rows[0].authorization_number
    wait(browser).until(lambda b: row(b, number))
    assert not browser.find_elements(By.ID, "sync-portal-button")
    click_in_row(browser, number)  # a row opens the record, read-only
    form = wait(browser).until(EC.visibility_of_element_located((By.ID, "authorization-form")))
    assert not form.find_elements(By.ID, "auth-submit")
    assert not form.find_element(By.ID, "auth-patient_name").is_enabled()
    form.find_element(By.ID, "auth-cancel").click()
    wait(browser).until(EC.invisibility_of_element_located((By.ID, "authorization-form")))
    click_in_row(browser, number, "button[data-action=history]")
    drawer = wait(browser).until(EC.visibility_of_element_located((By.ID, "history-drawer")))
    wait(browser).until(
        lambda _: drawer.find_elements(By.CSS_SELECTOR, 'li[data-action="sync_insert"]')
    )
    assert not drawer.find_elements(By.CSS_SELECTOR, "button[data-action=revert]")
