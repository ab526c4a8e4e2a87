"""The Runs screen in a real browser: seeded run history in the table, filters, the chart."""

from __future__ import annotations

import sqlalchemy as sa
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select

import accounts
import seed_scrape_runs
from database import db
from models import Run, utcnow
from tests.fixtures.app import TEST_PASSWORD
from tests.fixtures.browser import sign_in, wait

ROWS = "#runs-table tr[data-run-id]"
# How many pixels of the chart's canvas are painted (not transparent).
PAINTED = """
const canvas = document.getElementById('runs-chart');
const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
let painted = 0;
for (let i = 3; i < pixels.length; i += 4) if (pixels[i]) painted++;
return painted;
"""


def count_runs(**where: str) -> int:
    query = sa.select(sa.func.count(Run.id))
    for column, value in where.items():
        query = query.where(getattr(Run, column) == value)
    return db.session.scalar(query)


def csp_violations(browser) -> list[dict]:
    return [
        e for e in browser.get_log("browser") if "Content Security Policy" in e.get("message", "")
    ]


def chart_points(browser) -> int | None:
    canvas = browser.find_element(By.ID, "runs-chart")
    if canvas.get_attribute("data-rendered") != "true":
        return None
    return int(canvas.get_attribute("data-points"))


def test_seeded_runs_fill_the_table_filter_by_status_and_draw_the_chart(browser, live_server, app):
    total = seed_scrape_runs.seed(days=14)
    failed = count_runs(status="failed")
    portal = count_runs(source="portal")
    assert total == 28 and failed > 0
    accounts.create_user("vera", TEST_PASSWORD, "viewer")  # reading the history needs no more
    sign_in(browser, live_server, "vera")
    browser.get(f"{live_server}/#/runs")

    wait(browser).until(lambda b: len(b.find_elements(By.CSS_SELECTOR, ROWS)) == 20)  # one page
    assert "Showing 1–20 of 28 runs" in browser.find_element(By.ID, "view-runs").text
    first = browser.find_element(By.CSS_SELECTOR, ROWS)
    assert "Sample data" in first.text  # the seed's trigger, in words
    wait(browser).until(lambda b: chart_points(b) == total)
    assert browser.execute_script(PAINTED) > 500

    Select(browser.find_element(By.ID, "runs-status")).select_by_value("failed")
    wait(browser).until(
        lambda b: (
            [r.get_attribute("data-status") for r in b.find_elements(By.CSS_SELECTOR, ROWS)]
            == ["failed"] * failed
        )
    )
    assert "status=failed" in browser.current_url
    wait(browser).until(lambda b: chart_points(b) == failed)  # the chart follows the filter
    error = browser.find_element(By.CSS_SELECTOR, ROWS).text
    assert any(
        message in error for messages in seed_scrape_runs.FAILURES.values() for message in messages
    )

    Select(browser.find_element(By.ID, "runs-status")).select_by_value("")
    Select(browser.find_element(By.ID, "runs-source")).select_by_value("portal")
    wait(browser).until(
        lambda b: (
            {r.get_attribute("data-source") for r in b.find_elements(By.CSS_SELECTOR, ROWS)}
            == {"portal"}
            and len(b.find_elements(By.CSS_SELECTOR, ROWS)) == min(portal, 20)
        )
    )
    wait(browser).until(lambda b: chart_points(b) == portal)

    # A row opens the run's details.
    browser.find_element(By.CSS_SELECTOR, ROWS).click()
    details = wait(browser).until(EC.visibility_of_element_located((By.ID, "run-details")))
    assert "Kept because edited" in details.text
    details.find_element(By.CSS_SELECTOR, "[data-modal-close]").click()
    wait(browser).until(EC.invisibility_of_element_located((By.ID, "run-details")))

    # Sorting by duration, longest first.
    browser.find_element(By.ID, "runs-clear").click()
    wait(browser).until(lambda b: len(b.find_elements(By.CSS_SELECTOR, ROWS)) == 20)
    sort = '#runs-table th button[data-sort="duration_seconds"]'
    browser.find_element(By.CSS_SELECTOR, sort).click()
    browser.find_element(By.CSS_SELECTOR, sort).click()
    longest = db.session.scalar(sa.select(Run.id).order_by(Run.duration_seconds.desc()).limit(1))
    wait(browser).until(
        lambda b: b.find_element(By.CSS_SELECTOR, ROWS).get_attribute("data-run-id") == str(longest)
    )
    assert "sort=-duration_seconds" in browser.current_url
    assert not csp_violations(browser)  # Chart.js included: nothing inline


