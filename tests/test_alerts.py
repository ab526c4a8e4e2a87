"""Alerts: a run that fails or leaves records waiting for review posts one short JSON message to
NOTIFY_WEBHOOK_URL (Slack-compatible `text` plus structured fields), for the events NOTIFY_ON
chooses. A local HTTP receiver stands in for Slack: one that answers, one that fails first, one
that hangs, and one that is down. Sending never fails or slows the run."""

from __future__ import annotations

import dataclasses
import json
import logging
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from config import ConfigError
from database import db
from jobs import engine
from models import Drug, Run
from sandbox.catalogue import Catalogue
from tests.fixtures.app import if_match, settings_for_tests
from tests.fixtures.dailymed_sync import republish, run_sync

FAILING = "_test_alert_failing"
FINE = "_test_alert_fine"
SECRET_HOOK_PATH = "/services/T000/B000/s3cr3t-hook-token"


class Receiver:
    """A webhook receiver on a free port: answers each POST with the next of `answers` (the last
    one repeats), optionally after `delay` seconds, and keeps every JSON body it got."""

    def __init__(self, answers: tuple[int, ...] = (200,), delay: float = 0.0) -> None:
        self.answers = list(answers)
        self.delay = delay
        self.bodies: list[dict[str, Any]] = []
        self.attempts = 0
        self.got = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length))
                receiver.attempts += 1
                status = (
                    receiver.answers.pop(0) if len(receiver.answers) > 1 else receiver.answers[0]
                )
                time.sleep(receiver.delay)
                self.send_response(status)
                self.end_headers()
                if status < 300:
                    receiver.bodies.append(body)
                    receiver.got.set()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}{SECRET_HOOK_PATH}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait(self, timeout: float = 15) -> dict[str, Any]:
        assert self.got.wait(timeout), f"no alert arrived ({self.attempts} attempt(s) seen)"
        return self.bodies[-1]

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    started = Receiver()
    yield started
    started.stop()


@pytest.fixture
def notify(app: Flask) -> Iterator[Any]:
    """Point the app's alerts at a URL (with NOTIFY_* overrides, retries fast)."""
    original = app.config["SETTINGS"]

    def point_at(url: str, **settings: Any) -> None:
        app.config["SETTINGS"] = dataclasses.replace(
            app.config["SETTINGS"], notify_webhook_url=url, notify_retry_backoff=0.05, **settings
        )

    yield point_at
    app.config["SETTINGS"] = original


@pytest.fixture(autouse=True)
def jobs(app: Flask) -> Iterator[None]:
    def failing(ctx: engine.JobContext) -> None:
        raise RuntimeError("Could not reach the portal at portal.example (connection refused)")

    def fine(ctx: engine.JobContext) -> None:
        ctx.counts.found = 3

    with engine.registered(FAILING, failing), engine.registered(FINE, fine):
        yield


def test_a_failed_run_posts_a_slack_compatible_message_with_structured_fields(
    app, notify, receiver
):
    notify(receiver.url)
    run = engine.run_in_foreground(FAILING, "tests")
    assert run.status == "failed"
    body = receiver.wait()
    assert body["text"].startswith(f"MedSync: {FAILING} run {run.id} failed: Could not reach")
    assert body["events"] == ["failed"]
    assert body["run"]["id"] == run.id and body["run"]["status"] == "failed"
    assert body["run"]["source"] == FAILING and body["run"]["triggered_by"] == "tests"
    assert "connection refused" in body["run"]["error"]
    assert body["run"]["completed_at"] and body["run"]["records_waiting_for_review"] == 0


def test_a_run_that_went_well_sends_nothing(app, notify, receiver):
    notify(receiver.url)
    assert engine.run_in_foreground(FINE, "tests").status == "completed"
    assert not receiver.got.wait(1.0) and receiver.attempts == 0


