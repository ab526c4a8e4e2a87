"""The Analytics screen in a real browser, after a real DailyMed sync from the sandbox over HTTP.

The charts draw what the API answers; a filter recomputes them and lives in the URL; a bar opens
the Drugs list filtered by what it stands for; the table view shows the chart's figures and sorts;
the CSV holds exactly the table's rows; a bad filter shows the API's message at its field; viewers
get no "Run analytics". The Overview's analytics card shows the same figures.
"""

from __future__ import annotations

import csv
import io
import os
import re
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select

import accounts
from analytics import runs
from database import db
from jobs import engine
from models import Drug, NdcCode
from sandbox.catalogue import Catalogue
from tests.fixtures.app import TEST_PASSWORD
from tests.fixtures.browser import redraws, screen_redrawn, screen_settled, sign_in, wait
from tests.fixtures.dailymed_sync import run_sync

SCREENSHOTS = os.environ.get("MEDSYNC_SCREENSHOTS")  # a directory: save screenshots there


@pytest.fixture
def synced(dailymed_app, start_sandbox_dailymed) -> None:
    """A complete sync of a small sandbox catalogue, as the browser will see it."""
    base_url, _state = start_sandbox_dailymed(Catalogue(classes=12, labels=150))
    dailymed_app(base_url)
    run = run_sync()
    assert run.status == "completed", run.error_message


@pytest.fixture
def api(client, bearer):
    """GET /api/analytics/<analysis> as a script sees it: the figures the screen must show."""
    headers = bearer("viewer")

    def get(analysis: str, **filters: str) -> dict[str, Any]:
        response = client.get(f"/api/analytics/{analysis}", headers=headers, query_string=filters)
        assert response.status_code in (200, 422), response.json
        return response.json

    return get


def signed_in(browser, live_server: str, role: str = "editor") -> None:
    accounts.create_user(role, TEST_PASSWORD, role)
    sign_in(browser, live_server, role)


def open_analytics(browser, live_server: str, query: str = "") -> None:
    browser.get(f"{live_server}/#/analytics{query}")
    wait(browser, 30).until(screen_settled("analytics"))


def after_redraw(browser, change) -> None:
    """Do `change` and wait until the screen has redrawn for it."""
    before = redraws(browser, "analytics")
    change()
    wait(browser, 30).until(screen_redrawn("analytics", before))


def panel(browser, analysis: str, key: str):
    return browser.find_element(
        By.CSS_SELECTOR, f'[data-analysis="{analysis}"] [data-panel="{key}"]'
    )


def chart_of(browser, analysis: str, key: str) -> dict[str, list]:
    """What the chart draws, read from Chart.js itself: its labels and each dataset's values."""
    return browser.execute_script(
        """
        const canvas = document.querySelector(
          `[data-analysis="${arguments[0]}"] canvas[data-chart="${arguments[1]}"]`);
        const chart = canvas && Chart.getChart(canvas);
        if (!chart) return null;
        return {labels: chart.data.labels.map(String),
                values: chart.data.datasets.map((d) => d.data)};
        """,
        analysis,
        key,
    )


def click_bar(browser, analysis: str, key: str, index: int) -> None:
    """Click bar `index` of a chart where it is drawn (its final place, whatever the animation)."""
    canvas = browser.find_element(
        By.CSS_SELECTOR, f'[data-analysis="{analysis}"] canvas[data-chart="{key}"]'
    )
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", canvas)
    wait(browser).until(
        lambda b: b.execute_script(
            "return !Chart.animator.running(Chart.getChart(arguments[0]))", canvas
        )
    )
    x, y, width, height = browser.execute_script(
        """
        const chart = Chart.getChart(arguments[0]);
        const bar = chart.getDatasetMeta(0).data[arguments[1]].getProps(['x', 'y', 'base'], true);
        const horizontal = chart.options.indexAxis === 'y';
        return [horizontal ? (bar.x + bar.base) / 2 : bar.x,
                horizontal ? bar.y : (bar.y + bar.base) / 2,
                arguments[0].clientWidth, arguments[0].clientHeight];
        """,
        canvas,
        index,
    )
    ActionChains(browser).move_to_element_with_offset(
        canvas, int(x - width / 2), int(y - height / 2)
    ).click().perform()


def drug_set_ids(browser) -> list[str]:
    return [
        row.get_attribute("data-set-id")
        for row in browser.find_elements(By.CSS_SELECTOR, "#drugs-table tr[data-drug-id]")
    ]


def drugs_total(browser) -> int:
    summary = browser.find_element(By.CSS_SELECTOR, "#view-drugs [data-table-summary]").text
    return int(re.search(r"([\d,]+) drugs?$", summary).group(1).replace(",", ""))


