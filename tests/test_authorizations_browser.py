"""The Authorizations screen in a real browser, against the sandbox portal over real HTTP.

An editor clicks "Sync portal" and watches the bar reach the end; corrects a record in the edit
modal and finds the correction kept by the next sync; when the portal then changes that record
the screen asks for a review; the history drawer tells the story and reverts a change. Plus the
two 409s the modal explains, filters, and what a viewer may do. Each test sets up what it needs
through the API and clicks only once the screen has settled (screen_settled).
"""

from __future__ import annotations

import time

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select

import accounts
from tests.fixtures.app import TEST_PASSWORD
from tests.fixtures.browser import screen_settled, sign_in, wait
from tests.fixtures.sandbox import RunningSandbox, app_pointed_at

ROWS = 12
PAGE_SIZE = 5  # three portal pages, so the bar has steps to show


def open_authorizations(browser, live_server: str) -> None:
    browser.get(f"{live_server}/#/authorizations")
    wait(browser).until(EC.visibility_of_element_located((By.ID, "authorizations-table")))


@pytest.fixture
def portal_app(app, sandbox_portal: RunningSandbox):
    """The app pointed at the sandbox portal: 12 rows over 3 pages, drawn after 50 ms."""
    state = sandbox_portal.state
    initial_rows = state.initial_rows
    state.initial_rows, state.page_size, state.delay_ms = ROWS, PAGE_SIZE, 50
    state.reset()
    with app_pointed_at(app, sandbox_portal):
        yield app
    state.initial_rows = initial_rows  # sandbox_portal puts back the rest and resets


def api_sync(client, headers) -> dict:
    """A portal sync through the API (for tests about something else than the Sync button)."""
    response = client.post("/api/scrape", json={"source": "portal"}, headers=headers)
    assert response.status_code == 202, response.json
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        run = client.get(f"/api/scrape/status/{response.json['job_id']}", headers=headers).json
        if run["status"] not in ("queued", "running"):
            assert run["status"] == "completed", run
            return run
        time.sleep(0.1)
    raise AssertionError("the portal sync did not finish")


def api_edit(client, headers, number: str, **changes) -> dict:
    record = record_for(client, headers, number)
    body = {**changes, "version": record["version"]}
    response = client.patch(f"/api/authorizations/{record['id']}", json=body, headers=headers)
    assert response.status_code == 200, response.json
    return response.json["data"]


def record_for(client, headers, number: str) -> dict:
    body = client.get(f"/api/authorizations?q={number}", headers=headers).json
    assert body["total"] == 1, body
    return body["data"][0]


def words(element) -> str:
    """An element's text whether or not it is on screen yet (the drawer slides in)."""
    return " ".join((element.get_attribute("textContent") or "").split())


def row(browser, number: str):
    return browser.find_element(
        By.CSS_SELECTOR, f'#authorizations-table tr[data-authorization-number="{number}"]'
    )


def row_attribute(number: str, name: str, expected: str):
    """An explicit wait: the row of `number` (redrawn at any time) has `name` == `expected`."""

    def check(browser):
        rows = browser.find_elements(
            By.CSS_SELECTOR, f'#authorizations-table tr[data-authorization-number="{number}"]'
        )
        return bool(rows) and rows[0].get_attribute(name) == expected

    return check


def sync_and_wait(browser, text: str) -> None:
    """Click Sync portal; wait for the bar to reach the end with `text` in the result."""
    button = wait(browser).until(EC.element_to_be_clickable((By.ID, "sync-portal-button")))
    button.click()
    panel = browser.find_element(By.CSS_SELECTOR, "#view-authorizations [data-sync-panel=portal]")
    wait(browser, 60).until(
        lambda _: panel.get_attribute("data-state") == "completed" and text in panel.text
    )
    assert (
        browser.find_element(By.ID, "sync-portal-progress").get_attribute("aria-valuenow") == "100"
    )


def row_shows(number: str, text: str = "", badge: str = ""):
    """An explicit wait: the row of `number` shows `text` and the badge `badge`."""

    def check(browser):
        shown = row(browser, number)
        if text and text not in shown.text:
            return False
        return (
            not badge
            or shown.find_element(By.CSS_SELECTOR, f'[data-badge="{badge}"]').is_displayed()
        )

    return check


def click_in_row(browser, number: str, selector: str = "") -> None:
    """Click the row (or a control in it) once the screen has settled: no rows loading, no
    banner appearing above them to move them under the pointer."""
    wait(browser).until(screen_settled("authorizations"))

    def click(b):
        target = row(b, number)
        (target.find_element(By.CSS_SELECTOR, selector) if selector else target).click()
        return True

    wait(browser).until(click)