def test_a_sync_that_leaves_a_record_waiting_for_review_says_how_many(
    app, notify, receiver, dailymed_app, start_sandbox_dailymed, client, bearer
):
    base_url, state = start_sandbox_dailymed(Catalogue(classes=6, labels=40))
    dailymed_app(base_url)
    assert run_sync().status == "completed"
    label = state.catalogue.labels[0]
    drug = db.session.scalars(sa.select(Drug).where(Drug.set_id == label.set_id)).one()
    patched = client.patch(
        f"/api/drugs/{drug.id}",
        json={"title": "Corrected title", "version": drug.version},
        headers=bearer("editor"),
    )
    assert patched.status_code == 200, patched.json

    notify(receiver.url)
    republish(state, label.set_id, title="RENAMED BY THE SOURCE")
    run = run_sync()
    assert run.status == "completed"
    body = receiver.wait()
    assert body["events"] == ["needs_review"]
    assert body["run"]["records_waiting_for_review"] == 1
    assert body["text"] == f"MedSync: dailymed run {run.id} 1 record waiting for review"


def _corrected_drugs(client, bearer, state, count: int) -> list[Drug]:
    """The first `count` labels of a completed sync, each with a title corrected by a person."""
    assert run_sync().status == "completed"
    drugs = []
    for label in state.catalogue.labels[:count]:
        drug = db.session.scalars(sa.select(Drug).where(Drug.set_id == label.set_id)).one()
        patched = client.patch(
            f"/api/drugs/{drug.id}",
            json={"title": "Corrected title", "version": drug.version},
            headers=bearer("editor"),
        )
        assert patched.status_code == 200, patched.json
        drugs.append(drug)
    return drugs


def archive(client, bearer, drug: Drug) -> None:
    path = f"/api/drugs/{drug.id}"
    archived = client.delete(path, headers=if_match(client, path, bearer("admin")))
    assert archived.status_code == 200, archived.json


def test_an_archived_record_a_sync_flags_does_not_count_toward_the_review_alert(
    app, notify, receiver, dailymed_app, start_sandbox_dailymed, client, bearer
):
    base_url, state = start_sandbox_dailymed(Catalogue(classes=6, labels=40))
    dailymed_app(base_url)
    kept, archived = _corrected_drugs(client, bearer, state, 2)
    archive(client, bearer, archived)

    notify(receiver.url)
    for drug in (kept, archived):
        republish(state, drug.set_id, title="RENAMED BY THE SOURCE")
    run = run_sync()
    assert run.status == "completed"
    body = receiver.wait()
    assert body["run"]["records_waiting_for_review"] == 1
    assert body["text"] == f"MedSync: dailymed run {run.id} 1 record waiting for review"


def test_a_sync_that_flags_only_archived_records_sends_no_review_alert(
    app, notify, receiver, dailymed_app, start_sandbox_dailymed, client, bearer
):
    base_url, state = start_sandbox_dailymed(Catalogue(classes=6, labels=40))
    dailymed_app(base_url)
    (archived,) = _corrected_drugs(client, bearer, state, 1)
    archive(client, bearer, archived)

    notify(receiver.url)
    republish(state, archived.set_id, title="RENAMED BY THE SOURCE")
    assert run_sync().status == "completed"
    db.session.expire_all()
    assert db.session.get(Drug, archived.id).needs_review  # flagged all the same, yet archived
    assert not receiver.got.wait(1.0) and receiver.attempts == 0


def test_notify_on_chooses_the_events(app, notify, receiver):
    notify(receiver.url, notify_on=("needs_review",))
    assert engine.run_in_foreground(FAILING, "tests").status == "failed"
    assert not receiver.got.wait(1.0) and receiver.attempts == 0


def test_a_receiver_that_fails_at_first_gets_the_message_once_on_a_retry(app, notify):
    flaky = Receiver(answers=(503, 500, 200))
    try:
        notify(flaky.url, notify_retries=3)
        engine.run_in_foreground(FAILING, "tests")
        flaky.wait()
        assert flaky.attempts == 3 and len(flaky.bodies) == 1
    finally:
        flaky.stop()


