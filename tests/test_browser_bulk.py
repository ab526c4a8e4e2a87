"""Bulk actions on a list's selection, in a real browser against the sandbox portal.

An editor ticks rows (labelled checkboxes, reachable by keyboard), selects every row matching
the filters, and sets a field on all of them; when one row changed in the background since it
was selected, the whole request is refused, the report names that row and nothing changed. The
audit log then shows the adds, archives, restores and bulk changes people made.
"""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select

import accounts
from tests.fixtures.app import TEST_PASSWORD
from tests.fixtures.authorizations_browser import api_edit, api_sync, other_status, record_for
from tests.fixtures.browser import redraws, screen_redrawn, screen_settled, sign_in, wait
from tests.fixtures.sandbox import RunningSandbox
from tests.test_browser_add_archive import numbers_shown, open_list, portal_of, row_for, shot

ROWS = 12
TABLE = "#authorizations-table"


@pytest.fixture
def portal_app(app, sandbox_portal: RunningSandbox):
    yield from portal_of(app, sandbox_portal, ROWS)


@pytest.fixture
def people(app):
    accounts.create_user("eddie", TEST_PASSWORD, "editor")
    accounts.create_user("ada", TEST_PASSWORD, "admin")


def tick(browser, number: str) -> None:
    row_for(number)(browser).find_element(By.CSS_SELECTOR, "input[data-select-row]").click()


def statuses(client, headers, numbers: list[str]) -> dict[str, tuple[str, int]]:
    return {
        n: (record_for(client, headers, n)["status"], record_for(client, headers, n)["version"])
        for n in numbers
    }


def test_a_bulk_status_change_with_one_stale_row_is_refused_as_a_whole(
    browser, live_server, portal_app, sandbox_portal, people, client, bearer
):
    headers = bearer("editor")
    api_sync(client, headers)
    listed = client.get("/api/authorizations?sort=authorization_number&per_page=3", headers=headers)
    numbers = [r["authorization_number"] for r in listed.json["data"]]
    browser.set_window_size(1400, 900)
    sign_in(browser, live_server, "eddie")
    open_list(browser, live_server, "?sort=authorization_number&per_page=10")

    first = row_for(numbers[0])(browser).find_element(By.CSS_SELECTOR, "input[data-select-row]")
    assert first.get_attribute("aria-label").startswith("Select ")
    first.send_keys(Keys.SPACE)  # the keyboard ticks a box as a click does
    for number in numbers[1:]:
        tick(browser, number)
    bar = wait(browser).until(EC.visibility_of_element_located((By.ID, "authorizations-bulk-bar")))
    assert bar.find_element(By.CSS_SELECTOR, "[data-bulk-count]").text == "3 selected"
    export = browser.find_element(By.ID, "authorizations-bulk-export").get_attribute("href")
    ids = [str(record_for(client, headers, n)["id"]) for n in numbers]
    # The ids, with archived=all: a selected archived row is exported too.
    assert export.endswith(f"/api/authorizations/export.csv?ids={','.join(ids)}&archived=all")
    shot(browser, "authorizations-bulk-bar")

    # Someone else edits the second row after it was selected: its version moves on.
    stale = record_for(client, headers, numbers[1])
    response = client.patch(
        f"/api/authorizations/{stale['id']}",
        json={"payer": "Changed Meanwhile", "version": stale["version"]},
        headers=headers,
    )
    assert response.status_code == 200, response.json
    before = statuses(client, headers, numbers)

    browser.find_element(By.ID, "authorizations-bulk-set").click()
    form = wait(browser).until(
        EC.visibility_of_element_located((By.ID, "authorizations-bulk-set-form"))
    )
    Select(form.find_element(By.ID, "authorizations-bulk-field")).select_by_value("status")
    Select(form.find_element(By.ID, "authorizations-bulk-value-status")).select_by_value("Denied")
    shot(browser, "authorizations-bulk-set")
    form.find_element(By.ID, "authorizations-bulk-apply").click()

    report = wait(browser).until(
        EC.visibility_of_element_located((By.ID, "authorizations-bulk-report"))
    )
    assert "Nothing was changed" in report.text
    refused = report.find_elements(By.CSS_SELECTOR, "tr[data-refused-id]")
    assert [r.get_attribute("data-refused-id") for r in refused] == [str(stale["id"])]
    assert "Changed since you selected it" in refused[0].text
    marked = browser.find_elements(By.CSS_SELECTOR, f"{TABLE} tr[data-bulk-refused]")
    assert [m.get_attribute("data-authorization-number") for m in marked] == [numbers[1]]
    shot(browser, "authorizations-bulk-refused")
    assert statuses(client, headers, numbers) == before  # nothing changed

    # Reload the rows (the selection stays) and try again: now every row changes.
    done = redraws(browser, "authorizations")
    report.find_element(By.CSS_SELECTOR, "button[data-action=bulk-reload]").click()
    wait(browser).until(screen_redrawn("authorizations", done))
    assert bar.find_element(By.CSS_SELECTOR, "[data-bulk-count]").text == "3 selected"
    browser.find_element(By.ID, "authorizations-bulk-set").click()
    form = wait(browser).until(
        EC.visibility_of_element_located((By.ID, "authorizations-bulk-set-form"))
    )
    Select(form.find_element(By.ID, "authorizations-bulk-value-status")).select_by_value("Denied")
    form.find_element(By.ID, "authorizations-bulk-apply").click()
    toast = wait(browser).until(
        EC.visibility_of_element_located((By.CSS_SELECTOR, '#toasts [data-toast="success"]'))
    )
    changed = sum(1 for status, _ in before.values() if status != "Denied")
    unchanged = 3 - changed
    assert f"{changed} changed" in toast.text
    if unchanged:
        assert f"{unchanged} unchanged" in toast.text
    assert {s for s, _ in statuses(client, headers, numbers).values()} == {"Denied"}
    wait(browser).until(EC.invisibility_of_element_located((By.ID, "authorizations-bulk-bar")))


