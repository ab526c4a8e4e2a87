"""The dashboard in a real browser: sign in, see the Overview cards, manage users, sign out."""

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select

import accounts
from tests.fixtures.app import TEST_PASSWORD
from tests.fixtures.browser import sign_in, wait


@pytest.fixture
def admin_user(app):
    return accounts.create_user("alice", TEST_PASSWORD, "admin")


def test_sign_in_see_the_stats_cards_and_sign_out(browser, live_server, admin_user):
    sign_in(browser, live_server, "alice")
    card = wait(browser).until(
        EC.visibility_of_element_located(
            (By.CSS_SELECTOR, '[data-stat="authorizations"] .stat-value')
        )
    )
    wait(browser).until(lambda _: card.get_attribute("data-value") == "0")
    for stat in ("drugs", "drug_classes", "ndc_codes", "database"):
        assert browser.find_element(By.CSS_SELECTOR, f'[data-stat="{stat}"]').is_displayed()
    assert (
        "connected" in browser.find_element(By.CSS_SELECTOR, '[data-stat="database"]').text.lower()
    )
    browser.find_element(By.ID, "user-menu-button").click()
    wait(browser).until(EC.element_to_be_clickable((By.ID, "logout-button"))).click()
    wait(browser).until(EC.url_contains("/login"))
    browser.get(f"{live_server}/")
    wait(browser).until(EC.url_contains("/login"))


def test_a_wrong_password_shows_a_generic_message(browser, live_server, admin_user):
    sign_in(browser, live_server, "alice", "not-the-password", expect_success=False)
    error = wait(browser).until(EC.visibility_of_element_located((By.ID, "login-error")))
    assert "Invalid username or password." in error.text


def test_the_page_runs_under_a_strict_csp_without_violations(browser, live_server, admin_user):
    sign_in(browser, live_server, "alice")
    wait(browser).until(EC.visibility_of_element_located((By.ID, "view-overview")))
    logs = browser.get_log("browser") if hasattr(browser, "get_log") else []
    assert not [entry for entry in logs if "Content Security Policy" in entry.get("message", "")]


def test_hash_routing_keeps_the_back_button_working(browser, live_server, admin_user):
    sign_in(browser, live_server, "alice")
    wait(browser).until(EC.visibility_of_element_located((By.ID, "view-overview")))
    browser.find_element(By.CSS_SELECTOR, 'a[data-nav="users"]').click()
    wait(browser).until(EC.visibility_of_element_located((By.ID, "view-users")))
    assert browser.current_url.endswith("#/users")
    browser.back()
    wait(browser).until(EC.visibility_of_element_located((By.ID, "view-overview")))


def test_admin_creates_a_user_and_a_token_on_the_users_screen(browser, live_server, admin_user):
    sign_in(browser, live_server, "alice")
    browser.get(f"{live_server}/#/users")
    wait(browser).until(EC.element_to_be_clickable((By.ID, "new-user-button"))).click()
    wait(browser).until(EC.visibility_of_element_located((By.ID, "user-form")))
    browser.find_element(By.ID, "user-username").send_keys("bob")
    browser.find_element(By.ID, "user-password").send_keys("short")
    Select(browser.find_element(By.ID, "user-role")).select_by_value("editor")
    browser.find_element(By.ID, "user-submit").click()
    wait(browser).until(
        lambda b: "at least 8 characters" in b.find_element(By.ID, "user-form").text
    )
    password = browser.find_element(By.ID, "user-password")
    password.clear()
    password.send_keys("long-enough-pw")
    browser.find_element(By.ID, "user-submit").click()
    row = wait(browser).until(
        EC.visibility_of_element_located((By.CSS_SELECTOR, '#users-table tr[data-username="bob"]'))
    )
    assert (
        "editor" in row.text.lower()
        or Select(
            row.find_element(By.CSS_SELECTOR, "select[data-action=change-role]")
        ).first_selected_option.get_attribute("value")
        == "editor"
    )

    browser.find_element(By.ID, "new-token-button").click()
    wait(browser).until(EC.visibility_of_element_located((By.ID, "token-name"))).send_keys(
        "nightly"
    )
    browser.find_element(By.ID, "token-submit").click()
    shown = wait(browser).until(EC.visibility_of_element_located((By.ID, "token-created-value")))
    token = shown.get_attribute("value") or shown.text
    assert token.startswith("msk_")
    assert accounts.user_for_token(token).username == "alice"


def test_a_viewer_sees_no_users_screen(browser, live_server, app):
    accounts.create_user("vera", TEST_PASSWORD, "viewer")
    sign_in(browser, live_server, "vera")
    wait(browser).until(EC.visibility_of_element_located((By.ID, "view-overview")))
    assert (
        not browser.find_elements(By.CSS_SELECTOR, 'a[data-nav="users"]')
        or not browser.find_element(By.CSS_SELECTOR, 'a[data-nav="users"]').is_displayed()
    )
