"""The dashboard's Add form takes what a new drug or drug class needs (the server's create rules:
a drug's set id and label version, a class's code and coding system); a hand-made drug reads
"Added by hand", not "Edited"; the history and the audit log word archive, restore and a sync
joining a hand-made record; the audit log's link and "Export selection" find archived records;
the bulk "Set a field" picker leaves out what cannot be set in bulk. Real Chromium, real
PostgreSQL, the sandbox portal and DailyMed."""

from __future__ import annotations

from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select

from sandbox.catalogue import Catalogue
from tests.fixtures.authorizations_browser import api_sync, click_in_row, settled, words
from tests.fixtures.browser import screen_settled, sign_in, wait
from tests.fixtures.dailymed_sync import run_sync
from tests.test_browser_add_archive import open_list, people, portal_app, row_for, shot

__all__ = ["people", "portal_app"]  # fixtures used by the tests below
from tests.fixtures.app import if_match


def only_actions(actions: set[str]):
    """An explicit wait: the audit table shows entries of `actions` only (filter applied)."""

    def shown(browser) -> bool:
        rows = browser.find_elements(By.CSS_SELECTOR, "#audit-table tr[data-action]")
        return bool(rows) and {r.get_attribute("data-action") for r in rows} == actions

    return shown


SET_ID = "7c1e2d3f-4a5b-4c6d-8e9f-0a1b2c3d4e5f"


def test_an_editor_adds_a_drug_and_a_drug_class_from_the_dashboard(
    browser, live_server, people, client, bearer, dailymed_app, start_sandbox_dailymed
):
    base_url, _state = start_sandbox_dailymed(Catalogue(classes=4, labels=4))
    dailymed_app(base_url)
    assert run_sync().status == "completed"
    browser.set_window_size(1400, 900)
    sign_in(browser, live_server, "eddie")
    browser.get(f"{live_server}/#/drugs")
    wait(browser).until(screen_settled("drugs"))

    browser.find_element(By.ID, "drugs-add").click()
    form = wait(browser).until(EC.visibility_of_element_located((By.ID, "drugs-create-form")))
    set_id = form.find_element(By.ID, "drugs-create-set_id")
    assert set_id.get_attribute("required") is not None
    form.find_element(By.ID, "drugs-create-title").send_keys("ZZZ HAND MADE TABLET")
    form.find_element(By.ID, "drugs-create-submit").click()  # no set id: refused inline
    error = wait(browser).until(
        EC.visibility_of_element_located(
            (By.CSS_SELECTOR, '#drugs-create-form [data-field="set_id"] .field-error')
        )
    )
    assert error.text == "Set id is required."
    set_id.send_keys(SET_ID)
    form.find_element(By.ID, "drugs-create-spl_version").send_keys("3")
    shot(browser, "drugs-add-form-filled")
    form.find_element(By.ID, "drugs-create-submit").click()
    wait(browser).until(EC.invisibility_of_element_located((By.ID, "drugs-create-form")))
    drug = client.get("/api/drugs?name=HAND MADE", headers=bearer("viewer")).json["data"][0]
    assert (drug["set_id"], drug["spl_version"], drug["origin"]) == (SET_ID, 3, "manual")

    # Its drawer says how it came, as the list does: added by hand, not edited.
    row = f'#drugs-table tr[data-set-id="{SET_ID}"]'
    wait(browser).until(EC.element_to_be_clickable((By.CSS_SELECTOR, row))).click()
    drawer = wait(browser).until(EC.visibility_of_element_located((By.ID, "drug-drawer")))
    wait(browser).until(settled("drug-drawer"))
    assert drawer.find_element(By.CSS_SELECTOR, '[data-badge="manual"]').text == "Added by hand"
    assert not drawer.find_elements(By.CSS_SELECTOR, '[data-badge="edited"]')
    shot(browser, "drugs-drawer-hand-made")
    wait(browser).until(EC.element_to_be_clickable((By.ID, "drug-drawer-history"))).click()
    entry = wait(browser).until(
        EC.visibility_of_element_located(
            (By.CSS_SELECTOR, '#history-list li[data-action="manual_create"]')
        )
    )
    assert words(entry.find_element(By.CSS_SELECTOR, "[data-change-text]")) == (
        "Added by hand by eddie."
    )

    browser.get(f"{live_server}/#/drug-classes")
    browser.refresh()  # the drawer goes with the page
    wait(browser).until(screen_settled("drug-classes"))
    browser.find_element(By.ID, "drug-classes-add").click()
    form = wait(browser).until(
        EC.visibility_of_element_located((By.ID, "drug-classes-create-form"))
    )
    form.find_element(By.ID, "drug-classes-create-code").send_keys("N0000123456")
    form.find_element(By.ID, "drug-classes-create-coding_system").send_keys(
        "2.16.840.1.113883.3.26.1.5"
    )
    form.find_element(By.ID, "drug-classes-create-name").send_keys("Hand Made Class [EPC]")
    Select(form.find_element(By.ID, "drug-classes-create-class_type")).select_by_value("EPC")
    shot(browser, "drug-classes-add-form")
    form.find_element(By.ID, "drug-classes-create-submit").click()
    wait(browser).until(EC.invisibility_of_element_located((By.ID, "drug-classes-create-form")))
    made = client.get("/api/drug-classes?name=Hand Made", headers=bearer("viewer")).json["data"]
    assert [(c["code"], c["coding_system"], c["origin"]) for c in made] == [
        ("N0000123456", "2.16.840.1.113883.3.26.1.5", "manual")
    ]


