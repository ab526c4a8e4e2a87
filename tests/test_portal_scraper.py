"""The portal scraper, against the sandbox portal and a local the-internet, in real Chromium."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from selenium.webdriver.remote.webdriver import WebDriver

from reporting import Cancelled, Reporter
from scraper.browser import BrowserUnavailable, make_driver
from scraper.portal import (
    DuplicateKey,
    LoginFailed,
    ProfileError,
    ScrapeError,
    TableNotFound,
    load_profile,
    read_table_page,
    record_from_row,
    scrape_portal,
)
from scraper.portal_profile import PROFILE_DIR
from tests.fixtures.sandbox import THE_INTERNET_PASSWORD, THE_INTERNET_USERNAME, RunningSandbox

DriverFactory = Callable[[], WebDriver]
SANDBOX = load_profile("sandbox")


def scrape_sandbox(portal: RunningSandbox, driver_factory: DriverFactory, **options: Any):
    options.setdefault("password", portal.password)
    profile = options.pop("profile", SANDBOX)
    return scrape_portal(
        profile, portal.base_url, portal.username, driver_factory=driver_factory, **options
    )


class RecordingReporter(Reporter):
    def __init__(self, cancel_after_checkpoints: int | None = None) -> None:
        self.steps: list[tuple[int, int | None, str]] = []
        self.checkpoints = 0
        self.cancel_after_checkpoints = cancel_after_checkpoints

    def progress(self, done: int, total: int | None, step: str, **details: Any) -> None:
        self.steps.append((done, total, step))

    def checkpoint(self) -> None:
        self.checkpoints += 1
        if self.checkpoints == self.cancel_after_checkpoints:
            raise Cancelled()


# ---------------------------------------------------------------- the sandbox portal


def test_reads_every_row_on_every_page(sandbox_portal, driver_factory):
    records = scrape_sandbox(sandbox_portal, driver_factory)

    expected = [row.authorization_number for row in sandbox_portal.state.rows]
    assert sandbox_portal.state.page_count == 3
    assert [record.authorization_number for record in records] == expected


def test_maps_portal_columns_onto_record_fields(sandbox_portal, driver_factory):
    first_row = sandbox_portal.state.rows[0]

    record = scrape_sandbox(sandbox_portal, driver_factory)[0]

    assert record.key == first_row.authorization_number
    assert record.patient_name == first_row.patient_name
    assert record.status == first_row.status
    assert record.payer == first_row.payer
    assert (record.service_start, record.service_end) == (
        first_row.service_start,
        first_row.service_end,
    )
    assert record.amount is None and record.extra == {}


def test_waits_for_rows_drawn_long_after_the_page_loaded(sandbox_portal, driver_factory):
    sandbox_portal.state.page_size = 50  # one page, drawn two seconds after it loaded
    sandbox_portal.state.delay_ms = 2000

    records = scrape_sandbox(sandbox_portal, driver_factory)

    assert len(records) == 45


def test_wrong_password_fails_with_the_portals_own_message(sandbox_portal, driver_factory):
    with pytest.raises(LoginFailed, match=r"^Login failed: Your password is invalid!$"):
        scrape_sandbox(sandbox_portal, driver_factory, password="not-the-password")


def test_missing_table_error_names_the_selector(sandbox_portal, driver_factory):
    profile = replace(SANDBOX, table_selector="table#claims", rows_ready_selector=None)

    with pytest.raises(TableNotFound, match=r"table#claims"):
        scrape_sandbox(sandbox_portal, driver_factory, profile=profile, page_timeout=1)


def test_browser_quits_even_when_the_scrape_fails(sandbox_portal, driver_factory):
    started: list[WebDriver] = []

    def tracked_driver() -> WebDriver:
        started.append(driver_factory())
        return started[-1]

    with pytest.raises(LoginFailed):
        scrape_sandbox(sandbox_portal, tracked_driver, password="not-the-password")

    assert started[0].service.process.poll() is not None  # chromedriver has exited


def test_second_scrape_sees_changed_new_and_vanished_rows(sandbox_portal, driver_factory):
    state = sandbox_portal.state
    first = {r.key: r for r in scrape_sandbox(sandbox_portal, driver_factory)}
    changed, vanished = state.rows[0], state.rows[1]
    new_status = "Denied" if changed.status != "Denied" else "Approved"
    state.change_status(changed.authorization_number, new_status)
    state.remove_row(vanished.authorization_number)
    added = state.add_row(patient_name="Rosa Mensah", status="Pending")

    second = {r.key: r for r in scrape_sandbox(sandbox_portal, driver_factory)}

    assert second[changed.authorization_number].status == new_status
    assert vanished.authorization_number in first and vanished.authorization_number not in second
    assert second[added.authorization_number].patient_name == "Rosa Mensah"


def test_reports_progress_page_by_page(sandbox_portal, driver_factory):
    reporter = RecordingReporter()

    scrape_sandbox(sandbox_portal, driver_factory, reporter=reporter)

    page_steps = [(done, total) for done, total, step in reporter.steps if "reading page" in step]
    assert page_steps == [(0, None), (1, 3), (2, 3)]
    assert reporter.steps[-1] == (3, 3, "read 45 rows from 3 pages")


def test_stops_at_a_checkpoint_when_cancelled(sandbox_portal, driver_factory):
    reporter = RecordingReporter(cancel_after_checkpoints=2)  # after page 1 is read

    with pytest.raises(Cancelled):
        scrape_sandbox(sandbox_portal, driver_factory, reporter=reporter)

    assert not any("reading page 2" in step for _, _, step in reporter.steps)


# ---------------------------------------------------------------- the-internet


def test_the_internet_profile_gives_one_record_per_person(the_internet, driver_factory):
    records = scrape_portal(
        "the-internet",
        the_internet,
        THE_INTERNET_USERNAME,
        THE_INTERNET_PASSWORD,
        driver_factory=driver_factory,
    )

    assert [(r.key, r.patient_name, r.amount) for r in records] == [
        ("jsmith@gmail.com", "John Smith", "$50.00"),
        ("fbach@yahoo.com", "Frank Bach", "$51.00"),
        ("jdoe@hotmail.com", "Jason Doe", "$100.00"),
        ("tconway@earthlink.net", "Tim Conway", "$50.00"),
    ]
    assert records[0].payer == "http://www.jsmith.com"
    assert records[0].status == "Pending"
    assert records[0].extra == {"Action": "edit delete"}


def test_the_internet_wrong_password_fails_with_its_message(the_internet, driver_factory):
    with pytest.raises(LoginFailed, match=r"^Login failed: Your password is invalid!$"):
        scrape_portal(
            "the-internet",
            the_internet,
            THE_INTERNET_USERNAME,
            "wrong",
            driver_factory=driver_factory,
        )


def test_rows_sharing_a_key_fail_instead_of_merging(the_internet, driver_factory):
    keyed_on_due_like_the_seed = replace(load_profile("the-internet"), key_columns=("Due",))

    with pytest.raises(DuplicateKey, match=r"Two rows have the key '\$50\.00'"):
        scrape_portal(
            keyed_on_due_like_the_seed,
            the_internet,
            THE_INTERNET_USERNAME,
            THE_INTERNET_PASSWORD,
            driver_factory=driver_factory,
        )


# ---------------------------------------------------------------- the browser


def test_missing_chromedriver_says_what_to_install():
    with pytest.raises(BrowserUnavailable) as raised:
        make_driver(chromedriver_path="/nowhere/chromedriver")

    message = str(raised.value)
    assert "/nowhere/chromedriver" in message and "CHROMEDRIVER_PATH" in message
    assert "apt-get install chromium chromium-driver" in message


def test_missing_browser_says_what_to_install():
    with pytest.raises(BrowserUnavailable, match=r"CHROME_BINARY.*apt-get install chromium"):
        make_driver(chrome_binary="/nowhere/chromium")


# ---------------------------------------------------------------- profiles and row mapping


def write_profile(tmp_path: Path, **changes: Any) -> Path:
    data = json.loads((PROFILE_DIR / "sandbox.json").read_text())
    for dotted, value in changes.items():
        *parents, key = dotted.split("__")
        section = data
        for parent in parents:
            section = section[parent]
        if value is None:
            del section[key]
        else:
            section[key] = value
    path = tmp_path / "portal.json"
    path.write_text(json.dumps(data))
    return path


def test_a_profile_file_is_loaded_by_path(tmp_path):
    path = write_profile(tmp_path, name="my-portal", table__selector="table.results")

    profile = load_profile(str(path))

    assert (profile.name, profile.table_selector) == ("my-portal", "table.results")


def test_unknown_profile_name_lists_the_built_in_ones():
    with pytest.raises(ProfileError, match=r"'acme'.*sandbox, the-internet"):
        load_profile("acme")


def test_profile_with_an_unknown_key_names_it(tmp_path):
    with pytest.raises(ProfileError, match=r"login\.sumbit is not a known key"):
        load_profile(write_profile(tmp_path, login__sumbit="button"))


def test_profile_missing_a_selector_names_it(tmp_path):
    with pytest.raises(ProfileError, match=r"table\.selector is missing"):
        load_profile(write_profile(tmp_path, table__selector=None))


def test_profile_without_a_patient_name_mapping_names_it(tmp_path):
    with pytest.raises(ProfileError, match=r"fields\.patient_name is missing"):
        load_profile(write_profile(tmp_path, fields__patient_name=None))


def test_profile_mapping_to_an_unknown_status_names_it(tmp_path):
    with pytest.raises(ProfileError, match=r"status\.map\.On Hold must be one of"):
        load_profile(write_profile(tmp_path, status__map={"On Hold": "Paused"}))


def test_profile_that_is_not_json_is_reported(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text("{not json")

    with pytest.raises(ProfileError, match=r"Cannot read portal profile .*broken\.json"):
        load_profile(path)


SANDBOX_ROW = {
    "Patient": "Ava Kim",
    "Authorization #": "PA-2026-000123",
    "Status": "Authorized",
    "Payer": "Aetna",
    "Service Start": "03/02/2026",
    "Service End": "05/31/2026",
}


def test_status_text_is_mapped_through_the_profile():
    record = record_from_row(SANDBOX_ROW, SANDBOX, "row 1", warn=print)

    assert record.status == "Approved"
    assert (record.service_start, record.service_end) == (date(2026, 3, 2), date(2026, 5, 31))


def test_unknown_status_text_becomes_the_default_with_a_warning():
    warnings: list[str] = []

    record = record_from_row(
        {**SANDBOX_ROW, "Status": "On Hold"}, SANDBOX, "row 1", warnings.append
    )

    assert record.status == "Pending"
    assert warnings == ["row 1: unknown status 'On Hold', recorded as Pending"]


def test_date_in_an_unexpected_format_is_an_error_naming_it():
    with pytest.raises(ScrapeError, match=r"row 1: date '2026-03-02' matches none"):
        record_from_row({**SANDBOX_ROW, "Service Start": "2026-03-02"}, SANDBOX, "row 1", print)


def test_a_full_width_message_row_is_not_read_as_data():
    html = (
        "<table id='authorizations'><thead><tr><th>Patient</th><th>Authorization #</th></tr>"
        "</thead><tbody><tr><td colspan='2'>No authorizations on file.</td></tr></tbody></table>"
    )

    assert read_table_page(html, SANDBOX).rows == []
