"""The Analytics screen in a real browser, after a real DailyMed sync from the sandbox over HTTP:
the charts draw what the API answers; a filter recomputes them and lives in the URL; a bad filter
shows the API's message at its field. Clicking bars: test_analytics_browser_drill.py; the table
view and CSV: test_analytics_browser_tables.py; runs, the Overview card and who may run:
test_analytics_browser_runs.py.
"""

from __future__ import annotations

from typing import Any

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select

from tests.fixtures.analytics_browser import (
    SCREENSHOTS,
    after_redraw,
    chart_of,
    csp_violations,
    open_analytics,
    screenshots,
    signed_in,
)
from tests.fixtures.browser import screen_settled, wait

# The charts and the API lists they draw: (analysis, panel, the list, its label, its value).
CHARTS = [
    ("ndc", "top_labelers", lambda r: r["data"]["top_labelers"], "labeler", "products"),
    ("ndc", "ndcs_per_label", lambda r: r["data"]["ndcs_per_label"], "ndcs", "labels"),
    (
        "ndc",
        "formats",
        lambda r: [f for f in r["data"]["formats"] if f["ndcs"]],
        "format",
        "ndcs",
    ),
    (
        "drug-classes",
        "top_classes",
        lambda r: r["data"]["top_classes"],
        lambda c: f"{c['name']} ({c['class_type']})",
        "labels",
    ),
    (
        "drug-classes",
        "classes_per_label",
        lambda r: r["data"]["classes_per_label"],
        "classes",
        "labels",
    ),
    (
        "names",
        "brand_vs_generic",
        lambda r: [k for k in r["data"]["brand_vs_generic"] if k["labels"]],
        "kind",
        "labels",
    ),
    ("names", "top_generic_names", lambda r: r["data"]["top_generic_names"], "name", "labels"),
    ("text", "dosage_forms", lambda r: r["data"]["dosage_forms"], "dosage_form", "labels"),
    ("text", "top_ingredients", lambda r: r["data"]["top_ingredients"], "ingredient", "labels"),
    ("text", "routes", lambda r: r["data"]["routes"], "route", "labels"),
    (
        "text",
        "ingredient_mix",
        lambda r: [k for k in r["data"]["ingredient_mix"] if k["labels"]],
        "kind",
        "labels",
    ),
    (
        "network",
        "class_pairs",
        lambda r: r["data"]["class_pairs"],
        lambda p: f"{p['a']['name']} + {p['b']['name']}",
        "labels",
    ),
    ("urls", "hosts", lambda r: r["data"]["hosts"], lambda h: h["host"] + h["pattern"], "links"),
]


def expected_chart(answer: dict[str, Any], items, label, value) -> dict[str, list]:
    rows = items(answer)
    name = label if callable(label) else (lambda row: row[label])
    return {"labels": [str(name(row)) for row in rows], "values": [[row[value] for row in rows]]}


def test_each_chart_draws_a_bar_for_every_item_the_api_answers(browser, live_server, synced, api):
    signed_in(browser, live_server, "viewer")
    open_analytics(browser, live_server)
    for analysis, key, items, label, value in CHARTS:
        want = expected_chart(api(analysis), items, label, value)
        assert len(want["labels"]) > 1, (analysis, key)
        assert chart_of(browser, analysis, key) == want, (analysis, key)
    if SCREENSHOTS:
        screenshots(browser, "analytics")
    # Labels per month: every month from the first to the last, the empty ones as zero.
    per_month = {m["month"]: m["labels"] for m in api("time")["data"]["published_per_month"]}
    drawn = chart_of(browser, "time", "published_per_month")
    assert drawn["labels"][0] == min(per_month) and drawn["labels"][-1] == max(per_month)
    assert len(drawn["labels"]) == len(set(drawn["labels"])) > len(per_month) > 1
    assert drawn["values"] == [[per_month.get(month, 0) for month in drawn["labels"]]]
    # Look-alike names are a table of their own.
    look_alikes = api("network")["data"]["look_alike_names"]
    table = browser.find_element(By.ID, "analytics-network-look_alike_names-table")
    assert table.get_attribute("data-rows") == str(len(look_alikes)) != "0"
    first = table.find_element(By.CSS_SELECTOR, "tbody tr").text
    assert look_alikes[0]["name"] in first and look_alikes[0]["other"] in first
    figure = browser.find_element(
        By.CSS_SELECTOR, '[data-analysis="ndc"] [data-figure="labelers"] .figure-value'
    )
    assert figure.get_attribute("data-value") == str(api("ndc")["summary"]["labelers"])
    assert csp_violations(browser) == []