def test_the_history_and_the_audit_log_word_archive_restore_and_a_sync_joining(
    browser, live_server, portal_app, sandbox_portal, people, make_person
):
    ada = make_person("admin", "ada-api")
    target = sandbox_portal.state.rows[0]
    created = ada.post(
        "/api/authorizations",
        json={
            "patient_name": "Made By Hand",
            "authorization_number": target.authorization_number,
            "status": "Pending",
        },
    )
    assert created.status_code == 201, created.json
    joined_id = created.json["data"]["id"]
    run = api_sync(ada.client, ada.headers())
    assert (
        ada.client.delete(
            f"/api/authorizations/{joined_id}",
            headers=if_match(ada.client, f"/api/authorizations/{joined_id}", ada.headers()),
        ).status_code
        == 200
    )
    assert (
        ada.post(
            f"/api/authorizations/{joined_id}/restore",
            json={},
            headers=if_match(ada.client, f"/api/authorizations/{joined_id}"),
        ).status_code
        == 200
    )
    other = next(r for r in ada.get("/api/authorizations").json["data"] if r["id"] != joined_id)
    assert (
        ada.client.delete(
            f"/api/authorizations/{other['id']}",
            headers=if_match(ada.client, f"/api/authorizations/{other['id']}", ada.headers()),
        ).status_code
        == 200
    )

    browser.set_window_size(1400, 900)
    sign_in(browser, live_server, "ada")
    open_list(browser, live_server)
    click_in_row(browser, target.authorization_number, "button[data-action=history]")
    wait(browser).until(EC.visibility_of_element_located((By.ID, "history-drawer")))
    wait(browser).until(
        lambda b: len(b.find_elements(By.CSS_SELECTOR, "#history-list li[data-change-id]")) >= 4
    )
    said = {
        li.get_attribute("data-action"): words(
            li.find_element(By.CSS_SELECTOR, "[data-change-text]")
        )
        for li in browser.find_elements(By.CSS_SELECTOR, "#history-list li[data-change-id]")
    }
    assert said["manual_create"] == "Added by hand by ada-api."
    assert said["sync_joined"] == (
        f"Joined by the sync of run #{run['id']}: your values kept, differences to review."
    )
    assert said["archive"].startswith("Archived by ada-api")
    assert said["restore"].startswith("Restored by ada-api")
    assert not any("archived at" in text for text in said.values())
    shot(browser, "authorizations-history-archive-restore-joined")

    browser.get(f"{live_server}/#/audit")
    browser.refresh()  # the drawer goes with the page
    wait(browser).until(lambda b: b.find_elements(By.CSS_SELECTOR, "#audit-table tr[data-action]"))
    labels = {
        o.get_attribute("value"): o.text
        for o in Select(browser.find_element(By.ID, "audit-action")).options
    }
    assert labels["archive"] == "Archived" and labels["restore"] == "Restored"
    assert labels["sync_joined"].startswith("Joined by a sync")
    Select(browser.find_element(By.ID, "audit-action")).select_by_value("sync_joined")
    wait(browser).until(only_actions({"sync_joined"}))
    joined_row = browser.find_element(By.CSS_SELECTOR, '#audit-table tr[data-action="sync_joined"]')
    assert "Joined by a sync" in joined_row.text
    Select(browser.find_element(By.ID, "audit-action")).select_by_value("archive")
    wait(browser).until(only_actions({"archive"}))
    shot(browser, "audit-archive-filter")
    link = browser.find_element(
        By.CSS_SELECTOR, f'#audit-table a[data-record="authorizations:{other["id"]}"]'
    )
    link.click()
    wait(browser).until(screen_settled("authorizations"))
    archived_row = wait(browser).until(row_for(other["authorization_number"]))
    assert archived_row.get_attribute("data-archived") == "true"
    shot(browser, "authorizations-from-audit-link")


def test_export_selection_finds_archived_rows_and_the_picker_leaves_out_the_number(
    browser, live_server, portal_app, people, client, bearer
):
    admin = bearer("admin")
    api_sync(client, admin)
    rows = client.get("/api/authorizations?sort=authorization_number", headers=admin).json["data"]
    archived = rows[0]
    assert (
        client.delete(
            f"/api/authorizations/{archived['id']}",
            headers=if_match(client, f"/api/authorizations/{archived['id']}", admin),
        ).status_code
        == 200
    )
    browser.set_window_size(1400, 900)
    sign_in(browser, live_server, "eddie")
    open_list(browser, live_server, "?archived=all&sort=authorization_number")
    for record in rows[:2]:
        wait(browser).until(row_for(record["authorization_number"])).find_element(
            By.CSS_SELECTOR, "input[data-select-row]"
        ).click()
    wait(browser).until(EC.visibility_of_element_located((By.ID, "authorizations-bulk-bar")))
    href = browser.find_element(By.ID, "authorizations-bulk-export").get_attribute("href")
    assert "archived=all" in href
    exported = client.get(href[len(live_server) :], headers=admin).get_data(as_text=True)
    assert archived["authorization_number"] in exported
    assert rows[1]["authorization_number"] in exported

    browser.find_element(By.ID, "authorizations-bulk-set").click()
    form = wait(browser).until(
        EC.visibility_of_element_located((By.ID, "authorizations-bulk-set-form"))
    )
    offered = [
        o.get_attribute("value")
        for o in Select(form.find_element(By.ID, "authorizations-bulk-field")).options
    ]
    assert "status" in offered and "payer" in offered
    assert "authorization_number" not in offered
    shot(browser, "authorizations-bulk-set-picker")