def test_select_all_matching_takes_the_filter_and_archives_and_restores_in_bulk(
    browser, live_server, portal_app, sandbox_portal, people, client, bearer
):
    api_sync(client, bearer("editor"))
    browser.set_window_size(1400, 900)
    sign_in(browser, live_server, "ada")
    open_list(browser, live_server, "?per_page=5")

    browser.find_element(By.CSS_SELECTOR, f"{TABLE} input[data-select-page]").click()
    banner = wait(browser).until(
        EC.visibility_of_element_located((By.ID, "authorizations-select-all-banner"))
    )
    assert "All 5 on this page are selected." in banner.text
    browser.find_element(By.ID, "authorizations-select-all").click()
    assert f"All {ROWS} authorizations matching the filters are selected." in banner.text
    bar = browser.find_element(By.ID, "authorizations-bulk-bar")
    assert bar.get_attribute("data-mode") == "filter"
    shot(browser, "authorizations-select-all")

    browser.find_element(By.ID, "authorizations-bulk-archive").click()
    message = wait(browser).until(EC.visibility_of_element_located((By.ID, "confirm-message")))
    assert f"all {ROWS} authorizations matching" in message.text
    done = redraws(browser, "authorizations")
    browser.find_element(By.ID, "confirm-accept").click()
    wait(browser).until(screen_redrawn("authorizations", done))
    wait(browser).until(lambda b: not numbers_shown(b))

    done = redraws(browser, "authorizations")
    browser.find_element(By.ID, "authorizations-archived").click()
    wait(browser).until(screen_redrawn("authorizations", done))
    wait(browser).until(screen_settled("authorizations"))
    assert len(numbers_shown(browser)) == 5
    browser.find_element(By.CSS_SELECTOR, f"{TABLE} input[data-select-page]").click()
    wait(browser).until(EC.element_to_be_clickable((By.ID, "authorizations-bulk-restore"))).click()
    wait(browser).until(EC.visibility_of_element_located((By.ID, "confirm-message")))
    done = redraws(browser, "authorizations")
    browser.find_element(By.ID, "confirm-accept").click()
    wait(browser).until(
        lambda b: any(
            t.text.startswith("Restored") and "5 changed" in t.text
            for t in b.find_elements(By.CSS_SELECTOR, '#toasts [data-toast="success"]')
        )
    )
    wait(browser).until(screen_redrawn("authorizations", done))
    restored = browser.find_elements(By.CSS_SELECTOR, f'{TABLE} tr[data-archived="false"]')
    assert len(restored) == 5