def test_a_filter_recomputes_the_charts_and_a_link_keeps_it(browser, live_server, synced, api):
    signed_in(browser, live_server, "viewer")
    open_analytics(browser, live_server)
    everything = chart_of(browser, "drug-classes", "top_classes")

    after_redraw(
        browser,
        lambda: Select(browser.find_element(By.ID, "analytics-class-type")).select_by_value("MOA"),
    )
    assert "class_type=MOA" in browser.current_url
    for analysis, key, items, label, value in CHARTS:
        want = expected_chart(api(analysis, class_type="MOA"), items, label, value)
        assert chart_of(browser, analysis, key) == want, (analysis, key)
    assert chart_of(browser, "drug-classes", "top_classes") != everything
    labels = browser.find_element(
        By.CSS_SELECTOR, '[data-analysis="ndc"] [data-figure="labels"] .figure-value'
    )
    assert labels.get_attribute("data-value") == str(
        api("ndc", class_type="MOA")["summary"]["labels"]
    )
    badge = browser.find_element(By.CSS_SELECTOR, '[data-analysis="ndc"] [data-source-badge]')
    assert badge.text == "Live"

    # The filtered view is a link: opened afresh, it shows the same.
    url = browser.current_url
    browser.get("about:blank")
    browser.get(url)
    wait(browser, 30).until(screen_settled("analytics"))
    assert (
        Select(
            browser.find_element(By.ID, "analytics-class-type")
        ).first_selected_option.get_attribute("value")
        == "MOA"
    )
    want = expected_chart(api("ndc", class_type="MOA"), *CHARTS[0][2:])
    assert chart_of(browser, "ndc", "top_labelers") == want

    # Clearing the filters brings every label back.
    after_redraw(browser, lambda: browser.find_element(By.ID, "analytics-clear").click())
    assert chart_of(browser, "drug-classes", "top_classes") == everything
    assert "class_type" not in browser.current_url


def test_a_bad_filter_shows_the_apis_message_at_its_field(browser, live_server, synced, api):
    signed_in(browser, live_server, "viewer")
    open_analytics(browser, live_server)
    refused = api("ndc", labeler="123")["error"]
    assert refused["details"]["field"] == "labeler"

    box = browser.find_element(By.ID, "analytics-labeler")
    after_redraw(browser, lambda: box.send_keys("123", Keys.ENTER))
    error = browser.find_element(By.ID, "analytics-labeler-error")
    assert error.is_displayed() and error.text == refused["message"]
    assert box.get_attribute("aria-invalid") == "true"
    assert box.get_attribute("aria-describedby") == "analytics-labeler-error"
    sections = browser.find_elements(By.CSS_SELECTOR, "[data-analysis]")
    assert {s.get_attribute("data-state") for s in sections} <= {"invalid", "unavailable"}

    # Corrected, the error goes and the sections come back.
    after_redraw(browser, lambda: box.send_keys(Keys.BACKSPACE * 3, Keys.ENTER))
    assert not browser.find_element(By.ID, "analytics-labeler-error").is_displayed()
    assert box.get_attribute("aria-invalid") is None

    # A bad date range in a link names the end of the range.
    open_analytics(browser, live_server, "?published_from=2024-05-01&published_to=2024-01-01")
    message = api("ndc", published_from="2024-05-01", published_to="2024-01-01")["error"]["message"]
    error = browser.find_element(By.ID, "analytics-published-to-error")
    assert error.is_displayed() and error.text == message
