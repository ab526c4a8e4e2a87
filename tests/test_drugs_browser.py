"""The Drugs and Drug classes screens in a real browser, against the sandbox DailyMed over HTTP.

An editor clicks "Sync DailyMed" and watches each phase reach its end, finds a drug by name and by
an NDC typed in another form than DailyMed prints it, opens its details (NDCs in both forms,
ingredients, classes, the label on DailyMed), corrects its title, and settles the review when
DailyMed retitles it too. The classes screen filters by type, and a class leads to the drugs in it.
The Overview's DailyMed card syncs like the portal's.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select

import accounts
from database import db
from models import DrugClass, NdcCode
from sandbox.catalogue import Catalogue, ndc_layout
from sandbox.drug_vocabulary import DOSAGE_FORMS
from tests.fixtures.app import TEST_PASSWORD
from tests.fixtures.browser import sign_in as sign_in_as
from tests.fixtures.browser import wait
from tests.fixtures.dailymed_sync import republish, run_sync

CATALOGUE = {"seed": 3, "classes": 6, "labels": 40}
DRUG_ROWS = "#drugs-table tr[data-drug-id]"
CLASS_ROWS = "#drug-classes-table tr[data-drug-class-id]"


def sign_in(browser, live_server: str, username: str, role: str = "editor") -> None:
    accounts.create_user(username, TEST_PASSWORD, role)
    sign_in_as(browser, live_server, username)


@pytest.fixture
def dailymed(dailymed_app, start_sandbox_dailymed):
    """The app pointed at a small sandbox DailyMed; yields the sandbox's state."""
    base_url, state = start_sandbox_dailymed(Catalogue(**CATALOGUE))
    dailymed_app(base_url)
    return state


def a_drug_with_a_442_code(catalogue: Catalogue):
    """A label with a package NDC printed 4-4-2 that no other label carries, and a title no
    other title contains."""
    titles = [label.title.lower() for label in catalogue.labels]
    for label in catalogue.labels:
        if sum(label.title.lower() in t for t in titles) != 1:
            continue
        for ndc in catalogue.package_ndcs(label):
            shared = any(
                ndc in catalogue.package_ndcs(other)
                for other in catalogue.labels
                if other is not label
            )
            if ndc_layout(ndc) == "4-4-2" and not shared:
                return label, ndc
    raise AssertionError("the catalogue has no label with a 4-4-2 code of its own")


def rows(browser, selector: str = DRUG_ROWS) -> list:
    return browser.find_elements(By.CSS_SELECTOR, selector)


def set_ids(browser) -> list[str]:
    return [r.get_attribute("data-set-id") for r in rows(browser)]


def search(browser, text: str) -> None:
    box = browser.find_element(By.ID, "drugs-search")
    box.clear()
    box.send_keys(text)


def words(element) -> str:
    """An element's text whether or not it is on screen yet (the drawer slides in)."""
    return " ".join((element.get_attribute("textContent") or "").split())


def csp_violations(browser) -> list[dict]:
    return [e for e in browser.get_log("browser") if "Content Security Policy" in e["message"]]


