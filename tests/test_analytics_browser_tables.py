"""The Analytics screen's tables: a chart's table view shows its figures and sorts; the CSV holds
exactly the table's rows, formulas defused; the records listed for their source links open at
their own screen."""

from __future__ import annotations

import csv
import io
import os

from selenium.webdriver.common.by import By

from tests.fixtures.analytics_browser import SCREENSHOTS, chart_of, open_analytics, panel, signed_in
from tests.fixtures.browser import screen_settled, wait


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


def test_a_record_listed_for_a_missing_link_is_named_and_opens_at_its_screen(
    browser, live_server, synced, client, bearer
):
    """An authorization a person made has no portal key: the Missing links table names it by
    kind and id, and its name opens the Authorizations screen at it."""
    made = client.post(
        "/api/authorizations",
        headers=bearer("editor"),
        json={"patient_name": "Dee Hand", "status": "Pending", "authorization_number": "PA-9"},
    )
    assert made.status_code == 201, made.json
    record_id = made.json["data"]["id"]
    signed_in(browser, live_server, "viewer")
    open_analytics(browser, live_server)
    card = panel(browser, "urls", "missing")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", card)
    link = card.find_element(By.CSS_SELECTOR, f'a[data-record="authorizations:{record_id}"]')
    assert link.text == f"Authorization #{record_id}"
    assert link.get_attribute("href").endswith(f"#/authorizations?id={record_id}")
    if SCREENSHOTS:
        card.screenshot(os.path.join(SCREENSHOTS, "analytics-missing-links.png"))

    link.click()
    wait(browser, 30).until(screen_settled("authorizations"))
    rows = browser.find_elements(By.CSS_SELECTOR, "#authorizations-table tr[data-authorization-id]")
    assert [row.get_attribute("data-authorization-id") for row in rows] == [str(record_id)]
    chip = browser.find_element(By.ID, "authorizations-record")
    assert chip.find_element(By.CSS_SELECTOR, "[data-value]").text == str(record_id)
