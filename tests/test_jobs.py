"""The job engine: runs recorded before work starts, one per source, cancellable, recoverable."""

import dataclasses
import os
import threading
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask

from database import db
from jobs import engine
from models import Run, utcnow
from tests.fixtures.clock import ManualClock

STEPPED = "_test_stepped"
BROKEN = "_test_broken"
STEPS = 40
STEP_SECONDS = 0.5  # on the engine's clock, which only the stepped job moves


class Hold:
    """Stops the stepped job after step `after_step` until the test lets it go, so the test
    knows where the job is instead of guessing from the time."""

    def __init__(self) -> None:
        self.after_step: int | None = None
        self.reached = threading.Event()
        self.release = threading.Event()

    def at(self, step: int) -> None:
        self.after_step = step

    def wait_until_reached(self) -> None:
        assert self.reached.wait(30), f"the job never got past step {self.after_step}"


@pytest.fixture(autouse=True)
def hold(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Iterator[Hold]:
    """Two job kinds for these tests: one that works in 40 steps (and can be held after one),
    one that fails. The engine measures time on a clock the stepped job advances by
    STEP_SECONDS a step, so its rate and ETA are exact."""
    clock = ManualClock()
    monkeypatch.setattr(engine, "clock", clock.now)
    hold = Hold()

    @engine.register(STEPPED)
    def stepped(ctx: engine.JobContext) -> None:
        for done in range(STEPS):
            ctx.reporter.checkpoint()
            ctx.reporter.progress(done, STEPS, f"step {done}")
            ctx.counts.found += 1
            if done == hold.after_step:
                hold.reached.set()
                hold.release.wait(30)
            clock.advance(STEP_SECONDS)
        ctx.reporter.progress(STEPS, STEPS, "finished")

    @engine.register(BROKEN)
    def broken(ctx: engine.JobContext) -> None:
        raise RuntimeError("portal answered 500\nsecond line of detail")

    yield hold
    hold.release.set()  # before `app` waits for the job threads to end
    engine.unregister(STEPPED)
    engine.unregister(BROKEN)


def wait_for(client, headers, job_id, statuses=("completed", "failed", "cancelled"), timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body = client.get(f"/api/scrape/status/{job_id}", headers=headers).json
        if body["status"] in statuses:
            return body
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} still {body['status']}")


def test_trigger_answers_202_with_a_job_id_at_once(client, bearer, hold):
    headers = bearer("editor")
    hold.at(0)  # the answer comes while the job cannot finish
    response = client.post("/api/scrape", json={"source": STEPPED}, headers=headers)
    assert response.status_code == 202
    assert response.json["success"] is True and isinstance(response.json["job_id"], int)
    hold.release.set()
    body = wait_for(client, headers, response.json["job_id"])
    assert body["status"] == "completed"
    assert body["records_found"] == 40
    assert body["progress"]["done"] == body["progress"]["total"] == 40
    assert body["started_at"] <= body["completed_at"] and body["duration_seconds"] >= 0


def test_status_shows_live_progress_rate_and_eta(client, bearer, hold):
    headers = bearer("editor")
    hold.at(5)
    job_id = client.post("/api/scrape", json={"source": STEPPED}, headers=headers).json["job_id"]
    hold.wait_until_reached()
    body = client.get(f"/api/scrape/status/{job_id}", headers=headers).json
    assert body["status"] == "running"
    progress = body["progress"]
    assert (progress["done"], progress["total"], progress["percent"]) == (5, 40, 12.5)
    assert progress["step"] == "step 5"
    assert progress["rate_per_second"] == 5 / (5 * STEP_SECONDS)  # 2 steps a second
    assert progress["eta_seconds"] == (40 - 5) / 2
    hold.release.set()
    wait_for(client, headers, job_id)


def test_two_simultaneous_triggers_give_one_202_and_one_409(app, bearer, hold):
    headers = bearer("editor")
    hold.at(0)  # the first job is surely still running when the second trigger lands
    barrier = threading.Barrier(2)
    responses = []

    def trigger():
        client = app.test_client()
        barrier.wait()
        responses.append(client.post("/api/scrape", json={"source": STEPPED}, headers=headers))

    threads = [threading.Thread(target=trigger) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [202, 409]
    accepted = next(r for r in responses if r.status_code == 202)
    refused = next(r for r in responses if r.status_code == 409)
    assert refused.json["error"]["details"]["job_id"] == accepted.json["job_id"]
    hold.release.set()
    wait_for(app.test_client(), headers, accepted.json["job_id"])


def test_a_finished_job_frees_its_source(client, bearer):
    headers = bearer("editor")
    first = client.post("/api/scrape", json={"source": STEPPED}, headers=headers).json["job_id"]
    wait_for(client, headers, first)
    second = client.post("/api/scrape", json={"source": STEPPED}, headers=headers)
    assert second.status_code == 202
    assert wait_for(client, headers, second.json["job_id"])["status"] == "completed"


def test_cancel_stops_the_job_at_its_next_checkpoint(client, bearer, hold):
    headers = bearer("editor")
    hold.at(5)
    job_id = client.post("/api/scrape", json={"source": STEPPED}, headers=headers).json["job_id"]
    hold.wait_until_reached()
    response = client.post(f"/api/scrape/{job_id}/cancel", headers=headers)
    assert response.status_code == 202
    hold.release.set()
    body = wait_for(client, headers, job_id)
    assert body["status"] == "cancelled"
    assert body["records_found"] == 6  # steps 0 to 5; step 6 stopped at its checkpoint
    assert client.post(f"/api/scrape/{job_id}/cancel", headers=headers).status_code == 409


def test_a_failing_job_is_recorded_failed_with_a_one_line_error(client, bearer):
    headers = bearer("editor")
    job_id = client.post("/api/scrape", json={"source": BROKEN}, headers=headers).json["job_id"]
    body = wait_for(client, headers, job_id)
    assert body["status"] == "failed"
    assert body["error"] == "portal answered 500"


def test_unknown_source_is_422_naming_source(client, bearer):
    response = client.post("/api/scrape", json={"source": "ftp"}, headers=bearer("editor"))
    assert response.status_code == 422
    assert response.json["error"]["details"]["field"] == "source"


def test_viewer_cannot_trigger_or_cancel(client, bearer):
    headers = bearer("viewer")
    assert client.post("/api/scrape", json={"source": STEPPED}, headers=headers).status_code == 403
    assert client.post("/api/scrape/1/cancel", headers=headers).status_code == 403


def test_unknown_job_is_404(client, bearer):
    assert client.get("/api/scrape/status/424242", headers=bearer()).status_code == 404


def test_a_poll_is_answered_by_a_second_app_instance(client, bearer, make_app, hold):
    headers = bearer("editor")
    hold.at(0)
    job_id = client.post("/api/scrape", json={"source": STEPPED}, headers=headers).json["job_id"]
    hold.wait_until_reached()
    other_worker = make_app().test_client()
    body = other_worker.get(f"/api/scrape/status/{job_id}", headers=headers).json
    assert (body["job_id"], body["status"], body["progress"]["done"]) == (job_id, "running", 0)
    hold.release.set()
    assert wait_for(other_worker, headers, job_id)["status"] == "completed"


def test_a_run_with_a_stale_heartbeat_is_marked_interrupted_when_polled(client, bearer):
    stale = utcnow() - timedelta(minutes=5)
    run = Run(source="portal", status="running", started_at=stale, heartbeat_at=stale)
    db.session.add(run)
    db.session.commit()
    body = client.get(f"/api/scrape/status/{run.id}", headers=bearer()).json
    assert body["status"] == "interrupted"
    assert "stopped before it finished" in body["error"]


def test_runs_left_by_a_dead_process_are_interrupted_at_start_up(app):
    dead_pid = 2**22 + 12345  # above pid_max: no such process
    run = Run(
        source="portal",
        status="running",
        started_at=utcnow(),
        heartbeat_at=utcnow(),
        worker=f"{engine.socket.gethostname()}:{dead_pid}",
    )
    alive = Run(
        source="dailymed",
        status="running",
        started_at=utcnow(),
        heartbeat_at=utcnow(),
        worker=f"{engine.socket.gethostname()}:{os.getpid()}",
    )
    db.session.add_all([run, alive])
    db.session.commit()
    assert engine.recover_on_startup() == 1
    db.session.expire_all()
    assert db.session.get(Run, run.id).status == "interrupted"
    assert db.session.get(Run, alive.id).status == "running"


def test_the_database_refuses_a_second_active_run_of_a_source(app):
    db.session.add(Run(source="portal", status="running"))
    db.session.commit()
    db.session.add(Run(source="portal", status="queued"))
    with pytest.raises(sa.exc.IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_run_history_filters_sorts_and_pages(client, bearer):
    for source, status, seconds in [
        ("portal", "completed", 3.0),
        ("portal", "failed", 9.0),
        ("dailymed", "completed", 5.0),
    ]:
        db.session.add(Run(source=source, status=status, duration_seconds=seconds))
    db.session.commit()
    headers = bearer()
    body = client.get("/api/scrape-runs?source=portal&sort=-duration_seconds", headers=headers).json
    assert body["total"] == 2
    assert [r["duration_seconds"] for r in body["data"]] == [9.0, 3.0]
    failed = client.get("/api/scrape-runs?status=failed", headers=headers).json
    assert [r["status"] for r in failed["data"]] == ["failed"]
    bad = client.get("/api/scrape-runs?status=exploded", headers=headers)
    assert bad.status_code == 422 and bad.json["error"]["details"]["field"] == "status"


def test_a_job_that_waits_after_a_burst_of_progress_shows_its_latest_step(
    app, bearer, monkeypatch, hold
):
    """Progress writes are throttled; what the throttle held back is written by the next
    heartbeat, so a sync stalled on its source does not show a step it left long ago."""
    monkeypatch.setattr(engine, "PROGRESS_WRITE_INTERVAL", 60.0)  # every step held back…
    monkeypatch.setattr(engine, "HEARTBEAT_SECONDS", 0.1)  # …until a heartbeat
    client = app.test_client()
    headers = bearer("editor")
    hold.at(5)  # the job waits after step 5
    job_id = client.post("/api/scrape", json={"source": STEPPED}, headers=headers).json["job_id"]
    hold.wait_until_reached()
    deadline = time.monotonic() + 10
    while (status := client.get(f"/api/scrape/status/{job_id}", headers=headers).json)["progress"][
        "done"
    ] != 5 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert (status["progress"]["done"], status["progress"]["step"]) == (5, "step 5")
    assert status["status"] == "running"


def test_a_run_reaped_while_its_thread_lives_stops_and_keeps_its_verdict(
    app, make_app, bearer, monkeypatch, hold
):
    """Two syncs of one source must never write at once, even after a false death verdict."""
    impatient = make_app(SETTINGS=dataclasses.replace(app.config["SETTINGS"], job_stale_after=0.3))
    monkeypatch.setattr(engine, "HEARTBEAT_SECONDS", 60.0)  # starve the heartbeat…
    monkeypatch.setattr(engine, "PROGRESS_WRITE_INTERVAL", 60.0)  # …and progress writes
    client = impatient.test_client()
    headers = bearer("editor")
    hold.at(2)  # alive, but silent: no heartbeat, no progress
    first = client.post("/api/scrape", json={"source": STEPPED}, headers=headers).json["job_id"]
    hold.wait_until_reached()
    wait_for(client, headers, first, statuses=("interrupted",))  # a poll finds it stale
    second = client.post("/api/scrape", json={"source": STEPPED}, headers=headers)
    assert second.status_code == 202
    hold.release.set()  # the zombie wakes up and reaches its next checkpoint
    for thread in threading.enumerate():
        if thread.name in (f"job-{first}", f"job-{second.json['job_id']}"):
            thread.join(30)
    db.session.expire_all()
    abandoned = db.session.get(Run, first)
    assert abandoned.status == "interrupted"
    assert abandoned.records_found == 0  # the zombie did not write its counts over it


def test_ctrl_c_in_a_foreground_sync_records_the_run_as_interrupted(app):
    @engine.register("_test_ctrl_c")
    def pressed_ctrl_c(ctx: engine.JobContext) -> None:
        ctx.counts.found = 3
        raise KeyboardInterrupt

    try:
        with pytest.raises(KeyboardInterrupt):
            engine.run_in_foreground("_test_ctrl_c", "cli")
        db.session.expire_all()
        run = db.session.scalar(sa.select(Run).where(Run.source == "_test_ctrl_c"))
        assert run.status == "interrupted"
        assert "KeyboardInterrupt" in run.error_message
    finally:
        engine.unregister("_test_ctrl_c")