def test_sync_search_by_name_and_ndc_details_and_edit(browser, live_server, dailymed):
    label, ndc = a_drug_with_a_442_code(dailymed.catalogue)
    labeler, product, package = ndc.split("-")
    ndc11 = f"0{labeler}{product}{package}"  # the same code in the 11-digit form, no hyphens
    sign_in(browser, live_server, "eddie")
    browser.get(f"{live_server}/#/drugs")
    wait(browser).until(lambda b: "No drugs yet" in b.find_element(By.ID, "drugs-table").text)

    # Sync: every phase's bar reaches its end, then the drugs are there without a reload.
    wait(browser).until(EC.element_to_be_clickable((By.ID, "sync-dailymed-button"))).click()
    panel = browser.find_element(By.CSS_SELECTOR, "#view-drugs [data-sync-panel=dailymed]")
    wait(browser, 60).until(lambda _: panel.get_attribute("data-state") == "completed")
    overall = browser.find_element(By.ID, "sync-dailymed-progress")
    assert overall.get_attribute("aria-valuenow") == "100"
    phases = browser.find_elements(By.CSS_SELECTOR, "#sync-dailymed-phases li[data-phase]")
    assert [p.get_attribute("data-phase") for p in phases] == ["classes", "labels", "details"]
    for phase in phases:
        assert phase.get_attribute("data-phase-state") == "done"
        bar = phase.find_element(By.CSS_SELECTOR, "[role=progressbar]")
        assert bar.get_attribute("aria-valuenow") == "100"
    texts = [words(p) for p in phases]
    assert "6 classes read" in texts[0]
    assert f"{CATALOGUE['labels']} labels in 6 classes" in texts[1]
    assert f"{CATALOGUE['labels']} labels fetched" in texts[2]
    assert "requests" in panel.find_element(By.CSS_SELECTOR, "[data-sync-stats]").text
    wait(browser).until(lambda b: len(rows(b)) == 25)  # the first page of 40
    assert "Showing 1–25 of 40 drugs" in browser.find_element(By.ID, "view-drugs").text

    # Search by name.
    search(browser, label.title[:-1].lower())  # part of the title, in other case
    wait(browser).until(lambda b: set_ids(b) == [label.set_id])
    assert "q=" in browser.current_url

    # The row names its classes; each leads to the drugs of that class.
    found = browser.find_element(By.CSS_SELECTOR, f'{DRUG_ROWS}[data-set-id="{label.set_id}"]')
    named = found.find_element(By.CSS_SELECTOR, "[data-drug-classes]")
    assert named.get_attribute("data-drug-classes") == str(len(label.class_indexes))
    first_class = named.find_element(By.CSS_SELECTOR, "a[data-drug-class-id]")
    class_id = first_class.get_attribute("data-drug-class-id")
    first_class.click()
    wait(browser).until(lambda b: f"drug_class_id={class_id}" in b.current_url)
    wait(browser).until(lambda b: label.set_id in set_ids(b) and "q=" not in b.current_url)
    browser.back()
    wait(browser).until(lambda b: set_ids(b) == [label.set_id] and "q=" in b.current_url)
    search(browser, "no such drug")
    wait(browser).until(lambda b: "No drugs match" in b.find_element(By.ID, "drugs-table").text)

    # Search by the NDC in its 11-digit form (DailyMed prints it 4-4-2), then NDC mode only.
    search(browser, ndc11)
    wait(browser).until(lambda b: set_ids(b) == [label.set_id])
    Select(browser.find_element(By.ID, "drugs-search-mode")).select_by_value("ndc")
    wait(browser).until(lambda b: f"ndc={ndc11}" in b.current_url and set_ids(b) == [label.set_id])
    export = browser.find_element(By.ID, "drugs-export").get_attribute("href")
    assert f"/api/drugs/export.csv?ndc={ndc11}" in export
    per_ndc = browser.find_element(By.ID, "drugs-export-ndcs").get_attribute("href")
    assert f"/api/drugs/export.csv?ndc={ndc11}&" in per_ndc and per_ndc.endswith("&form=ndcs")

    # The details: NDCs in both forms (the one searched for marked), ingredients, classes, label.
    rows(browser)[0].click()
    drawer = wait(browser).until(EC.visibility_of_element_located((By.ID, "drug-drawer")))
    code = wait(browser).until(
        lambda _: drawer.find_element(By.CSS_SELECTOR, f'#drug-ndcs tr[data-ndc="{ndc}"]')
    )
    assert code.get_attribute("data-ndc11") == ndc11
    assert code.get_attribute("data-match") == "true"
    assert f"0{labeler}-{product}-{package}" in words(code)  # the 11-digit form, hyphenated
    assert drawer.find_elements(By.CSS_SELECTOR, '#drug-ndcs tr[data-kind="product"]')
    assert drawer.find_elements(By.CSS_SELECTOR, "#drug-ingredients tr[data-ingredient]")
    classes = drawer.find_elements(By.CSS_SELECTOR, "#drug-drawer-classes [data-drug-class-id]")
    assert len(classes) == len(label.class_indexes)
    link = drawer.find_element(By.ID, "drug-label-link")
    assert link.get_attribute("href").endswith(f"setid={label.set_id}")
    assert link.get_attribute("target") == "_blank"
    assert set(link.get_attribute("rel").split()) >= {"noopener", "noreferrer"}

    # Correct the title in the edit modal: refused empty, saved, and the drug is marked edited.
    wait(browser).until(EC.element_to_be_clickable((By.ID, "drug-drawer-edit"))).click()
    form = wait(browser).until(EC.visibility_of_element_located((By.ID, "drug-form")))
    title = form.find_element(By.ID, "drug-title")
    assert browser.switch_to.active_element == title
    title.clear()
    form.find_element(By.ID, "drug-submit").click()
    error = wait(browser).until(
        EC.visibility_of_element_located((By.CSS_SELECTOR, '[data-field="title"] .field-error'))
    )
    assert error.text == "Title is required."
    title.send_keys("Corrected drug title 10 mg")
    form.find_element(By.ID, "drug-submit").click()
    wait(browser).until(EC.invisibility_of_element_located((By.ID, "drug-form")))
    wait(browser).until(
        lambda _: (
            words(drawer.find_element(By.ID, "drug-drawer-title")) == "Corrected drug title 10 mg"
        )
    )
    assert drawer.find_element(By.CSS_SELECTOR, '[data-badge="edited"]')
    drawer.find_element(By.CSS_SELECTOR, "[data-modal-close]").click()
    wait(browser).until(EC.invisibility_of_element_located((By.ID, "drug-drawer")))
    row = f'{DRUG_ROWS}[data-set-id="{label.set_id}"]'
    wait(browser).until(
        lambda b: b.find_element(By.CSS_SELECTOR, row).get_attribute("data-edited") == "true"
    )
    shown = browser.find_element(By.CSS_SELECTOR, row)
    assert "Corrected drug title 10 mg" in shown.text
    assert shown.find_element(By.CSS_SELECTOR, '[data-badge="edited"]').is_displayed()

    # DailyMed retitles the label too: the next sync keeps the correction and asks for a review.
    republish(dailymed, label.set_id, title="PRALETRA (lisinopril) capsules, new label")
    browser.find_element(By.ID, "sync-dailymed-button").click()
    wait(browser, 60).until(
        lambda b: b.find_element(By.CSS_SELECTOR, row).get_attribute("data-needs-review") == "true"
    )
    assert "Corrected drug title 10 mg" in browser.find_element(By.CSS_SELECTOR, row).text
    edit = browser.find_element(By.CSS_SELECTOR, f"{row} button[data-action=edit]")
    edit.send_keys(Keys.ENTER)  # by keyboard: the sync's toast may cover the button
    form = wait(browser).until(EC.visibility_of_element_located((By.ID, "drug-form")))
    item = form.find_element(By.CSS_SELECTOR, '#drug-review [data-review-item="title"]')
    assert (
        "Corrected drug title 10 mg"
        in item.find_element(By.CSS_SELECTOR, "[data-review-yours]").text
    )
    source = item.find_element(By.CSS_SELECTOR, "[data-review-source]").text
    assert "PRALETRA (lisinopril) capsules, new label" in source
    item.find_element(By.CSS_SELECTOR, 'button[data-decision="source"]').click()
    wait(browser).until(lambda b: not b.find_elements(By.ID, "drug-review"))
    assert (
        form.find_element(By.ID, "drug-title").get_attribute("value")
        == "PRALETRA (lisinopril) capsules, new label"
    )
    form.find_element(By.ID, "drug-cancel").click()
    wait(browser).until(
        lambda b: b.find_element(By.CSS_SELECTOR, row).get_attribute("data-needs-review") == "false"
    )
    assert "new label" in browser.find_element(By.CSS_SELECTOR, row).text
    assert not csp_violations(browser)


