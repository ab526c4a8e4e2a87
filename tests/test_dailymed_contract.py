"""The sync where DailyMed's documentation leaves room: a sandbox answering by the other reading
(`sandbox.dailymed_state.Reading`) over real HTTP, the sync on real PostgreSQL."""

from urllib.parse import parse_qs, urlsplit

import pytest

from sandbox.catalogue import MED_RT, MESH, NDF_RT, Catalogue
from sandbox.dailymed_state import Reading
from scraper.dailymed import DailyMedClient
from scraper.dailymed_records import join_detail_pages
from tests.fixtures.dailymed import fetch_catalogue
from tests.fixtures.dailymed_sync import run_sync, stored_catalogue

REFUSED = Reading(spls_coding_system=NDF_RT, reject_unknown_coding_system=True)
EMPTY = Reading(spls_coding_system=NDF_RT)


@pytest.fixture
def sync_against(dailymed_app, start_sandbox_dailymed):
    """Start a small sandbox answering by `reading`, point the app at it; the sandbox state."""

    def start(reading: Reading, catalogue: Catalogue | None = None):
        base_url, state = start_sandbox_dailymed(
            catalogue or Catalogue(classes=12, labels=150), reading=reading
        )
        dailymed_app(base_url)
        return state

    return start


def assert_everything_stored(state) -> None:
    totals, stored = state.totals, stored_catalogue()
    assert len(stored["drugs"]) == totals.labels
    assert len(stored["memberships"]) == totals.memberships
    assert len(stored["ndcs"]) == totals.package_ndcs + totals.product_ndcs
    assert len(stored["ingredients"]) == totals.ingredients


def coding_systems_asked(state) -> list[str | None]:
    """drug_class_coding_system of every class listing served, None where it was left out."""
    asked = []
    for served in state.log:
        if served.endpoint == "spls":
            query = parse_qs(urlsplit(served.path).query)
            asked.append(query.get("drug_class_coding_system", [None])[0])
    return asked


@pytest.mark.parametrize("reading", [REFUSED, EMPTY], ids=["answered-400", "answered-empty"])
def test_classes_whose_coding_system_spls_does_not_know_are_listed_in_the_documented_default(
    sync_against, reading
):
    state = sync_against(reading)
    run = run_sync()
    assert run.status == "completed", run.error_message
    assert_everything_stored(state)
    forms = run.progress_details["class_listing_forms"]
    assert forms == {MED_RT: "documented default", MESH: "documented default"}


def test_the_fallback_costs_one_request_per_coding_system(sync_against):
    state = sync_against(REFUSED)
    run_sync()
    asked = coding_systems_asked(state)
    assert sorted(system for system in asked if system) == [MESH, MED_RT]
    assert asked.count(None) == state.totals.classes


def test_an_incremental_run_asks_in_the_form_the_last_run_found(sync_against):
    state = sync_against(REFUSED)
    assert run_sync().status == "completed"
    state.reset_counters()
    added = state.add_labels(2)
    run = run_sync()
    assert run.progress_details["mode"] == "incremental"
    assert run.records_inserted == len(added)
    assert set(coding_systems_asked(state)) == {None}


def test_a_sync_gets_every_label_from_a_sandbox_answering_by_the_other_reading(sync_against):
    state = sync_against(Reading.other(), Catalogue(classes=12, labels=150, big_label_products=130))
    run = run_sync()
    assert run.status == "completed" and run.warnings == [], run.error_message
    assert_everything_stored(state)
    assert state.status_counts[400] == 2  # one per coding system


def test_spl_versions_sent_as_text_are_stored_as_numbers(sync_against):
    state = sync_against(Reading(versions_as_text=True))
    assert run_sync().status == "completed"
    stored = {set_id: version for set_id, _, version, *_ in stored_catalogue()["drugs"]}
    assert stored == {label.set_id: label.spl_version for label in state.catalogue.labels}


def test_an_html_page_answered_with_status_200_is_asked_again(sync_against):
    state = sync_against(Reading(html_error_rate=1.0))
    run = run_sync()
    assert run.status == "completed", run.error_message
    assert_everything_stored(state)
    assert run.progress_details["retries"] >= state.totals.labels


def test_every_page_of_a_label_with_more_than_100_products_is_read(sync_against):
    state = sync_against(Reading(), Catalogue(classes=12, labels=150, big_label_products=130))
    assert run_sync().status == "completed"
    assert_everything_stored(state)
    big = state.catalogue.labels[state.catalogue.big_label].set_id
    pages = [s.path for s in state.log if s.endpoint == "packaging" and big in s.path]
    assert len(pages) == 2


def test_listings_without_next_page_url_on_their_last_page_are_read_to_the_end(
    start_sandbox_dailymed,
):
    base_url, state = start_sandbox_dailymed(
        Catalogue(classes=12, labels=150), reading=Reading(omit_last_next_page_url=True)
    )
    with DailyMedClient(base_url, page_size=7, rate_limit=None) as client:
        fetched = fetch_catalogue(client)
    assert len(fetched.classes) == state.totals.classes
    assert len(fetched.memberships) == state.totals.memberships


def test_a_full_sync_that_lists_classes_but_no_labels_fails_with_a_plain_message(sync_against):
    sync_against(Reading(spls_coding_system=NDF_RT, spls_default_coding_system="9.9.9"))
    run = run_sync()
    assert run.status == "failed"
    assert run.error_message.startswith("DailyMed listed 12 drug classes but no labels")
    assert "flask --app app dailymed check" in run.error_message


def test_a_sync_whose_every_detail_request_fails_fails_with_a_plain_message(
    dailymed_app, start_sandbox_dailymed
):
    catalogue = Catalogue(classes=4, labels=6)
    base_url, _ = start_sandbox_dailymed(
        catalogue, failing_set_ids=[label.set_id for label in catalogue.labels]
    )
    dailymed_app(base_url)
    run = run_sync()
    assert run.status == "failed"
    assert run.error_message.startswith("All 6 label detail requests failed")


def label_page(version, products, total=None):
    metadata = {"total_elements": total} if total is not None else {}
    body = {"setid": "s-1", "spl_version": version, "products": products}
    return {"metadata": metadata, "data": body}


def test_detail_pages_holding_fewer_products_than_announced_are_refused():
    with pytest.raises(ValueError, match="announced 150 products but 100 were read"):
        join_detail_pages([label_page(7, [{}] * 100, total=150)])


def test_detail_pages_of_two_versions_are_refused():
    with pytest.raises(ValueError, match="page 2 is not of the label of page 1"):
        join_detail_pages([label_page(7, [{}] * 100, total=101), label_page(8, [{}])])