def test_without_runs_the_screen_says_so(browser, live_server, app):
    accounts.create_user("vera", TEST_PASSWORD, "viewer")
    sign_in(browser, live_server, "vera")
    browser.get(f"{live_server}/#/runs")
    empty = wait(browser).until(EC.visibility_of_element_located((By.ID, "runs-chart-empty")))
    assert "No runs yet" in empty.text
    wait(browser).until(lambda b: "No runs yet" in b.find_element(By.ID, "runs-table").text)
    assert not browser.find_element(By.ID, "runs-chart").is_displayed()


def test_the_overview_sync_card_shows_status_duration_and_warnings(browser, live_server, app):
    seed_scrape_runs.seed(days=2)
    latest = db.session.scalars(
        sa.select(Run).where(Run.source == "portal").order_by(Run.created_at.desc())
    ).first()
    latest.status, latest.error_message, latest.duration_seconds = "completed", None, 12.5
    latest.warnings = ["page 2, row 4: service start '13/45/2026' is not a date"]
    db.session.commit()
    accounts.create_user("vera", TEST_PASSWORD, "viewer")
    sign_in(browser, live_server, "vera")
    card = wait(browser).until(
        EC.visibility_of_element_located((By.CSS_SELECTOR, '[data-stat="last_sync_portal"]'))
    )
    badge = wait(browser).until(
        lambda _: card.find_element(By.CSS_SELECTOR, '[data-status="completed"][data-warnings="1"]')
    )
    assert badge.text == "Completed with errors"
    assert "Took 13 s" in card.text and "1 warning" in card.text
    assert not card.find_elements(By.ID, "overview-sync-portal-button")  # viewers don't sync


def test_sample_runs_carry_a_badge_and_can_be_left_out(browser, live_server, app):
    now = utcnow()
    db.session.add(
        Run(
            source="dailymed",
            status="completed",
            triggered_by="cli",
            started_at=now,
            completed_at=now,
            duration_seconds=14.0,
        )
    )
    db.session.commit()
    samples = seed_scrape_runs.seed(days=3)
    accounts.create_user("vera", TEST_PASSWORD, "viewer")
    sign_in(browser, live_server, "vera")
    browser.get(f"{live_server}/#/runs")

    wait(browser).until(lambda b: len(b.find_elements(By.CSS_SELECTOR, ROWS)) == samples + 1)
    rows = browser.find_elements(By.CSS_SELECTOR, ROWS)
    assert rows[0].get_attribute("data-sample") == "false"  # the real run is the newest
    assert not rows[0].find_elements(By.CSS_SELECTOR, "[data-sample-badge]")
    badges = browser.find_elements(By.CSS_SELECTOR, "#runs-table [data-sample-badge]")
    assert len(badges) == samples and {b.text for b in badges} == {"sample"}
    browser.save_screenshot("/tmp/runs-samples-all.png")

    Select(browser.find_element(By.ID, "runs-sample")).select_by_value("false")
    wait(browser).until(
        lambda b: (
            [r.get_attribute("data-sample") for r in b.find_elements(By.CSS_SELECTOR, ROWS)]
            == ["false"]
        )
    )
    assert "sample=false" in browser.current_url
    wait(browser).until(lambda b: chart_points(b) == 1)  # the chart follows the filter
    browser.save_screenshot("/tmp/runs-samples-real-only.png")

    Select(browser.find_element(By.ID, "runs-sample")).select_by_value("true")
    wait(browser).until(
        lambda b: (
            [r.get_attribute("data-sample") for r in b.find_elements(By.CSS_SELECTOR, ROWS)]
            == ["true"] * samples
        )
    )
    wait(browser).until(lambda b: chart_points(b) == samples)
    assert not csp_violations(browser)