def test_what_the_title_names_is_shown_leads_to_the_labelers_drugs_and_is_corrected(
    browser, live_server, dailymed
):
    assert run_sync().status == "completed"
    catalogue = dailymed.catalogue
    label = next(lbl for lbl in catalogue.labels if lbl.brand)
    labeler = label.labeler.name.upper()
    same_labeler = {lbl.set_id for lbl in catalogue.labels if lbl.labeler is label.labeler}
    assert len(same_labeler) > 1
    sign_in(browser, live_server, "tess")
    browser.get(f"{live_server}/#/drugs")
    row = f'{DRUG_ROWS}[data-set-id="{label.set_id}"]'
    wait(browser).until(lambda b: len(rows(b)) == 25)
    search(browser, label.title)
    wait(browser).until(lambda b: set_ids(b) == [label.set_id])

    # The drawer shows the brand, generic, dosage form and labeler the title names.
    browser.find_element(By.CSS_SELECTOR, row).click()
    drawer = wait(browser).until(EC.visibility_of_element_located((By.ID, "drug-drawer")))
    parts = wait(browser).until(lambda _: drawer.find_element(By.ID, "drug-title-parts"))
    shown = {
        p.get_attribute("data-part"): words(p.find_element(By.TAG_NAME, "dd"))
        for p in parts.find_elements(By.CSS_SELECTOR, "[data-part]")
    }
    form_name = DOSAGE_FORMS[label.form_index][0]
    assert shown == {
        "brand_name": label.brand,
        "generic_name": label.generic.upper(),
        "dosage_form": form_name,
        "labeler_name": labeler,
    }
    browser.save_screenshot("/tmp/drug-drawer-title-parts.png")

    # The labeler leads to that labeler's drugs, shown as a chip that removes the filter.
    parts.find_element(By.CSS_SELECTOR, "a[data-filter=labeler]").click()
    wait(browser).until(EC.invisibility_of_element_located((By.ID, "drug-drawer")))
    wait(browser).until(lambda b: set(set_ids(b)) == same_labeler)
    assert "labeler=" in browser.current_url and "q=" not in browser.current_url
    chip = browser.find_element(By.ID, "drugs-labeler")
    assert chip.is_displayed() and words(chip.find_element(By.CSS_SELECTOR, "[data-value]")) == (
        labeler
    )
    browser.save_screenshot("/tmp/drugs-filtered-by-labeler.png")

    # The editor has the four fields, filled; a corrected dosage form is saved.
    edit = browser.find_element(By.CSS_SELECTOR, f"{row} button[data-action=edit]")
    edit.send_keys(Keys.ENTER)
    form = wait(browser).until(EC.visibility_of_element_located((By.ID, "drug-form")))
    values = {
        name: form.find_element(By.ID, f"drug-{name}").get_attribute("value")
        for name in ("brand_name", "generic_name", "dosage_form", "labeler_name")
    }
    assert values == {
        "brand_name": label.brand,
        "generic_name": label.generic.upper(),
        "dosage_form": form_name,
        "labeler_name": labeler,
    }
    browser.save_screenshot("/tmp/drug-editor-title-parts.png")
    dosage_form = form.find_element(By.ID, "drug-dosage_form")
    dosage_form.clear()
    dosage_form.send_keys("TABLET, CHEWABLE")
    form.find_element(By.ID, "drug-submit").click()
    wait(browser).until(EC.invisibility_of_element_located((By.ID, "drug-form")))
    wait(browser).until(
        lambda b: b.find_element(By.CSS_SELECTOR, row).get_attribute("data-edited") == "true"
    )

    chip.find_element(By.TAG_NAME, "button").click()
    wait(browser).until(lambda b: len(rows(b)) == 25 and "labeler=" not in b.current_url)
    assert not chip.is_displayed()
    assert not csp_violations(browser)