def screenshots(browser, name: str) -> None:
    """The screen at a desktop and a phone width, whole (MEDSYNC_SCREENSHOTS=dir)."""
    for label, width in (("desktop", 1400), ("narrow", 420)):
        browser.set_window_size(width, 900)
        browser.execute_script("window.scrollTo(0, 0)")
        browser.save_screenshot(os.path.join(SCREENSHOTS, f"{name}-{label}-top.png"))
        height = browser.execute_script("return document.documentElement.scrollHeight")
        browser.set_window_size(width, min(height + 200, 16000))
        browser.save_screenshot(os.path.join(SCREENSHOTS, f"{name}-{label}.png"))
    browser.set_window_size(1400, 900)


def csp_violations(browser) -> list[dict]:
    return [e for e in browser.get_log("browser") if "Content Security Policy" in e["message"]]


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


def test_clicking_a_labelers_bar_lists_exactly_that_labelers_drugs(
    browser, live_server, synced, api
):
    signed_in(browser, live_server, "viewer")
    open_analytics(browser, live_server)
    top = api("ndc")["data"]["top_labelers"]
    index, labeler = next((i, t) for i, t in enumerate(top) if 1 < t["labels"] <= 25)
    expected = set(
        db.session.scalars(
            sa.select(Drug.set_id).join(NdcCode).where(NdcCode.labeler5 == labeler["labeler"])
        )
    )
    assert len(expected) == labeler["labels"]

    click_bar(browser, "ndc", "top_labelers", index)
    wait(browser).until(lambda b: f"#/drugs?labeler={labeler['labeler']}" in b.current_url)
    wait(browser, 30).until(screen_settled("drugs"))
    wait(browser).until(lambda b: set(drug_set_ids(b)) == expected)
    chip = browser.find_element(By.ID, "drugs-labeler")
    assert chip.find_element(By.CSS_SELECTOR, "[data-value]").text == labeler["labeler"]
    assert drugs_total(browser) == labeler["labels"]

    browser.back()  # back on the analytics screen, as it was
    wait(browser, 30).until(lambda b: b.find_element(By.ID, "view-analytics").is_displayed())


def test_clicking_a_class_bar_under_a_filter_lists_that_class_under_it(
    browser, live_server, synced, api
):
    signed_in(browser, live_server, "viewer")
    open_analytics(browser, live_server, "?class_type=MOA")
    top = api("drug-classes", class_type="MOA")["data"]["top_classes"]
    assert chart_of(browser, "drug-classes", "top_classes")["values"] == [
        [c["labels"] for c in top]
    ]

    click_bar(browser, "drug-classes", "top_classes", 0)
    wait(browser).until(lambda b: f"drug_class_id={top[0]['id']}" in b.current_url)
    assert "class_type=MOA" in browser.current_url  # the screen's filter goes along
    wait(browser, 30).until(screen_settled("drugs"))
    wait(browser).until(lambda b: drugs_total(b) == top[0]["labels"])
    picker = browser.find_element(By.ID, "drugs-class")
    wait(browser).until(lambda _: picker.get_attribute("value") == top[0]["name"])


def test_clicking_a_dosage_form_lists_the_drugs_of_that_form(browser, live_server, synced, api):
    signed_in(browser, live_server, "viewer")
    open_analytics(browser, live_server)
    forms = api("text")["data"]["dosage_forms"]
    index, form = next((i, f) for i, f in enumerate(forms) if "," in f["dosage_form"])
    stored = db.session.scalar(
        sa.select(sa.func.count()).where(sa.func.upper(Drug.dosage_form) == form["dosage_form"])
    )
    assert stored == form["labels"]

    click_bar(browser, "text", "dosage_forms", index)
    wait(browser).until(lambda b: "#/drugs?dosage_form=" in b.current_url)
    wait(browser, 30).until(screen_settled("drugs"))
    chip = browser.find_element(By.ID, "drugs-dosage-form")
    assert chip.find_element(By.CSS_SELECTOR, "[data-value]").text == form["dosage_form"]
    wait(browser).until(lambda b: drugs_total(b) == form["labels"])


