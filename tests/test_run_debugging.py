"""Runs you can debug: each run keeps the lines its job logged (bounded, readable and
downloadable from any process), a failed run says what failed in plain words before the
technical detail, a failed, cancelled or interrupted run can run again, and a run links to the
records it changed."""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from flask import Flask

from database import db
from jobs import engine, run_log
from models import Run, RunLogLine
from sandbox.catalogue import Catalogue
from scraper.portal import LoginFailed
from tests.fixtures.dailymed_sync import run_sync

CHATTY = "_test_chatty"
FLOOD = "_test_flood"
LOGIN_REFUSED = "_test_login_refused"
CRASH = "_test_crash"
NO_ANSWER = "_test_no_answer"
WRAPPED = "_test_wrapped"
HELD = "_test_held"
job_log = logging.getLogger("tests.job")


@pytest.fixture(autouse=True)
def jobs(app: Flask) -> Iterator[threading.Event]:
    release = threading.Event()

    def chatty(ctx: engine.JobContext) -> None:
        job_log.info("reading page %d of %d", 1, 2)
        job_log.debug("a detail nobody keeps")
        job_log.warning("page 2 answered slowly")
        job_log.info("done reading")

    def flood(ctx: engine.JobContext) -> None:
        for n in range(run_log.MAX_LINES + 300):
            job_log.info("line %d", n)
        for n in range(run_log.EXTRA_WARNINGS + 50):
            job_log.warning("warning %d", n)
        job_log.error("the last error")

    def login_refused(ctx: engine.JobContext) -> None:
        raise LoginFailed("Login failed: the portal said 'Your username is invalid!'")

    def crash(ctx: engine.JobContext) -> None:
        raise KeyError("row_count")

    def no_answer(ctx: engine.JobContext) -> None:
        raise ConnectionRefusedError("[Errno 111] Connection refused")

    def wrapped(ctx: engine.JobContext) -> None:
        try:
            raise LoginFailed("Login failed")
        except LoginFailed as exc:
            raise RuntimeError("the portal step failed") from exc

    def held(ctx: engine.JobContext) -> None:
        job_log.info("waiting for the test")
        release.wait(30)

    with (
        engine.registered(CHATTY, chatty),
        engine.registered(FLOOD, flood),
        engine.registered(LOGIN_REFUSED, login_refused),
        engine.registered(CRASH, crash),
        engine.registered(NO_ANSWER, no_answer),
        engine.registered(WRAPPED, wrapped),
        engine.registered(HELD, held),
    ):
        yield release
        release.set()


def _log(client, headers, run_id: int) -> list[dict]:
    response = client.get(f"/api/scrape-runs/{run_id}/log", headers=headers)
    assert response.status_code == 200, response.json
    return response.json["data"]


# -- the run's own log ----------------------------------------------------------------------


def test_a_run_keeps_the_lines_its_job_logged_in_order_with_their_levels(client, bearer):
    run = engine.run_in_foreground(CHATTY, "tests")
    lines = _log(client, bearer("viewer"), run.id)
    mine = [(line["level"], line["message"]) for line in lines if line["logger"] == "tests.job"]
    assert mine == [
        ("INFO", "reading page 1 of 2"),
        ("WARNING", "page 2 answered slowly"),
        ("INFO", "done reading"),
    ]
    # The engine's own lines are there too: when it started and how it ended.
    assert any("job started" in line["message"] for line in lines)
    assert any("job completed" in line["message"] for line in lines)


def test_the_log_downloads_as_text_with_the_run_id_in_every_line(client, bearer):
    run = engine.run_in_foreground(CHATTY, "tests")
    response = client.get(f"/api/scrape-runs/{run.id}/log?format=text", headers=bearer("viewer"))
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    assert response.headers["Content-Disposition"] == f'attachment; filename="run-{run.id}.log"'
    text_lines = response.get_data(as_text=True).splitlines()
    assert text_lines and all(f": [run {run.id}] " in line for line in text_lines)
    assert any(
        line.endswith(f" WARNING tests.job: [run {run.id}] page 2 answered slowly")
        for line in text_lines
    )


def test_runs_do_not_share_lines(client, bearer):
    first = engine.run_in_foreground(CHATTY, "tests")
    job_log.info("logged between runs")
    second = engine.run_in_foreground(CRASH, "tests")
    messages = {m["message"] for m in _log(client, bearer("viewer"), first.id)}
    assert "done reading" in messages and "logged between runs" not in messages
    assert "done reading" not in {m["message"] for m in _log(client, bearer(), second.id)}


def test_a_run_keeps_its_first_lines_then_only_warnings_and_says_how_many_it_dropped(app):
    run = engine.run_in_foreground(FLOOD, "tests")
    rows = db.session.scalars(run_log.lines_query(run.id)).all()
    assert len(rows) == run_log.MAX_LINES + run_log.EXTRA_WARNINGS + 1
    assert rows[0].message.endswith("job started (triggered by tests)")
    kept_after_limit = rows[run_log.MAX_LINES : -1]
    assert {row.level for row in kept_after_limit} == {"WARNING"}
    # The info lines past the limit, the last warnings, the error and the finish line dropped:
    # what was not kept is said, last.
    assert "more line(s) not kept" in rows[-1].message and rows[-1].level == "WARNING"


def test_a_running_job_shows_its_lines_before_it_ends(client, bearer, jobs, monkeypatch):
    monkeypatch.setattr(engine, "HEARTBEAT_SECONDS", 0.1)
    run = engine.start(HELD, "tests")
    headers = bearer("viewer")
    deadline = time.monotonic() + 15
    while not any(m["message"] == "waiting for the test" for m in _log(client, headers, run.id)):
        assert time.monotonic() < deadline, "the running job's line never showed"
        time.sleep(0.05)
    jobs.set()


