"""The sandbox payer portal, over real HTTP: what a person or a scraper sees of it."""

from __future__ import annotations

import re

import pytest
import requests
from bs4 import BeautifulSoup
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

from sandbox.portal import STATUSES, PortalState
from tests.fixtures.sandbox import RunningSandbox, running_sandbox


def page(response: requests.Response) -> BeautifulSoup:
    return BeautifulSoup(response.text, "lxml")


def flash_text(response: requests.Response) -> str:
    flash = page(response).select_one("div#flash")
    assert flash is not None, "no flash message on the page"
    return " ".join(flash.get_text(" ").replace("×", " ").split())


def log_in(portal: RunningSandbox, password: str | None = None) -> requests.Session:
    session = requests.Session()
    session.post(
        f"{portal.base_url}/authenticate",
        data={"username": portal.username, "password": password or portal.password},
    )
    return session


def wait_for(browser: WebDriver, selector: str) -> None:
    WebDriverWait(browser, 10).until(
        expected_conditions.presence_of_element_located((By.CSS_SELECTOR, selector))
    )


def api_page(session: requests.Session, portal: RunningSandbox, number: int) -> dict:
    return session.get(f"{portal.base_url}/api/authorizations", params={"page": number}).json()


def test_login_page_follows_the_internet_conventions(sandbox_portal):
    form = page(requests.get(f"{sandbox_portal.base_url}/login")).select_one("form#login")

    assert form["action"] == "/portal/authenticate" and form["method"] == "post"
    assert form.select_one("input#username") and form.select_one("input#password[type=password]")
    assert form.select_one("button[type='submit']")


def test_right_credentials_open_the_secure_area_with_a_success_message(sandbox_portal):
    response = requests.post(
        f"{sandbox_portal.base_url}/authenticate",
        data={"username": "demo", "password": "demo-password"},
    )

    assert response.url.endswith("/portal/secure")
    assert page(response).select_one("div#flash.flash.success")
    assert flash_text(response) == "You logged into a secure area!"


@pytest.mark.parametrize(
    ("username", "password", "message"),
    [
        ("demo", "wrong", "Your password is invalid!"),
        ("nobody", "demo-password", "Your username is invalid!"),
    ],
)
def test_wrong_credentials_return_to_login_with_the_reason(
    sandbox_portal, username, password, message
):
    response = requests.post(
        f"{sandbox_portal.base_url}/authenticate",
        data={"username": username, "password": password},
    )

    assert response.url.endswith("/portal/login")
    assert page(response).select_one("div#flash.flash.error")
    assert flash_text(response) == message


def test_logging_out_ends_the_session(sandbox_portal):
    session = log_in(sandbox_portal)
    session.get(f"{sandbox_portal.base_url}/logout")

    response = session.get(f"{sandbox_portal.base_url}/authorizations")

    assert response.url.endswith("/portal/login")


def test_authorizations_page_sends_strangers_to_the_login(sandbox_portal):
    response = requests.get(f"{sandbox_portal.base_url}/authorizations")

    assert response.url.endswith("/portal/login")
    assert flash_text(response) == "You must login to view the secure area!"


def test_authorization_data_needs_a_session(sandbox_portal):
    response = requests.get(f"{sandbox_portal.base_url}/api/authorizations")

    assert response.status_code == 401


def test_rows_are_not_in_the_html(sandbox_portal):
    response = log_in(sandbox_portal).get(f"{sandbox_portal.base_url}/authorizations")
    table = page(response).select_one("table#authorizations")

    assert table["data-loaded"] == "false"
    assert table.select("tbody tr") == []
    assert sandbox_portal.state.rows[0].authorization_number not in response.text


def test_rows_are_spread_over_pages_of_page_size(sandbox_portal):
    session = log_in(sandbox_portal)

    sizes = [len(api_page(session, sandbox_portal, number)["rows"]) for number in (1, 2, 3)]

    assert sizes == [20, 20, 5]
    assert api_page(session, sandbox_portal, 1)["page_count"] == 3


def test_next_link_leads_on_and_is_absent_on_the_last_page(sandbox_portal):
    session = log_in(sandbox_portal)
    url = f"{sandbox_portal.base_url}/authorizations"

    first = page(session.get(url, params={"page": 1}))
    last = page(session.get(url, params={"page": 3}))

    assert first.select_one("a.next")["href"] == "/portal/authorizations?page=2"
    assert last.select_one("a.next") is None
    assert last.select_one(".page-count").get_text(strip=True) == "Page 3 of 3"


def test_a_page_past_the_end_is_not_found(sandbox_portal):
    response = log_in(sandbox_portal).get(
        f"{sandbox_portal.base_url}/authorizations", params={"page": 4}
    )

    assert response.status_code == 404