def settled(dialog_id: str):
    """An explicit wait: the dialog has finished sliding in (its controls are on screen)."""
    script = f"return document.getElementById('{dialog_id}').getAnimations().length === 0"
    return lambda browser: browser.execute_script(script)


def open_editor(browser, number: str):
    click_in_row(browser, number, "button[data-action=edit]")
    return wait(browser).until(EC.visibility_of_element_located((By.ID, "authorization-form")))


@pytest.fixture
def editor(app):
    return accounts.create_user("eddie", TEST_PASSWORD, "editor")


def other_status(*taken: str) -> str:
    return next(s for s in ("Denied", "Approved", "Expired", "Pending") if s not in taken)


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


def test_a_source_change_to_a_corrected_value_asks_for_a_review_that_keep_settles(
    browser, live_server, portal_app, sandbox_portal, client, bearer, editor
):
    headers = bearer("editor")
    api_sync(client, headers)
    target = sandbox_portal.state.rows[0]
    number, mine = target.authorization_number, other_status(target.status)
    theirs = other_status(target.status, mine)
    api_edit(client, headers, number, status=mine)
    sandbox_portal.state.change_status(number, theirs)
    api_sync(client, headers)
    sign_in(browser, live_server, "eddie")
    open_authorizations(browser, live_server)
    wait(browser).until(row_shows(number, badge="needs-review"))
    banner = wait(browser).until(
        EC.visibility_of_element_located((By.ID, "authorizations-review-banner"))
    )
    assert "1 record needs review" in banner.text

    form = open_editor(browser, number)
    item = form.find_element(By.CSS_SELECTOR, '#authorization-review [data-review-item="status"]')
    assert mine in item.find_element(By.CSS_SELECTOR, "[data-review-yours]").text
    assert theirs in item.find_element(By.CSS_SELECTOR, "[data-review-source]").text
    item.find_element(
        By.CSS_SELECTOR, 'button[data-review-field="status"][data-decision="keep"]'
    ).click()
    wait(browser).until(lambda b: not b.find_elements(By.CSS_SELECTOR, "#authorization-review"))
    browser.find_element(By.ID, "auth-patient_name").send_keys(Keys.ESCAPE)  # Esc closes
    wait(browser).until(EC.invisibility_of_element_located((By.ID, "authorization-form")))
    wait(browser).until(row_attribute(number, "data-needs-review", "false"))
    wait(browser).until(row_attribute(number, "data-status", mine))
    wait(browser).until(EC.invisibility_of_element_located((By.ID, "authorizations-review-banner")))


def test_the_history_drawer_tells_the_story_newest_first(
    browser, live_server, portal_app, sandbox_portal, client, bearer, editor
):
    headers = bearer("editor")
    api_sync(client, headers)
    target = sandbox_portal.state.rows[0]
    number, mine = target.authorization_number, other_status(target.status)
    theirs = other_status(target.status, mine)
    record = api_edit(client, headers, number, patient_name="Corrected Name", status=mine)
    sandbox_portal.state.change_status(number, theirs)
    api_sync(client, headers)
    version = record_for(client, headers, number)["version"]
    review = {"field": "status", "decision": "keep", "version": version}
    path = f"/api/authorizations/{record['id']}/review"
    assert client.post(path, json=review, headers=headers).status_code == 200
    sign_in(browser, live_server, "eddie")
    open_authorizations(browser, live_server)

    click_in_row(browser, number, "button[data-action=history]")
    drawer = wait(browser).until(EC.visibility_of_element_located((By.ID, "history-drawer")))
    assert "Corrected Name" in words(drawer.find_element(By.ID, "history-drawer-description"))
    edit = wait(browser).until(
        lambda b: b.find_element(
            By.CSS_SELECTOR,
            '#history-list li[data-action="manual_edit"][data-field="patient_name"]',
        )
    )
    assert f"edited patient name from {target.patient_name} to Corrected Name" in words(edit)
    kept = drawer.find_element(By.CSS_SELECTOR, 'li[data-action="review_keep"]')
    assert f"reviewed status and kept the corrected value, {mine}." in words(kept)
    changed = drawer.find_element(By.CSS_SELECTOR, 'li[data-action="sync_source_changed"]')
    assert f"saw the source change status from {target.status} to {theirs}" in words(changed)
    assert words(changed).startswith("Sync run ")
    assert drawer.find_element(By.CSS_SELECTOR, 'li[data-action="sync_insert"]')
    entries = drawer.find_elements(By.CSS_SELECTOR, "#history-list li[data-change-id]")
    ids = [int(e.get_attribute("data-change-id")) for e in entries]
    assert ids == sorted(ids, reverse=True)