def test_the_table_view_shows_the_charts_figures_and_sorts(browser, live_server, synced):
    signed_in(browser, live_server, "viewer")
    open_analytics(browser, live_server)
    drawn = chart_of(browser, "drug-classes", "top_classes")
    card = panel(browser, "drug-classes", "top_classes")
    toggle = card.find_element(By.CSS_SELECTOR, "button[data-action=view-table]")
    assert toggle.get_attribute("aria-pressed") == "false"
    assert not card.find_element(By.TAG_NAME, "table").is_displayed()

    toggle.click()
    assert toggle.get_attribute("aria-pressed") == "true"
    assert card.get_attribute("data-view") == "table"
    table = card.find_element(By.CSS_SELECTOR, "table#analytics-drug-classes-top_classes-table")
    assert table.is_displayed()
    assert not card.find_element(By.TAG_NAME, "canvas").is_displayed()
    assert table.find_element(By.TAG_NAME, "caption").get_attribute("textContent") == "Top classes"
    headers = table.find_elements(By.CSS_SELECTOR, "thead th[scope=col]")
    assert [h.get_attribute("data-column") for h in headers] == [
        "name",
        "class_type",
        "code",
        "labels",
        None,  # the column of links to each class's drugs
    ]

    def shown() -> list[tuple[str, int]]:
        rows = table.find_elements(By.CSS_SELECTOR, "tbody tr")
        return [
            (
                f"{r.find_element(By.CSS_SELECTOR, 'th[scope=row]').text} "
                f"({r.find_elements(By.TAG_NAME, 'td')[0].text})",
                int(r.find_elements(By.TAG_NAME, "td")[2].text.replace(",", "")),
            )
            for r in rows
        ]

    assert shown() == list(zip(drawn["labels"], drawn["values"][0], strict=True))

    # Sorting by a header: the fewest labels first, then the most; aria-sort says which.
    labels_header = table.find_element(By.CSS_SELECTOR, "th[data-column=labels]")
    labels_header.find_element(By.TAG_NAME, "button").click()
    assert labels_header.get_attribute("aria-sort") == "descending"
    assert [n for _, n in shown()] == sorted(drawn["values"][0], reverse=True)
    labels_header.find_element(By.TAG_NAME, "button").click()
    assert labels_header.get_attribute("aria-sort") == "ascending"
    assert [n for _, n in shown()] == sorted(drawn["values"][0])
    name_header = table.find_element(By.CSS_SELECTOR, "th[data-column=name]")
    name_header.find_element(By.TAG_NAME, "button").click()
    assert name_header.get_attribute("aria-sort") == "ascending"
    assert labels_header.get_attribute("aria-sort") == "none"
    names = [name for name, _ in shown()]
    assert names == sorted(names, key=str.lower)

    # Each row leads to its class's drugs too, for keyboard users.
    link = table.find_element(By.CSS_SELECTOR, "tbody tr a[data-drill]")
    assert "#/drugs?drug_class_id=" in link.get_attribute("href")

    toggle.click()
    assert card.find_element(By.TAG_NAME, "canvas").is_displayed()


def read_csv(browser, analysis: str, key: str) -> list[list[str]]:
    """Export a panel's CSV and read back the Blob the browser downloads (caught on its way to
    URL.createObjectURL: the page's CSP rightly refuses to fetch blob: URLs)."""
    browser.execute_script(
        """
        if (!window.exported) {
          const create = URL.createObjectURL;
          URL.createObjectURL = (blob) => {
            window.exported = blob;
            return create.call(URL, blob);
          };
        }
        window.exported = null;
        """
    )
    card = panel(browser, analysis, key)
    card.find_element(By.CSS_SELECTOR, "button[data-action=csv]").click()
    link = card.find_element(By.CSS_SELECTOR, "a[data-csv-link]")
    assert link.get_attribute("download") == f"{analysis}-{key.replace('_', '-')}.csv"
    assert link.get_attribute("href").startswith("blob:")
    kind, text = browser.execute_async_script(
        "const done = arguments[0];"
        "window.exported.text().then((t) => done([window.exported.type, t]));"
    )
    assert kind == "text/csv;charset=utf-8"
    return list(csv.reader(io.StringIO(text)))


def test_csv_export_holds_exactly_the_table_rows(browser, live_server, synced, api):
    signed_in(browser, live_server, "viewer")
    open_analytics(browser, live_server)
    top = api("ndc")["data"]["top_labelers"]
    rows = read_csv(browser, "ndc", "top_labelers")
    assert rows[0] == ["Labeler", "Products", "Packages", "Labels", "Printed as"]
    assert rows[1:] == [
        [
            t["labeler"],
            str(t["products"]),
            str(t["packages"]),
            str(t["labels"]),
            "; ".join(t["printed_as"]),
        ]
        for t in top
    ]

    # In the table's order: sorted by packages, fewest first, the CSV follows.
    card = panel(browser, "ndc", "top_labelers")
    card.find_element(By.CSS_SELECTOR, "button[data-action=view-table]").click()
    header = card.find_element(By.CSS_SELECTOR, "th[data-column=packages] button")
    header.click()
    header.click()
    sorted_rows = read_csv(browser, "ndc", "top_labelers")
    assert [int(r[2]) for r in sorted_rows[1:]] == sorted(t["packages"] for t in top)