def test_the_log_of_an_unknown_run_is_404_and_a_bad_format_is_422(client, bearer):
    headers = bearer("viewer")
    assert client.get("/api/scrape-runs/999999/log", headers=headers).status_code == 404
    run = engine.run_in_foreground(CHATTY, "tests")
    bad = client.get(f"/api/scrape-runs/{run.id}/log?format=xml", headers=headers)
    assert bad.status_code == 422 and bad.json["error"]["details"]["field"] == "format"


def test_deleting_a_run_deletes_its_log(app):
    run = engine.run_in_foreground(CHATTY, "tests")
    db.session.execute(sa.delete(Run).where(Run.id == run.id))
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RunLogLine)) == 0


# -- what failed, in plain words ------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "failure", "detail"),
    [
        (LOGIN_REFUSED, LoginFailed.failure, "Your username is invalid!"),
        (WRAPPED, LoginFailed.failure, "the portal step failed"),
        (NO_ANSWER, f"Could not reach the {NO_ANSWER} source", "Connection refused"),
        (CRASH, f"The {CRASH} job stopped on an unexpected error", "row_count"),
    ],
)
def test_a_failed_run_says_what_failed_in_plain_words_before_the_detail(
    client, bearer, source, failure, detail
):
    run = engine.run_in_foreground(source, "tests")
    body = client.get(f"/api/scrape/status/{run.id}", headers=bearer("viewer")).json
    assert body["status"] == "failed"
    assert body["failure"] == failure
    assert detail in body["error"]


def test_a_dailymed_sync_that_gets_no_answer_says_it_could_not_reach_the_source(
    client, bearer, dailymed_app
):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    dailymed_app(f"http://127.0.0.1:{port}/dailymed/services/v2", dailymed_max_retries=0)
    run = run_sync()
    assert run.status == "failed"
    assert run.failure and run.failure.startswith("Could not reach the source")
    assert run.error_message and "127.0.0.1" in run.error_message


def test_a_run_that_went_well_has_no_failure(client, bearer):
    run = engine.run_in_foreground(CHATTY, "tests")
    assert client.get(f"/api/scrape/status/{run.id}", headers=bearer()).json["failure"] is None


# -- run again ------------------------------------------------------------------------------


def test_a_failed_run_runs_again_and_the_new_run_names_the_one_it_repeats(client, bearer):
    failed = engine.run_in_foreground(CRASH, "tests")
    response = client.post(f"/api/scrape-runs/{failed.id}/rerun", headers=bearer("editor"))
    assert response.status_code == 202, response.json
    again = db.session.get(Run, response.json["job_id"])
    assert again.id != failed.id and again.source == CRASH
    assert again.triggered_by.startswith(f"rerun:{failed.id}:script-editor-")


def test_cancelled_and_interrupted_runs_run_again_too(client, bearer):
    headers = bearer("editor")
    for status in ("cancelled", "interrupted"):
        old = Run(source=CHATTY, status=status, triggered_by="tests")
        db.session.add(old)
        db.session.commit()
        response = client.post(f"/api/scrape-runs/{old.id}/rerun", headers=headers)
        assert response.status_code == 202, response.json
        engine_thread_done(response.json["job_id"])


def test_a_completed_run_does_not_run_again_and_viewers_cannot(client, bearer):
    done = engine.run_in_foreground(CHATTY, "tests")
    refused = client.post(f"/api/scrape-runs/{done.id}/rerun", headers=bearer("editor"))
    assert refused.status_code == 409
    assert "only a failed, cancelled or interrupted run" in refused.json["error"]["message"]
    failed = engine.run_in_foreground(CRASH, "tests")
    assert (
        client.post(f"/api/scrape-runs/{failed.id}/rerun", headers=bearer("viewer")).status_code
        == 403
    )
    assert client.post("/api/scrape-runs/999999/rerun", headers=bearer("editor")).status_code == 404


def engine_thread_done(run_id: int, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while True:
        db.session.expire_all()
        if db.session.get(Run, run_id).status not in ("queued", "running"):
            return
        assert time.monotonic() < deadline
        time.sleep(0.05)


# -- the records a run changed --------------------------------------------------------------


def test_a_run_links_to_the_records_it_changed(
    client, bearer, dailymed_app, start_sandbox_dailymed
):
    base_url, state = start_sandbox_dailymed(Catalogue(classes=6, labels=30))
    dailymed_app(base_url)
    run = run_sync()
    assert run.status == "completed"
    headers = bearer("viewer")
    changes = client.get(f"/api/scrape-runs/{run.id}/changes", headers=headers).json["data"]
    by_dataset = {row["dataset"]: row for row in changes}
    assert by_dataset["drugs"]["records"] == state.totals.labels
    assert by_dataset["drug_classes"]["records"] == state.totals.classes
    listed = client.get(f"/api/drugs?changed_by_run={run.id}&per_page=100", headers=headers).json
    assert listed["total"] == state.totals.labels
    other = client.get("/api/drugs?changed_by_run=999999", headers=headers).json
    assert other["total"] == 0


@pytest.mark.parametrize("value", ["²", "12a", "-3", "99999999999"])
def test_a_bad_changed_by_run_is_refused_naming_it(client, bearer, value):
    response = client.get(
        "/api/drugs", query_string={"changed_by_run": value}, headers=bearer("viewer")
    )
    assert response.status_code == 422
    assert response.json["error"]["details"]["field"] == "changed_by_run"