def test_a_revert_in_the_history_drawer_sets_the_value_back_and_redraws_the_row(
    browser, live_server, portal_app, sandbox_portal, client, bearer, editor
):
    headers = bearer("editor")
    api_sync(client, headers)
    target = sandbox_portal.state.rows[0]
    number = target.authorization_number
    api_edit(client, headers, number, patient_name="Corrected Name")
    sign_in(browser, live_server, "eddie")
    open_authorizations(browser, live_server)
    wait(browser).until(row_shows(number, "Corrected Name", badge="edited"))

    click_in_row(browser, number, "button[data-action=history]")
    wait(browser).until(EC.visibility_of_element_located((By.ID, "history-drawer")))
    wait(browser).until(settled("history-drawer"))
    edit = wait(browser).until(
        lambda b: b.find_element(
            By.CSS_SELECTOR,
            '#history-list li[data-action="manual_edit"][data-field="patient_name"]',
        )
    )
    edit.find_element(By.CSS_SELECTOR, "button[data-action=revert]").click()
    wait(browser).until(EC.element_to_be_clickable((By.ID, "confirm-accept"))).click()
    reverted = wait(browser).until(
        EC.visibility_of_element_located(
            (By.CSS_SELECTOR, '#history-list li[data-action="revert"][data-field="patient_name"]')
        )
    )
    story = words(reverted)
    assert f"eddie reverted patient name from Corrected Name to {target.patient_name}" in story
    browser.find_element(By.CSS_SELECTOR, "#history-drawer [data-modal-close]").click()
    wait(browser).until(EC.invisibility_of_element_located((By.ID, "history-drawer")))
    wait(browser).until(row_shows(number, target.patient_name))
    assert not [e for e in browser.get_log("browser") if "Content Security Policy" in e["message"]]


def test_the_edit_modal_explains_a_used_number_and_a_stale_version(
    browser, live_server, portal_app, sandbox_portal, client, bearer
):
    headers = bearer("editor")
    api_sync(client, headers)
    first, second = sandbox_portal.state.rows[:2]
    accounts.create_user("eddie", TEST_PASSWORD, "editor")
    sign_in(browser, live_server, "eddie")
    open_authorizations(browser, live_server)
    wait(browser).until(lambda b: row(b, first.authorization_number))

    # A number another record uses: 409, explained under the field.
    form = open_editor(browser, first.authorization_number)
    number = form.find_element(By.ID, "auth-authorization_number")
    number.clear()
    number.send_keys(second.authorization_number)
    form.find_element(By.ID, "auth-submit").click()
    error = wait(browser).until(
        EC.visibility_of_element_located(
            (By.CSS_SELECTOR, '[data-field="authorization_number"] .field-error')
        )
    )
    assert f"already used by {second.patient_name}" in error.text
    assert browser.find_element(By.ID, "authorization-form").is_displayed()  # nothing lost

    # Someone else saves the record meanwhile: 409, explained, and the form can reload.
    record = record_for(client, headers, first.authorization_number)
    response = client.patch(
        f"/api/authorizations/{record['id']}",
        json={"payer": "Changed Elsewhere", "version": record["version"]},
        headers=headers,
    )
    assert response.status_code == 200
    number.clear()
    number.send_keys(first.authorization_number)
    payer = form.find_element(By.ID, "auth-payer")
    payer.clear()
    payer.send_keys("Mine Instead")
    form.find_element(By.ID, "auth-submit").click()
    conflict = wait(browser).until(
        EC.visibility_of_element_located((By.ID, "authorization-conflict"))
    )
    assert "Someone else changed this record while you were editing it" in conflict.text
    assert "Changed Elsewhere" in conflict.text and "you entered Mine Instead" in conflict.text
    conflict.find_element(By.ID, "auth-conflict-reload").click()
    wait(browser).until(
        lambda b: b.find_element(By.ID, "auth-payer").get_attribute("value") == "Changed Elsewhere"
    )
    assert "Mine Instead" in browser.find_element(By.ID, "authorization-conflict").text
    browser.find_element(By.ID, "auth-cancel").click()  # Cancel closes
    wait(browser).until(EC.invisibility_of_element_located((By.ID, "authorization-form")))


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
