"""The Authorizations screen in a real browser, against the sandbox portal over real HTTP: when the
portal changes a corrected record the screen asks for a review that "keep" settles; the history
drawer tells the story newest first and reverts a change; the edit modal explains the two 409s
(a used number, a stale version). Each test sets up what it needs through the API and clicks only
once the screen has settled (screen_settled).
"""

from __future__ import annotations

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC

import accounts
from tests.fixtures.app import TEST_PASSWORD
from tests.fixtures.authorizations_browser import (
    api_edit,
    api_sync,
    click_in_row,
    editor,
    open_authorizations,
    open_editor,
    other_status,
    portal_app,
    record_for,
    row,
    row_attribute,
    row_shows,
    settled,
    words,
)
from tests.fixtures.browser import sign_in, wait

__all__ = ["editor", "portal_app"]  # fixtures used by the tests below


def corrected_then_changed_at_source(client, headers, sandbox_portal, **correction):
    """A synced authorization an editor corrected (its status, and `correction`), whose status
    the portal then changed to a third value, synced again: (the portal's row, its number, the
    editor's status, the portal's status, the record as the edit answered it)."""
    api_sync(client, headers)
    target = sandbox_portal.state.rows[0]
    number, mine = target.authorization_number, other_status(target.status)
    theirs = other_status(target.status, mine)
    record = api_edit(client, headers, number, **correction, status=mine)
    sandbox_portal.state.change_status(number, theirs)
    api_sync(client, headers)
    return target, number, mine, theirs, record


def test_a_source_change_to_a_corrected_value_asks_for_a_review_that_keep_settles(
    browser, live_server, portal_app, sandbox_portal, client, bearer, editor
):
    headers = bearer("editor")
    _, number, mine, theirs, _ = corrected_then_changed_at_source(client, headers, sandbox_portal)
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
    target, number, mine, theirs, record = corrected_then_changed_at_source(
        client, headers, sandbox_portal, patient_name="Corrected Name"
    )
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
