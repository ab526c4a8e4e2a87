"""Rough edges of the record screens seen in the trial (issue #10, item 7), each kept fixed in a
real browser at 1,400 × 900: the edit modal shows only the fields the portal profile fills, a
search mode chosen but never used is not kept, the Drugs toolbar, titles, density, set id copy
and class names, and the drug class type counts."""

from __future__ import annotations

import dataclasses

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select

from database import db
from models import Authorization
from sandbox.catalogue import Catalogue
from tests.fixtures.browser import screen_settled, sign_in, wait
from tests.fixtures.dailymed_sync import run_sync
from tests.test_browser_rough_edges import edna, shoot, vera

__all__ = ["edna", "vera"]  # fixtures used by the tests below


def test_the_edit_modal_shows_only_the_fields_the_portal_profile_fills(
    browser, live_server, app, edna, monkeypatch
):
    sandbox = dataclasses.replace(app.config["SETTINGS"], portal_profile="sandbox")
    monkeypatch.setitem(app.config, "SETTINGS", sandbox)  # its portal has no amount column
    for number, amount in (("PA-1", None), ("PA-2", "$120.00")):
        db.session.add(
            Authorization(
                source="sandbox",
                source_key=number,
                patient_name=f"Patient {number}",
                authorization_number=number,
                amount=amount,
            )
        )
    db.session.commit()
    browser.set_window_size(1400, 900)
    sign_in(browser, live_server, "edna")
    browser.get(f"{live_server}/#/authorizations")

    def edit(number: str):
        wait(browser).until(screen_settled("authorizations"))
        browser.find_element(
            By.CSS_SELECTOR,
            f'tr[data-authorization-number="{number}"] button[data-action=edit]',
        ).click()
        return wait(browser).until(lambda b: b.find_element(By.ID, "authorization-form"))

    form = edit("PA-1")
    wait(browser).until(lambda _: form.find_elements(By.ID, "auth-service_start"))
    assert not form.find_elements(By.ID, "auth-amount")  # never filled: not shown
    shoot(browser, "edit-modal-profile-fields")
    form.find_element(By.ID, "auth-cancel").click()
    wait(browser).until(lambda b: not b.find_elements(By.CSS_SELECTOR, "#authorization-form"))

    form = edit("PA-2")  # a value is there (from before, or typed by a person): it shows
    amount = wait(browser).until(lambda _: form.find_element(By.ID, "auth-amount"))
    assert amount.get_attribute("value") == "$120.00"


def test_a_search_mode_chosen_but_never_used_is_not_kept_for_the_next_visit(
    browser, live_server, vera
):
    browser.set_window_size(1400, 900)
    sign_in(browser, live_server, "vera")
    browser.get(f"{live_server}/#/drugs")
    mode = wait(browser).until(lambda b: b.find_element(By.ID, "drugs-search-mode"))
    Select(mode).select_by_value("ndc")
    browser.find_element(By.CSS_SELECTOR, 'a[data-nav="overview"]').click()
    wait(browser).until(lambda b: b.find_element(By.ID, "view-overview").is_displayed())
    browser.find_element(By.CSS_SELECTOR, 'a[data-nav="drugs"]').click()
    wait(browser).until(screen_settled("drugs"))
    mode = browser.find_element(By.ID, "drugs-search-mode")
    assert Select(mode).first_selected_option.get_attribute("value") == "any"
    assert browser.find_element(By.ID, "drugs-search").get_attribute("placeholder") == (
        "Search by name or NDC"
    )

    browser.get(f"{live_server}/#/drugs?ndc=0002-3227-30")  # a search brings its own mode
    wait(browser).until(
        lambda b: (
            Select(b.find_element(By.ID, "drugs-search-mode")).first_selected_option.get_attribute(
                "value"
            )
            == "ndc"
        )
    )


@pytest.fixture
def synced_drugs(app, dailymed_app, start_sandbox_dailymed) -> None:
    base_url, _ = start_sandbox_dailymed(Catalogue(classes=12, labels=60))
    dailymed_app(base_url)
    assert run_sync().status == "completed"


