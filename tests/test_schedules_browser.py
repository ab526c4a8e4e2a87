"""The Schedules panel of the Runs screen in a real browser: admins pause and resume schedules."""

from __future__ import annotations

import os

import sqlalchemy as sa
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC

import accounts
from database import db
from models import Schedule
from tests.fixtures.app import TEST_PASSWORD
from tests.fixtures.browser import sign_in, wait

SYNC = "#schedules li[data-schedule='sync']"


def paused_in_database(name: str) -> bool:
    db.session.expire_all()
    return bool(db.session.scalar(sa.select(Schedule.paused).where(Schedule.name == name)))


def test_an_admin_pauses_a_schedule_and_sees_it_paused(browser, live_server, app):
    accounts.create_user("ada", TEST_PASSWORD, "admin")
    sign_in(browser, live_server, "ada")
    browser.get(f"{live_server}/#/runs")

    item = wait(browser).until(EC.visibility_of_element_located((By.CSS_SELECTOR, SYNC)))
    assert item.get_attribute("data-paused") == "false"
    assert "At 12:00 AM" in item.text and "0 0 * * *" in item.text
    assert item.find_element(By.CSS_SELECTOR, "[data-next-fire]").get_attribute("data-next-fire")
    assert "Never fired yet" in item.text
    analytics = browser.find_element(By.CSS_SELECTOR, "#schedules li[data-schedule='analytics']")
    assert "10 0 */2 * *" in analytics.text  # the analytics job exists: it can fire
    assert "Not available yet" not in analytics.text

    item.find_element(By.CSS_SELECTOR, "button[data-action='pause']").click()
    wait(browser).until(
        lambda b: b.find_element(By.CSS_SELECTOR, SYNC).get_attribute("data-paused") == "true"
    )
    item = browser.find_element(By.CSS_SELECTOR, SYNC)
    assert "Paused" in item.text
    assert item.find_element(By.CSS_SELECTOR, "button[data-action='resume']").is_displayed()
    assert paused_in_database("sync")
    if os.environ.get("MEDSYNC_SCREENSHOTS"):  # a look at the panel: MEDSYNC_SCREENSHOTS=dir
        browser.save_screenshot(os.path.join(os.environ["MEDSYNC_SCREENSHOTS"], "schedules.png"))

    item.find_element(By.CSS_SELECTOR, "button[data-action='resume']").click()
    wait(browser).until(
        lambda b: b.find_element(By.CSS_SELECTOR, SYNC).get_attribute("data-paused") == "false"
    )
    assert not paused_in_database("sync")


def test_viewers_see_no_schedules_panel(browser, live_server, app):
    accounts.create_user("vic", TEST_PASSWORD, "viewer")
    sign_in(browser, live_server, "vic")
    browser.get(f"{live_server}/#/runs")
    wait(browser).until(EC.visibility_of_element_located((By.ID, "runs-table")))
    assert browser.find_elements(By.ID, "schedules") == []
