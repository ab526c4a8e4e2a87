"""`flask --app app dailymed check` and POST /api/dailymed/check against the sandbox DailyMed
over real HTTP: what it reports in our reading of the docs and in the other one."""

import socket

import pytest

from sandbox.catalogue import NDF_RT, Catalogue
from sandbox.dailymed_state import Reading


@pytest.fixture
def check_against(dailymed_app, start_sandbox_dailymed, runner):
    """Run the check command against a sandbox answering by `reading`; the CLI result."""

    def check(reading: Reading = Reading(), *args: str, catalogue: Catalogue | None = None):
        base_url, _ = start_sandbox_dailymed(
            catalogue or Catalogue(classes=12, labels=150), reading=reading
        )
        dailymed_app(base_url)
        return runner.invoke(args=["dailymed", "check", *args])

    return check


def test_our_reading_of_the_docs_passes_the_check(check_against):
    result = check_against()
    assert result.exit_code == 0, result.output
    assert "BREAKS" not in result.output
    assert "ok       coding-system forms" in result.output
    assert "none that would break a sync" in result.output


def test_the_check_shows_each_round_trip_time(check_against):
    result = check_against()
    answers = [line for line in result.output.splitlines() if " answer " in line]
    assert len(answers) >= 8 and all(" ms  " in line for line in answers)


@pytest.mark.parametrize(
    ("reading", "reported"),
    [
        (
            Reading(spls_coding_system=NDF_RT, reject_unknown_coding_system=True),
            "HTTP 400: drug_class_coding_system 2.16.840.1.113883.6.345 is not supported",
        ),
        (
            Reading(spls_coding_system=NDF_RT),
            "as listed: 0 labels, documented default: ",
        ),
        (Reading(versions_as_text=True), "as text"),
        (Reading(omit_last_next_page_url=True), "next_page_url absent on the last page"),
        (Reading(html_error_rate=1.0), "text/html (not JSON) with status 200"),
    ],
    ids=["400-for-class-system", "empty-for-class-system", "version-text", "no-next-url", "html"],
)
def test_the_check_reports_each_difference_of_the_other_reading(check_against, reading, reported):
    result = check_against(reading)
    assert result.exit_code == 0, result.output
    assert reported in result.output


def test_a_class_system_spls_does_not_know_is_reported_with_the_fallback(check_against):
    result = check_against(Reading(spls_coding_system=NDF_RT, reject_unknown_coding_system=True))
    assert "as listed: refused, documented default: " in result.output
    assert "the sync falls back to the documented default form" in result.output


def test_a_label_with_more_than_100_products_is_reported_as_paged(check_against):
    catalogue = Catalogue(classes=12, labels=150, big_label_products=130)
    big = catalogue.labels[catalogue.big_label].set_id
    result = check_against(Reading(), "--setid", big, catalogue=catalogue)
    assert result.exit_code == 0, result.output
    assert "130 products over 2 pages; the client reads every page" in result.output


def test_classes_without_labels_in_either_form_fail_the_check(check_against):
    result = check_against(Reading(spls_coding_system=NDF_RT, spls_default_coding_system="9.9.9"))
    assert result.exit_code == 1
    assert "BREAKS" in result.output and ": no labels" in result.output


def test_a_dailymed_that_does_not_answer_fails_the_check(dailymed_app, runner):
    with socket.socket() as unused:  # a port nothing listens on
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    dailymed_app(f"http://127.0.0.1:{port}/dailymed/services/v2")
    result = runner.invoke(args=["dailymed", "check"])
    assert result.exit_code == 1
    assert "BREAKS   answer" in result.output and "no answer" in result.output


def test_an_admin_gets_the_report_from_the_api(dailymed_app, start_sandbox_dailymed, admin):
    base_url, _ = start_sandbox_dailymed(Catalogue(classes=12, labels=150))
    dailymed_app(base_url)
    response = admin.post("/api/dailymed/check", json={})
    assert response.status_code == 200
    report = response.get_json()["data"]
    assert report["ok"] is True and report["base_url"] == base_url
    checks = {(row["check"], row["result"]) for row in report["rows"]}
    assert ("coding-system forms", "ok") in checks


def test_only_admins_may_run_the_check(editor):
    assert editor.post("/api/dailymed/check", json={}).status_code == 403
