"""Adding and archiving records on the list screens, in a real browser against the sandbox portal.

An editor adds an authorization by hand; the portal later sends the same number, the sync joins
the two and asks for review, and the editor settles it in the edit modal. An admin archives a
synced record; the next sync leaves it archived (hidden, listed under "Show archived"), and an
editor restores it. Each test sets up what it needs through the API and clicks only once the
screen has settled (screen_settled).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select

import accounts
from sandbox.catalogue import Catalogue
from tests.fixtures.app import TEST_PASSWORD
from tests.fixtures.authorizations_browser import api_sync, other_status, record_for
from tests.fixtures.browser import redraws, screen_redrawn, screen_settled, sign_in, wait
from tests.fixtures.dailymed_sync import run_sync
from tests.fixtures.sandbox import RunningSandbox, app_pointed_at

ROWS = 6
TABLE = "#authorizations-table"


def shot(browser, name: str) -> None:
    """A screenshot for people to look at, when SCREENSHOTS_DIR names where."""
    folder = os.environ.get("SCREENSHOTS_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        browser.save_screenshot(str(Path(folder) / f"{name}.png"))


def portal_of(app, sandbox_portal: RunningSandbox, rows: int):
    """The app pointed at the sandbox portal: `rows` rows on one page, drawn after 50 ms."""
    state = sandbox_portal.state
    initial_rows = state.initial_rows
    state.initial_rows, state.page_size, state.delay_ms = rows, 20, 50
    state.reset()
    with app_pointed_at(app, sandbox_portal):
        yield app
    state.initial_rows = initial_rows


@pytest.fixture
def portal_app(app, sandbox_portal: RunningSandbox):
    yield from portal_of(app, sandbox_portal, ROWS)


@pytest.fixture
def people(app):
    accounts.create_user("eddie", TEST_PASSWORD, "editor")
    accounts.create_user("ada", TEST_PASSWORD, "admin")


def open_list(browser, live_server: str, query: str = "") -> None:
    browser.get(f"{live_server}/#/authorizations{query}")
    wait(browser).until(screen_settled("authorizations"))


def row_for(number: str):
    """An explicit wait: the row of `number`, once drawn."""

    def find(browser):
        rows = browser.find_elements(
            By.CSS_SELECTOR, f'{TABLE} tr[data-authorization-number="{number}"]'
        )
        return rows[0] if rows else False

    return find


def numbers_shown(browser) -> list[str]:
    return [
        r.get_attribute("data-authorization-number")
        for r in browser.find_elements(By.CSS_SELECTOR, f"{TABLE} tr[data-authorization-id]")
    ]


def test_an_added_authorization_is_joined_by_the_sync_that_brings_its_number_and_reviewed(
    browser, live_server, portal_app, sandbox_portal, people, client, bearer
):
    target = sandbox_portal.state.rows[0]  # the portal sends it; nothing has been synced yet
    mine = other_status(target.status)
    browser.set_window_size(1400, 900)
    sign_in(browser, live_server, "eddie")
    open_list(browser, live_server)

    browser.find_element(By.ID, "authorizations-add").click()
    form = wait(browser).until(
        EC.visibility_of_element_located((By.ID, "authorizations-create-form"))
    )
    form.find_element(By.ID, "authorizations-create-submit").click()  # empty: refused inline
    error = wait(browser).until(
        EC.visibility_of_element_located(
            (
                By.CSS_SELECTOR,
                '#authorizations-create-form [data-field="patient_name"] .field-error',
            )
        )
    )
    assert error.text == "Patient name is required."
    form.find_element(By.ID, "authorizations-create-patient_name").send_keys("Added By Hand")
    form.find_element(By.ID, "authorizations-create-authorization_number").send_keys(
        target.authorization_number
    )
    Select(form.find_element(By.ID, "authorizations-create-status")).select_by_value(mine)
    shot(browser, "authorizations-add-form")
    form.find_element(By.ID, "authorizations-create-submit").click()
    wait(browser).until(EC.invisibility_of_element_located((By.ID, "authorizations-create-form")))
    added = wait(browser).until(row_for(target.authorization_number))
    assert added.get_attribute("data-origin") == "manual"
    assert "Added By Hand" in added.text
    assert added.find_element(By.CSS_SELECTOR, '[data-badge="manual"]').text == "Added by hand"
    shot(browser, "authorizations-added")

    sync = wait(browser).until(EC.element_to_be_clickable((By.ID, "sync-portal-button")))
    sync.click()
    wait(browser, 60).until(
        lambda b: (
            b.find_element(
                By.CSS_SELECTOR, "#view-authorizations [data-sync-panel=portal]"
            ).get_attribute("data-state")
            == "completed"
        )
    )
    wait(browser).until(lambda b: len(numbers_shown(b)) == ROWS)  # joined, not duplicated
    wait(browser).until(
        lambda b: (
            row_for(target.authorization_number)(b).get_attribute("data-needs-review") == "true"
        )
    )
    joined = row_for(target.authorization_number)(browser)
    assert joined.get_attribute("data-origin") == "source"

    wait(browser).until(screen_settled("authorizations"))
    joined.find_element(By.CSS_SELECTOR, "button[data-action=edit]").click()
    form = wait(browser).until(EC.visibility_of_element_located((By.ID, "authorization-form")))
    review = form.find_element(By.ID, "authorization-review")
    name_item = review.find_element(By.CSS_SELECTOR, '[data-review-item="patient_name"]')
    assert "Added By Hand" in name_item.find_element(By.CSS_SELECTOR, "[data-review-yours]").text
    assert (
        target.patient_name in name_item.find_element(By.CSS_SELECTOR, "[data-review-source]").text
    )
    shot(browser, "authorizations-added-review")
    name_item.find_element(By.CSS_SELECTOR, 'button[data-decision="source"]').click()
    status = '#authorization-review [data-review-item="status"] button[data-decision="keep"]'

    def keep_status(b):  # the review panel redraws after each decision
        if b.find_elements(By.CSS_SELECTOR, '[data-review-item="patient_name"]'):
            return False
        b.find_element(By.CSS_SELECTOR, status).click()
        return True

    wait(browser).until(keep_status)
    wait(browser).until(lambda b: not b.find_elements(By.CSS_SELECTOR, "#authorization-review"))
    browser.find_element(By.ID, "auth-cancel").click()
    wait(browser).until(
        lambda b: (
            row_for(target.authorization_number)(b).get_attribute("data-needs-review") == "false"
        )
    )

    record = record_for(client, bearer("viewer"), target.authorization_number)
    assert (record["patient_name"], record["status"]) == (target.patient_name, mine)
    assert record["needs_review"] is False


def test_an_archived_record_stays_archived_through_a_sync_and_an_editor_restores_it(
    browser, live_server, portal_app, sandbox_portal, people, client, bearer
):
    api_sync(client, bearer("editor"))
    target = sandbox_portal.state.rows[1]
    number = target.authorization_number
    browser.set_window_size(1400, 900)
    sign_in(browser, live_server, "ada")
    open_list(browser, live_server)

    wait(browser).until(row_for(number)).find_element(
        By.CSS_SELECTOR, "button[data-action=edit]"
    ).click()
    wait(browser).until(EC.visibility_of_element_located((By.ID, "authorization-form")))
    archive = wait(browser).until(EC.element_to_be_clickable((By.ID, "auth-archive")))
    assert archive.text == "Archive"
    archive.click()
    message = wait(browser).until(EC.visibility_of_element_located((By.ID, "confirm-message")))
    assert "archived: hidden from the list" in message.text
    assert "deleted" not in message.text
    shot(browser, "authorizations-archive-confirm")
    browser.find_element(By.ID, "confirm-accept").click()
    wait(browser).until(EC.invisibility_of_element_located((By.ID, "authorization-form")))
    wait(browser).until(lambda b: number not in numbers_shown(b))
    assert len(numbers_shown(browser)) == ROWS - 1

    api_sync(client, bearer("editor"))  # the portal still sends it
    browser.refresh()
    wait(browser).until(screen_settled("authorizations"))
    assert number not in numbers_shown(browser)
    assert len(numbers_shown(browser)) == ROWS - 1

    done = redraws(browser, "authorizations")
    browser.find_element(By.ID, "authorizations-archived").click()
    wait(browser).until(screen_redrawn("authorizations", done))
    assert "archived=all" in browser.current_url
    shown = wait(browser).until(row_for(number))
    assert shown.get_attribute("data-archived") == "true"
    assert shown.find_element(By.CSS_SELECTOR, '[data-badge="archived"]').is_displayed()
    shot(browser, "authorizations-show-archived")

    browser.delete_all_cookies()
    sign_in(browser, live_server, "eddie")
    open_list(browser, live_server, "?archived=all")
    assert not browser.find_elements(By.ID, "auth-archive")  # editors don't archive
    wait(browser).until(row_for(number)).find_element(
        By.CSS_SELECTOR, "button[data-action=edit]"
    ).click()
    restore = wait(browser).until(EC.element_to_be_clickable((By.ID, "auth-restore")))
    restore.click()
    wait(browser).until(lambda b: row_for(number)(b).get_attribute("data-archived") == "false")
    record = record_for(client, bearer("viewer"), number)
    assert record["archived"] is False

    browser.find_element(By.ID, "auth-cancel").click()
    done = redraws(browser, "authorizations")
    browser.find_element(By.ID, "authorizations-archived").click()  # hide archived again
    wait(browser).until(screen_redrawn("authorizations", done))
    assert number in numbers_shown(browser) and len(numbers_shown(browser)) == ROWS


def test_the_drug_screens_get_the_same_tools_and_a_hand_made_drug_is_deleted_not_archived(
    browser, live_server, people, client, bearer, dailymed_app, start_sandbox_dailymed
):
    base_url, _state = start_sandbox_dailymed(Catalogue(classes=4, labels=6))
    dailymed_app(base_url)
    assert run_sync().status == "completed"
    made = client.post(
        "/api/drugs",
        json={"set_id": "0b3b2f5e-8a5b-4a4e-9a51-6f0f6a3c9d10", "title": "AAA Hand-made tablets"},
        headers=bearer("editor"),
    )
    assert made.status_code == 201, made.json
    browser.set_window_size(1400, 900)
    sign_in(browser, live_server, "ada")
    browser.get(f"{live_server}/#/drugs")
    wait(browser).until(screen_settled("drugs"))
    rows = browser.find_elements(By.CSS_SELECTOR, "#drugs-table tr[data-drug-id]")
    assert len(rows) == 7 and all(
        r.find_elements(By.CSS_SELECTOR, "input[data-select-row]") for r in rows
    )
    assert browser.find_element(By.ID, "drugs-add").is_displayed()
    hand_made = browser.find_element(
        By.CSS_SELECTOR, '#drugs-table tr[data-set-id="0b3b2f5e-8a5b-4a4e-9a51-6f0f6a3c9d10"]'
    )
    assert hand_made.find_element(By.CSS_SELECTOR, '[data-badge="manual"]').is_displayed()
    rows[1].find_element(By.CSS_SELECTOR, "input[data-select-row]").click()
    wait(browser).until(EC.visibility_of_element_located((By.ID, "drugs-bulk-bar")))
    shot(browser, "drugs-selected")

    hand_made.click()  # the row opens the drug's drawer
    delete = wait(browser).until(EC.element_to_be_clickable((By.ID, "drug-drawer-archive")))
    assert delete.text == "Delete"
    shot(browser, "drugs-drawer")
    delete.click()
    message = wait(browser).until(EC.visibility_of_element_located((By.ID, "confirm-message")))
    assert "deleted for good" in message.text and "archived" not in message.text
    browser.find_element(By.ID, "confirm-accept").click()
    wait(browser).until(EC.invisibility_of_element_located((By.ID, "drug-drawer")))
    wait(browser).until(
        lambda b: (
            not b.find_elements(
                By.CSS_SELECTOR,
                '#drugs-table tr[data-set-id="0b3b2f5e-8a5b-4a4e-9a51-6f0f6a3c9d10"]',
            )
        )
    )
    assert (
        client.get("/api/drugs?archived=all&name=Hand-made", headers=bearer("viewer")).json["total"]
        == 0
    )

    browser.find_element(By.ID, "drugs-add").click()
    wait(browser).until(EC.visibility_of_element_located((By.ID, "drugs-create-form")))
    shot(browser, "drugs-add-form")
    browser.find_element(By.ID, "drugs-create-cancel").click()

    browser.get(f"{live_server}/#/drug-classes")
    wait(browser).until(screen_settled("drug-classes"))
    assert browser.find_element(By.ID, "drug-classes-add").is_displayed()
    assert browser.find_element(By.ID, "drug-classes-archived")
    browser.find_element(By.CSS_SELECTOR, "#drug-classes-table input[data-select-page]").click()
    wait(browser).until(EC.visibility_of_element_located((By.ID, "drug-classes-bulk-bar")))
    shot(browser, "drug-classes-selected")
