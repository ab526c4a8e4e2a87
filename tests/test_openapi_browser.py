"""The API reference page in a real Chromium: the dashboard links to it, and Swagger UI (served
from static/vendor, started from a static script under the strict CSP) shows the operations."""

from __future__ import annotations

import os

from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC

from tests.fixtures.browser import sign_in, wait

SCREENSHOTS = os.environ.get("MEDSYNC_SCREENSHOTS")  # a directory: save a screenshot there


def test_the_docs_page_lists_the_operations_without_csp_errors(browser, live_server, make_person):
    viewer = make_person("viewer")
    sign_in(browser, live_server, viewer.username)

    browser.find_element(By.CSS_SELECTOR, "a[data-api-docs]").click()
    wait(browser).until(EC.url_contains("/api/docs"))
    wait(browser).until(
        EC.presence_of_element_located((By.CSS_SELECTOR, "#operations-drugs-list_drugs"))
    )
    browser.set_window_size(1280, 1600)
    if SCREENSHOTS:
        browser.save_screenshot(os.path.join(SCREENSHOTS, "api-docs.png"))

    operations = browser.find_elements(By.CSS_SELECTOR, ".opblock")
    paths = {o.find_element(By.CSS_SELECTOR, ".opblock-summary-path").text for o in operations}
    assert len(operations) >= 60
    assert {"/api/drugs", "/api/scrape", "/api/scrape/status/{job_id}"} <= paths
    assert "MedSync API" in browser.find_element(By.CSS_SELECTOR, ".info .title").text
    blocked = [e for e in browser.get_log("browser") if "Content Security Policy" in e["message"]]
    assert not blocked, blocked
