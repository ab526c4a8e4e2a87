"""Clicking a bar on the Analytics screen opens the Drugs list filtered by what the bar stands
for (a labeler, a class, a dosage form, an ingredient), under the screen's own filters, and lists
exactly the drugs the bar counted."""

from __future__ import annotations

import sqlalchemy as sa
from selenium.webdriver.common.by import By

from database import db
from models import Drug, NdcCode
from tests.fixtures.analytics_browser import (
    SCREENSHOTS,
    chart_of,
    click_bar,
    drug_set_ids,
    drugs_total,
    open_analytics,
    screenshots,
    signed_in,
)
from tests.fixtures.browser import screen_settled, wait


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
