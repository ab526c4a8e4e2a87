"""The history of a record a person made that a sync then joined (by a drug's set id): the
source's first values are not changes "from (empty)" — the person's value was there and was
kept. Real Chromium, real PostgreSQL, the sandbox DailyMed over HTTP."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC

from sandbox.catalogue import Catalogue
from tests.fixtures.authorizations_browser import settled, words
from tests.fixtures.browser import screen_settled, sign_in, wait
from tests.fixtures.dailymed_sync import run_sync
from tests.test_browser_add_archive import shot


@pytest.fixture
def joined_drug(dailymed_app, start_sandbox_dailymed, editor):
    """A drug eddie typed in by hand (title and dosage form), then joined by a DailyMed sync
    that sends other values for both: (the drug, the source's label, the run's id)."""
    base_url, state = start_sandbox_dailymed(Catalogue(classes=4, labels=4))
    dailymed_app(base_url)
    label = state.catalogue.labels[0]
    made = editor.post(
        "/api/drugs",
        json={"set_id": label.set_id, "title": "TYPED BY HAND", "dosage_form": "TABLET"},
    )
    assert made.status_code == 201, made.json
    run = run_sync()
    assert run.status == "completed", run.error_message
    return made.json["data"], label, run.id


def test_the_api_history_of_a_joined_drug_gives_the_source_first_value_with_no_earlier_one(
    joined_drug, editor
):
    drug, label, _run_id = joined_drug
    changes = editor.get(f"/api/drugs/{drug['id']}/history").json["data"]
    title = next(c for c in changes if c["field"] == "title")
    assert (title["action"], title["old_value"], title["new_value"]) == (
        "sync_source_changed",
        None,  # the source had sent no title before: not the record's value
        label.title,
    )
    assert editor.get(f"/api/drugs/{drug['id']}").json["data"]["title"] == "TYPED BY HAND"


def history_sentences(browser, live_server: str, set_id: str) -> dict[str, str]:
    """Open the drug's drawer, then its history: each field's sentence, by field."""
    browser.get(f"{live_server}/#/drugs")
    wait(browser).until(screen_settled("drugs"))
    row = f'#drugs-table tr[data-set-id="{set_id}"]'
    wait(browser).until(EC.element_to_be_clickable((By.CSS_SELECTOR, row))).click()
    wait(browser).until(EC.visibility_of_element_located((By.ID, "drug-drawer")))
    wait(browser).until(settled("drug-drawer"))
    wait(browser).until(EC.element_to_be_clickable((By.ID, "drug-drawer-history"))).click()
    wait(browser).until(EC.visibility_of_element_located((By.ID, "history-drawer")))
    wait(browser).until(
        lambda b: b.find_elements(By.CSS_SELECTOR, '#history-list li[data-action="sync_joined"]')
    )
    wait(browser).until(settled("history-drawer"))
    return {
        li.get_attribute("data-field"): words(
            li.find_element(By.CSS_SELECTOR, "[data-change-text]")
        )
        for li in browser.find_elements(By.CSS_SELECTOR, "#history-list li[data-field]")
        if li.get_attribute("data-field")
    }


def test_a_joined_drug_history_words_the_source_values_that_differ_from_the_kept_ones(
    browser, live_server, joined_drug, editor
):
    drug, label, run_id = joined_drug
    browser.set_window_size(1400, 1000)
    sign_in(browser, live_server, "eddie")
    said = history_sentences(browser, live_server, drug["set_id"])
    shot(browser, "drugs-history-joined")
    run = f"Sync run {run_id}"
    assert said["title"] == (
        f"{run} found the source's title ({label.title}) differs from the corrected value, "
        "which was kept and needs review."
    )
    assert "(empty)" not in said["dosage_form"]
    # A field the person left empty did change from empty: that sentence stays, and a value
    # ending with a full stop ends it without a second one.
    labeler = editor.get(f"/api/drugs/{drug['id']}").json["data"]["labeler_name"]
    assert labeler.endswith("INC.")
    assert said["labeler_name"] == f"{run} changed labeler name from (empty) to {labeler}"