def test_a_refusal_that_retrying_cannot_fix_is_not_retried(app, notify, caplog):
    refusing = Receiver(answers=(404,))
    try:
        notify(refusing.url, notify_retries=3)
        with caplog.at_level(logging.WARNING, logger="jobs.alerts"):
            run = engine.run_in_foreground(FAILING, "tests")
            _wait_for_log(caplog, "not delivered")
        assert refusing.attempts == 1
        assert f"alert for run {run.id} (failed) not delivered after 1 attempt(s): HTTP 404" in (
            caplog.text
        )
    finally:
        refusing.stop()


def test_a_receiver_that_is_down_never_fails_the_run_and_the_url_stays_out_of_the_log(
    app, notify, caplog
):
    down = f"http://127.0.0.1:{_closed_port()}{SECRET_HOOK_PATH}"
    notify(down, notify_retries=2)
    with caplog.at_level(logging.INFO):
        run = engine.run_in_foreground(FINE, "tests")
        failed = engine.run_in_foreground(FAILING, "tests")
        _wait_for_log(caplog, "not delivered")
    assert run.status == "completed" and failed.status == "failed"
    assert db.session.get(Run, failed.id).error_message.startswith("Could not reach the portal")
    assert "after 3 attempt(s): ConnectionError" in caplog.text
    assert "s3cr3t-hook-token" not in caplog.text


@pytest.mark.alone
def test_a_receiver_that_hangs_does_not_hold_the_run(app, notify):
    slow = Receiver(delay=3.0)
    try:
        notify(slow.url)
        started = time.monotonic()
        run = engine.run_in_foreground(FAILING, "tests")
        finished_in = time.monotonic() - started
        assert run.status == "failed"
        # The verdict is stored before the receiver has even answered.
        assert not slow.bodies and finished_in < 3.0
        slow.wait()
    finally:
        slow.stop()


def test_a_run_interrupted_by_a_dead_process_is_alerted_as_failed(app, notify, receiver):
    notify(receiver.url)
    run = Run(source=FINE, status="running", triggered_by="tests", worker="elsewhere:1")
    db.session.add(run)
    db.session.commit()
    db.session.execute(
        sa.update(Run)
        .where(Run.id == run.id)
        .values(heartbeat_at=sa.func.now() - sa.text("interval '1 hour'"))
    )
    db.session.commit()
    assert engine.reap_stale() == 1
    body = receiver.wait()
    assert body["events"] == ["failed"] and body["run"]["status"] == "interrupted"


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("NOTIFY_WEBHOOK_URL", "hooks.slack.com/x", "NOTIFY_WEBHOOK_URL must be a URL"),
        ("NOTIFY_ON", "failed,sometimes", "NOTIFY_ON must list events among failed, needs_review"),
        ("NOTIFY_ON", " , ", "NOTIFY_ON must list events"),
        ("NOTIFY_RETRIES", "many", "NOTIFY_RETRIES must be a whole number"),
        ("NOTIFY_RETRY_BACKOFF", "0", "NOTIFY_RETRY_BACKOFF must be greater than 0"),
    ],
)
def test_bad_notify_settings_stop_start_up_naming_the_variable(variable, value, message):
    with pytest.raises(ConfigError, match=message):
        settings_for_tests(**{variable: value})


def test_the_webhook_url_never_shows_in_the_settings_repr():
    settings = settings_for_tests(NOTIFY_WEBHOOK_URL=f"https://hooks.example{SECRET_HOOK_PATH}")
    assert settings.notify_webhook_url.endswith("s3cr3t-hook-token")
    assert "s3cr3t" not in repr(settings)


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for_log(caplog: pytest.LogCaptureFixture, text: str, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while text not in caplog.text:
        assert time.monotonic() < deadline, f"no log line with {text!r}"
        time.sleep(0.05)