def test_drugs_toolbar_titles_density_set_id_and_class_names(
    browser, live_server, synced_drugs, edna
):
    browser.set_window_size(1400, 900)
    sign_in(browser, live_server, "edna")
    browser.get(f"{live_server}/#/drugs")
    wait(browser).until(screen_settled("drugs"))

    # The toolbar sits top-right, beside the title and description, as on other screens.
    header = browser.find_element(By.CSS_SELECTOR, "#view-drugs header")
    description = header.find_element(By.CSS_SELECTOR, "p")
    sync = browser.find_element(By.ID, "sync-dailymed-button")
    assert sync.rect["y"] < description.rect["y"] + description.rect["height"]
    assert sync.rect["x"] > description.rect["x"] + description.rect["width"]

    # Titles stop at two lines; the whole title is on hover.
    titles = browser.find_elements(By.CSS_SELECTOR, "#drugs-table [data-record-title]")
    line = float(
        browser.execute_script(
            "return parseFloat(getComputedStyle(arguments[0]).lineHeight)", titles[0]
        )
    )
    assert titles and max(t.rect["height"] for t in titles) <= 2 * line + 1
    assert all(t.get_attribute("title") for t in titles)

    # Long class names show in full on hover.
    for link in browser.find_elements(By.CSS_SELECTOR, "#drugs-table [data-drug-class-id]"):
        name = link.find_element(By.CSS_SELECTOR, ".truncate").get_attribute("textContent")
        assert name in link.get_attribute("title")

    # Compact rows: 20 rows and more on one screen of 1,400 × 900.
    browser.find_element(By.ID, "drugs-compact").click()
    wait(browser).until(
        lambda b: (
            b.find_element(By.CSS_SELECTOR, "[data-table=drugs-table]").get_attribute(
                "data-density"
            )
            == "compact"
        )
    )
    heights = browser.execute_script(
        "const rows = [...document.querySelectorAll('#drugs-table tbody tr')].slice(0, 20);"
        "const head = document.querySelector('#drugs-table thead').getBoundingClientRect().height;"
        "return [rows.length, rows.reduce((n, r) => n + r.getBoundingClientRect().height, 0),"
        " head, document.querySelector('body > header').getBoundingClientRect().height]"
    )
    count, rows_height, head, app_header = heights
    assert count == 20 and rows_height + head + app_header <= 900
    shoot(browser, "drugs-compact")

    # The set id copies whole, not the shortened text the cell shows.
    first = browser.find_element(By.CSS_SELECTOR, "#drugs-table tr[data-set-id]")
    set_id = first.get_attribute("data-set-id")
    first.find_element(By.CSS_SELECTOR, "[data-copy-id]").click()
    wait(browser).until(
        lambda _: (
            first.find_element(By.CSS_SELECTOR, "[data-copy-id]").get_attribute("data-copied")
            == "true"
        )
    )
    search = browser.find_element(By.ID, "drugs-search")
    search.click()
    search.send_keys(Keys.CONTROL, "v")
    assert search.get_attribute("value") == set_id
    assert not [d for d in browser.find_elements(By.ID, "drug-drawer") if d.is_displayed()]


def test_the_class_type_counts_say_what_they_are(browser, live_server, synced_drugs, vera):
    browser.set_window_size(1400, 900)
    sign_in(browser, live_server, "vera")
    browser.get(f"{live_server}/#/drug-classes")
    counts = wait(browser).until(
        lambda b: b.find_element(By.CSS_SELECTOR, "[data-type-counts]:has([data-type-count])")
    )
    assert counts.text.startswith("Classes by type:")
    epc = counts.find_element(By.CSS_SELECTOR, '[data-type-count="EPC"]')
    assert epc.get_attribute("title") == (
        f"{epc.find_element(By.CSS_SELECTOR, '.tabular-nums').text} classes of type"
        " Established pharmacologic class"
    )
    shoot(browser, "drug-classes-type-counts")