def test_classes_filter_by_type_and_a_class_leads_to_its_drugs(browser, live_server, dailymed):
    assert run_sync().status == "completed"
    moa = dailymed.catalogue.classes_by_type["MOA"]
    sign_in(browser, live_server, "vera", role="viewer")
    browser.get(f"{live_server}/#/drug-classes")
    wait(browser).until(lambda b: len(rows(b, CLASS_ROWS)) == CATALOGUE["classes"])

    Select(browser.find_element(By.ID, "drug-classes-type")).select_by_value("MOA")
    wait(browser).until(
        lambda b: (
            [r.get_attribute("data-class-type") for r in rows(b, CLASS_ROWS)] == ["MOA"] * len(moa)
        )
    )
    assert "class_type=MOA" in browser.current_url
    export = browser.find_element(By.ID, "drug-classes-export").get_attribute("href")
    assert "/api/drug-classes/export.csv?class_type=MOA" in export

    # A class's row opens the Drugs screen filtered by that class.
    first = rows(browser, CLASS_ROWS)[0]
    class_id = int(first.get_attribute("data-drug-class-id"))
    drug_class = db.session.get(DrugClass, class_id)
    members = db.session.scalar(sa.select(DrugClass.drug_count).where(DrugClass.id == class_id))
    assert members and str(members) in first.text
    first.click()
    picker = wait(browser).until(EC.visibility_of_element_located((By.ID, "drugs-class")))
    assert f"drug_class_id={class_id}" in browser.current_url
    wait(browser).until(lambda _: picker.get_attribute("value") == drug_class.name)
    assert picker.get_attribute("data-drug-class-id") == str(class_id)
    wait(browser).until(lambda b: len(rows(b)) == min(members, 25))
    assert not browser.find_elements(By.ID, "sync-dailymed-button")  # viewers don't sync

    # The class type narrows further; clearing brings every drug back.
    Select(browser.find_element(By.ID, "drugs-class-type")).select_by_value("CI")
    wait(browser).until(lambda _: "class_type=CI" in browser.current_url)
    browser.find_element(By.ID, "drugs-clear").click()
    wait(browser).until(lambda b: len(rows(b)) == 25 and not picker.get_attribute("value"))
    assert not csp_violations(browser)