def test_csv_cells_that_look_like_formulas_are_defused(
    browser, live_server, synced, client, bearer
):
    created = client.post(
        "/api/drugs",
        headers=bearer("editor"),
        json={"set_id": "0b3b2f5e-8a5b-4a4e-9a51-6f0f6a3c9d10", "title": '=HYPERLINK("x","y")'},
    )
    assert created.status_code == 201, created.json
    signed_in(browser, live_server, "viewer")
    open_analytics(browser, live_server)
    rows = read_csv(browser, "quality", "labels_without_ndcs")
    assert rows[0] == ["Title", "Set id"]
    assert ['\'=HYPERLINK("x","y")', "0b3b2f5e-8a5b-4a4e-9a51-6f0f6a3c9d10"] in rows[1:]


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


def test_viewers_get_no_run_button_and_editors_do(browser, live_server, synced):
    signed_in(browser, live_server, "viewer")
    open_analytics(browser, live_server)
    assert browser.find_elements(By.ID, "analytics-run") == []
    assert browser.find_element(By.ID, "analytics-last-run").is_displayed()
    browser.delete_all_cookies()
    signed_in(browser, live_server, "editor")
    open_analytics(browser, live_server)
    assert browser.find_element(By.ID, "analytics-run").is_displayed()


def test_the_overview_card_shows_the_analytics_figures(browser, live_server, synced, api):
    signed_in(browser, live_server, "viewer")
    summary = api("ndc")["summary"]
    card = wait(browser).until(
        EC.visibility_of_element_located((By.CSS_SELECTOR, "[data-analytics-card]"))
    )
    wait(browser).until(lambda _: card.get_attribute("aria-busy") is None)

    def figure(key: str) -> str:
        selector = f'[data-analytics-figure="{key}"] .stat-figure'
        return card.find_element(By.CSS_SELECTOR, selector).get_attribute("data-value")

    assert figure("labels") == str(summary["labels"])
    assert figure("labelers") == str(summary["labelers"])
    assert figure("look_alike_pairs") == str(api("network")["summary"]["look_alike_pairs"])
    if SCREENSHOTS:
        card.screenshot(os.path.join(SCREENSHOTS, "overview-analytics-card.png"))
    card.find_element(By.CSS_SELECTOR, "a[data-stat-link=analytics]").click()
    wait(browser, 30).until(screen_settled("analytics"))
    assert browser.current_url.endswith("#/analytics")


def test_run_analytics_shows_progress_then_when_it_ran_and_what_changed(
    browser, live_server, synced, client, bearer
):
    signed_in(browser, live_server, "editor")
    open_analytics(browser, live_server)
    last_run = browser.find_element(By.ID, "analytics-last-run")
    assert last_run.get_attribute("data-state") == "none"
    assert "hasn't run yet" in last_run.text

    def run_analytics(previous: str | None = None) -> str:
        browser.find_element(By.ID, "analytics-run").click()
        # When the run ends the screen reloads and names it as the last run.
        wait(browser, 60).until(
            lambda _: last_run.get_attribute("data-run-id") not in (None, previous)
        )
        progress = browser.find_element(By.CSS_SELECTOR, "[data-sync-panel=analytics]")
        assert progress.get_attribute("data-state") == "completed"
        bar = browser.find_element(By.ID, "analytics-run-progress")
        assert bar.get_attribute("aria-valuenow") == "100"
        wait(browser, 30).until(screen_settled("analytics"))
        return last_run.get_attribute("data-run-id")

    first = run_analytics()
    assert last_run.get_attribute("data-state") == "stored"
    assert f"(run #{first})" in last_run.text
    for section in browser.find_elements(By.CSS_SELECTOR, '[data-analysis][data-state="ready"]'):
        assert section.get_attribute("data-run-id") == first, section.get_attribute("data-analysis")
    badge = browser.find_element(By.CSS_SELECTOR, '[data-analysis="ndc"] [data-source-badge]')
    assert badge.text == f"Run #{first}"
    assert browser.find_elements(By.CSS_SELECTOR, "[data-delta]") == []  # nothing to compare yet

    # A label added, analytics run again: the headline figures say what changed since.
    added = client.post(
        "/api/drugs",
        headers=bearer("admin"),
        json={"set_id": "0b3b2f5e-8a5b-4a4e-9a51-6f0f6a3c9d10", "title": "NEWDRUG TABLET"},
    )
    assert added.status_code == 201, added.json
    second = run_analytics(previous=first)
    assert int(second) > int(first)
    assert f"Changes are since run #{first}" in last_run.text
    labels = browser.find_element(By.CSS_SELECTOR, '[data-analysis="ndc"] [data-figure="labels"]')
    delta = labels.find_element(By.CSS_SELECTOR, "[data-delta]")
    assert delta.get_attribute("data-delta") == "1"
    assert "+1" in delta.text
    ndcs = browser.find_element(By.CSS_SELECTOR, '[data-analysis="ndc"] [data-figure="ndcs"]')
    assert ndcs.find_element(By.CSS_SELECTOR, "[data-delta]").get_attribute("data-delta") == "0"
    if SCREENSHOTS:
        browser.execute_script("window.scrollTo(0, 0)")
        browser.save_screenshot(os.path.join(SCREENSHOTS, "analytics-after-two-runs.png"))

    # Under a filter the figures are live, so no change since a run is claimed.
    after_redraw(
        browser,
        lambda: Select(browser.find_element(By.ID, "analytics-class-type")).select_by_value("EPC"),
    )
    assert browser.find_elements(By.CSS_SELECTOR, "[data-delta]") == []
    assert "computed live" in last_run.text
    assert csp_violations(browser) == []