def test_the_audit_log_shows_adds_archives_restores_and_bulk_changes(
    browser, live_server, portal_app, sandbox_portal, people, client, make_person
):
    ada = make_person("admin", "ada-api")
    api_sync(ada.client, ada.headers())
    rows = ada.get("/api/authorizations?sort=authorization_number").json["data"]
    created = ada.post(
        "/api/authorizations",
        json={"patient_name": "Audit Added", "authorization_number": "HAND-1", "status": "Pending"},
    )
    assert created.status_code == 201, created.json
    assert (
        ada.client.delete(
            f"/api/authorizations/{rows[0]['id']}?version={rows[0]['version']}",
            headers=ada.headers(),
        ).status_code
        == 200
    )
    restored = ada.post(
        f"/api/authorizations/{rows[0]['id']}/restore", json={"version": rows[0]["version"] + 1}
    )
    assert restored.status_code == 200, restored.json
    bulk = ada.post(
        "/api/authorizations/bulk",
        json={
            "action": "update",
            "items": [{"id": r["id"], "version": r["version"]} for r in rows[1:3]],
            "values": {"payer": "Bulk Payer"},
        },
    )
    assert bulk.status_code == 200, bulk.json

    browser.set_window_size(1400, 900)
    sign_in(browser, live_server, "ada")
    browser.get(f"{live_server}/#/audit?user=ada-api")
    wait(browser).until(lambda b: b.find_elements(By.CSS_SELECTOR, "#audit-table tr[data-action]"))
    shown = [
        r.get_attribute("data-action")
        for r in browser.find_elements(By.CSS_SELECTOR, "#audit-table tr[data-action]")
    ]
    for action in ("manual_create", "archive", "restore", "manual_edit"):
        assert action in shown, shown
    payer_edits = browser.find_elements(
        By.CSS_SELECTOR, '#audit-table tr[data-action="manual_edit"]'
    )
    assert sum("Bulk Payer" in r.text for r in payer_edits) == 2
    shot(browser, "audit-bulk")


def test_take_sources_on_the_rows_waiting_for_review_settles_them_all_at_once(
    browser, live_server, portal_app, sandbox_portal, people, client, bearer
):
    headers = bearer("editor")
    api_sync(client, headers)
    targets = sandbox_portal.state.rows[:2]
    for row in targets:
        mine = other_status(row.status)
        api_edit(client, headers, row.authorization_number, status=mine)
        sandbox_portal.state.change_status(row.authorization_number, other_status(row.status, mine))
    api_sync(client, headers)
    browser.set_window_size(1400, 900)
    sign_in(browser, live_server, "eddie")
    open_list(browser, live_server, "?needs_review=true")
    assert sorted(numbers_shown(browser)) == sorted(r.authorization_number for r in targets)

    browser.find_element(By.CSS_SELECTOR, f"{TABLE} input[data-select-page]").click()
    take = wait(browser).until(EC.element_to_be_clickable((By.ID, "authorizations-bulk-take")))
    take.click()
    message = wait(browser).until(EC.visibility_of_element_located((By.ID, "confirm-message")))
    assert "the 2 selected authorizations waiting for review" in message.text
    shot(browser, "authorizations-bulk-take-confirm")
    browser.find_element(By.ID, "confirm-accept").click()
    wait(browser).until(
        lambda b: any(
            "2 changed" in t.text
            for t in b.find_elements(By.CSS_SELECTOR, '#toasts [data-toast="success"]')
        )
    )
    wait(browser).until(lambda b: not numbers_shown(b))  # none waits for review any more
    for row in targets:
        record = record_for(client, headers, row.authorization_number)
        source_now = sandbox_portal.state.find(row.authorization_number).status
        assert (record["status"], record["needs_review"]) == (source_now, False)


def test_a_viewer_may_select_and_export_but_not_add_change_or_archive(
    browser, live_server, portal_app, client, bearer
):
    api_sync(client, bearer("editor"))
    accounts.create_user("victor", TEST_PASSWORD, "viewer")
    sign_in(browser, live_server, "victor")
    open_list(browser, live_server)
    assert not browser.find_elements(By.ID, "authorizations-add")
    browser.find_element(By.CSS_SELECTOR, f"{TABLE} input[data-select-row]").click()
    bar = wait(browser).until(EC.visibility_of_element_located((By.ID, "authorizations-bulk-bar")))
    actions = [b.get_attribute("id") for b in bar.find_elements(By.CSS_SELECTOR, "a, button")]
    assert actions == ["authorizations-bulk-export", "authorizations-bulk-clear"]
    row = browser.find_element(By.CSS_SELECTOR, f"{TABLE} tr[data-authorization-id]")
    row.find_element(By.CSS_SELECTOR, "button[data-action=edit]").click()
    wait(browser).until(EC.visibility_of_element_located((By.ID, "authorization-form")))
    assert not browser.find_elements(By.CSS_SELECTOR, "#authorization-modal [data-record-action]")