def test_pages_forbid_inline_scripts(sandbox_portal):
    response = requests.get(f"{sandbox_portal.base_url}/login")

    assert response.headers["Content-Security-Policy"].startswith("default-src 'self'")


def test_javascript_draws_the_rows_after_the_delay_and_marks_the_table(sandbox_portal, browser):
    browser.get(f"{sandbox_portal.base_url}/login")
    browser.find_element(By.ID, "username").send_keys(sandbox_portal.username)
    browser.find_element(By.ID, "password").send_keys(sandbox_portal.password)
    browser.find_element(By.CSS_SELECTOR, "button[type='submit']").click()
    wait_for(browser, "div#flash.flash.success")
    browser.get(f"{sandbox_portal.base_url}/authorizations")
    assert browser.find_elements(By.CSS_SELECTOR, "#authorizations tbody tr") == []

    wait_for(browser, "table#authorizations[data-loaded='true']")

    assert len(browser.find_elements(By.CSS_SELECTOR, "#authorizations tbody tr")) == 20


# ---------------------------------------------------------------- the data and its changes


def test_same_seed_gives_the_same_rows_and_another_seed_others():
    assert PortalState(seed=7).rows == PortalState(seed=7).rows
    assert PortalState(seed=7).rows != PortalState(seed=8).rows


def test_rows_are_believable_authorizations():
    rows = PortalState(rows=200).rows

    numbers = [row.authorization_number for row in rows]
    assert all(re.fullmatch(r"PA-2026-\d{6}", number) for number in numbers)
    assert len(set(numbers)) == len(numbers)
    assert {row.status for row in rows} == set(STATUSES)
    assert all(row.service_start < row.service_end for row in rows)


def test_api_shows_service_dates_as_us_dates(sandbox_portal):
    first = api_page(log_in(sandbox_portal), sandbox_portal, 1)["rows"][0]

    assert re.fullmatch(r"\d{2}/\d{2}/\d{4}", first["service_start"])


def test_changes_between_syncs_show_in_the_portal(sandbox_portal):
    state = sandbox_portal.state
    changed, removed = state.rows[0], state.rows[1]
    state.change_status(changed.authorization_number, "Expired")
    state.remove_row(removed.authorization_number)
    added = state.add_row(patient_name="Nora Haddad")

    session = log_in(sandbox_portal)
    shown = [row for n in (1, 2, 3) for row in api_page(session, sandbox_portal, n)["rows"]]

    by_number = {row["authorization_number"]: row for row in shown}
    assert by_number[changed.authorization_number]["status"] == "Expired"
    assert removed.authorization_number not in by_number
    assert by_number[added.authorization_number]["patient_name"] == "Nora Haddad"


def test_a_new_row_never_reuses_a_vanished_number():
    state = PortalState(rows=5)
    last = state.rows[-1].authorization_number
    state.remove_row(last)

    assert state.add_row().authorization_number > last


def test_mutate_is_repeatable_and_says_what_it_changed():
    first, second = PortalState(), PortalState()

    mutation = first.mutate(seed=11)

    assert second.mutate(seed=11) == mutation and first.rows == second.rows
    assert (len(mutation.changed), len(mutation.added), len(mutation.removed)) == (3, 1, 1)
    for number, _old, new in mutation.changed:
        assert first.find(number).status == new


def test_unknown_status_is_refused():
    state = PortalState(rows=1)

    with pytest.raises(ValueError, match="status must be one of"):
        state.change_status(state.rows[0].authorization_number, "Paused")


# ---------------------------------------------------------------- control endpoints


def test_control_endpoints_exist_only_when_enabled():
    with running_sandbox(PortalState(rows=3), control=False) as sandbox:
        response = requests.post(f"{sandbox.server_url}/_control/portal/reset")

    assert response.status_code == 404


def test_control_endpoint_changes_a_status(sandbox_portal):
    number = sandbox_portal.state.rows[0].authorization_number

    response = requests.post(
        f"{sandbox_portal.server_url}/_control/portal/rows/{number}/status",
        json={"status": "Denied"},
    )

    assert response.status_code == 200
    assert sandbox_portal.state.find(number).status == "Denied"


def test_control_endpoint_adds_and_removes_rows(sandbox_portal):
    control = f"{sandbox_portal.server_url}/_control/portal"

    added = requests.post(f"{control}/rows", json={"patient_name": "Omar Ali"}).json()
    removed = requests.delete(f"{control}/rows/{added['authorization_number']}")

    assert added["patient_name"] == "Omar Ali" and removed.status_code == 200
    assert len(sandbox_portal.state.rows) == 45