@pytest.fixture
def held_analytics(app) -> Iterator[threading.Event]:
    """The real analytics job, held after reporting its first analysis until the event is set."""
    release = threading.Event()

    def held(ctx: engine.JobContext) -> None:
        ctx.reporter.progress(1, 4, "ndc", phase="analyses")
        assert release.wait(30)
        runs.compute_and_store(ctx.run_id, ctx.reporter)

    with engine.registered("analytics", held):
        yield release
        release.set()
        for thread in threading.enumerate():
            if thread.name.startswith("job-"):
                thread.join(30)


def test_a_second_start_joins_the_run_already_going_and_shows_its_progress(
    browser, live_server, synced, client, bearer, held_analytics
):
    signed_in(browser, live_server, "editor")
    open_analytics(browser, live_server)
    started = client.post("/api/analytics/run", headers=bearer("admin"))  # from a script, say
    assert started.status_code == 202, started.json
    job_id = started.json["job_id"]

    browser.find_element(By.ID, "analytics-run").click()
    toast = wait(browser).until(
        EC.visibility_of_element_located((By.CSS_SELECTOR, "[data-toast=info]"))
    )
    assert "Already running" in toast.text and f"run #{job_id}" in toast.text
    progress = browser.find_element(By.CSS_SELECTOR, "[data-sync-panel=analytics]")
    wait(browser).until(lambda _: progress.get_attribute("data-state") == "running")
    wait(browser).until(lambda _: "1 of 4" in progress.text)
    assert "Ndc…" in progress.find_element(By.CSS_SELECTOR, "[data-sync-step]").text
    assert browser.find_element(By.ID, "analytics-run").get_attribute("aria-busy") == "true"

    held_analytics.set()
    last_run = browser.find_element(By.ID, "analytics-last-run")
    wait(browser, 60).until(lambda _: last_run.get_attribute("data-run-id") == str(job_id))
    assert progress.get_attribute("data-state") == "completed"
    assert browser.find_element(By.ID, "analytics-run").get_attribute("aria-busy") is None


def test_an_ingredient_bar_under_a_date_filter_lists_the_drugs_it_counted(
    browser, live_server, synced, api
):
    published = sorted(d for d in db.session.scalars(sa.select(Drug.published_date)) if d)
    since = published[len(published) // 2].isoformat()  # about half the labels
    signed_in(browser, live_server, "viewer")
    open_analytics(browser, live_server, f"?published_from={since}")
    top = api("text", published_from=since)["data"]["top_ingredients"]
    assert top, "the sandbox's labels have ingredients"

    click_bar(browser, "text", "top_ingredients", 0)
    wait(browser).until(lambda b: "#/drugs?" in b.current_url)
    wait(browser, 30).until(screen_settled("drugs"))
    assert f"published_from={since}" in browser.current_url
    chip = browser.find_element(By.ID, "drugs-ingredient")
    assert chip.find_element(By.CSS_SELECTOR, "[data-value]").text == top[0]["ingredient"]
    assert browser.find_element(By.ID, "drugs-published-from").is_displayed()
    wait(browser).until(lambda b: drugs_total(b) == top[0]["labels"])
    if SCREENSHOTS:
        screenshots(browser, "drugs-from-an-ingredient-bar")