def test_the_overview_dailymed_card_syncs_and_counts_drugs_classes_and_ndcs(
    browser, live_server, dailymed
):
    sign_in(browser, live_server, "eddie")
    card = wait(browser).until(
        EC.visibility_of_element_located((By.CSS_SELECTOR, '[data-stat="last_sync_dailymed"]'))
    )
    wait(browser).until(
        EC.element_to_be_clickable((By.ID, "overview-sync-dailymed-button"))
    ).click()
    wait(browser, 60).until(
        lambda _: (
            card.find_element(By.CSS_SELECTOR, "[data-sync-panel=dailymed]").get_attribute(
                "data-state"
            )
            == "completed"
        )
    )
    bar = card.find_element(By.ID, "overview-sync-dailymed-progress")
    assert bar.get_attribute("aria-valuenow") == "100"
    totals = dailymed.catalogue.totals
    stored_ndcs = db.session.scalar(sa.select(sa.func.count(NdcCode.id)))
    assert stored_ndcs == totals.package_ndcs + totals.product_ndcs
    for stat, figure in (
        ("drugs", totals.labels),
        ("drug_classes", totals.classes),
        ("ndc_codes", stored_ndcs),
    ):
        value = f'[data-stat="{stat}"] .stat-value'
        wait(browser).until(
            lambda b, v=value, f=figure: (
                b.find_element(By.CSS_SELECTOR, v).get_attribute("data-value") == str(f)
            )
        )
    wait(browser).until(lambda _: card.find_element(By.CSS_SELECTOR, '[data-status="completed"]'))
    browser.find_element(By.CSS_SELECTOR, '[data-stat-link="drug-classes"]').click()
    wait(browser).until(
        lambda b: len(rows(b, CLASS_ROWS)) == totals.classes and "#/drug-classes" in b.current_url
    )
