"""The job engine: runs recorded before work starts, one per source, cancellable, recoverable."""

import os
import threading
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa

from database import db
from jobs import engine
from models import Run, utcnow

SLOW = "_test_slow"
BROKEN = "_test_broken"


@pytest.fixture(autouse=True)
def test_jobs():
    """Two job kinds for these tests: one that works in small steps, one that fails."""

    @engine.register(SLOW)
    def slow(ctx: engine.JobContext) -> None:
        steps = 40
        for done in range(steps):
            ctx.reporter.checkpoint()
            ctx.reporter.progress(done, steps, f"step {done}")
            ctx.counts.found += 1
            time.sleep(0.05)
        ctx.reporter.progress(steps, steps, "finished")

    @engine.register(BROKEN)
    def broken(ctx: engine.JobContext) -> None:
        raise RuntimeError("portal answered 500\nsecond line of detail")

    yield
    engine._registry.pop(SLOW, None)
    engine._registry.pop(BROKEN, None)


def wait_for(client, headers, job_id, statuses=("completed", "failed", "cancelled"), timeout=20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body = client.get(f"/api/scrape/status/{job_id}", headers=headers).json
        if body["status"] in statuses:
            return body
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} still {body['status']}")


def test_trigger_answers_202_with_a_job_id_at_once(client, bearer):
    headers = bearer("editor")
    response = client.post("/api/scrape", json={"source": SLOW}, headers=headers)
    assert response.status_code == 202
    assert response.json["success"] is True and isinstance(response.json["job_id"], int)
    body = wait_for(client, headers, response.json["job_id"])
    assert body["status"] == "completed"
    assert body["records_found"] == 40
    assert body["progress"]["done"] == body["progress"]["total"] == 40
    assert body["started_at"] and body["completed_at"] and body["duration_seconds"] > 0


def test_status_shows_live_progress_rate_and_eta(client, bearer):
    headers = bearer("editor")
    job_id = client.post("/api/scrape", json={"source": SLOW}, headers=headers).json["job_id"]
    seen = None
    for _ in range(100):
        body = client.get(f"/api/scrape/status/{job_id}", headers=headers).json
        if body["status"] == "running" and body["progress"]["done"] >= 5:
            seen = body["progress"]
            break
        time.sleep(0.05)
    assert seen is not None
    assert seen["total"] == 40 and 0 < seen["percent"] < 100
    assert seen["rate_per_second"] > 0 and seen["eta_seconds"] > 0
    assert seen["step"].startswith("step")
    wait_for(client, headers, job_id)


def test_two_simultaneous_triggers_give_one_202_and_one_409(app, bearer):
    headers = bearer("editor")
    barrier = threading.Barrier(2)
    responses = []

    def trigger():
        client = app.test_client()
        barrier.wait()
        responses.append(client.post("/api/scrape", json={"source": SLOW}, headers=headers))

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
    wait_for(app.test_client(), headers, accepted.json["job_id"])


def test_a_finished_job_frees_its_source(client, bearer):
    headers = bearer("editor")
    first = client.post("/api/scrape", json={"source": SLOW}, headers=headers).json["job_id"]
    wait_for(client, headers, first)
    second = client.post("/api/scrape", json={"source": SLOW}, headers=headers)
    assert second.status_code == 202
    client.post(f"/api/scrape/{second.json['job_id']}/cancel", headers=headers)


def test_cancel_stops_the_job_at_its_next_checkpoint(client, bearer):
    headers = bearer("editor")
    job_id = client.post("/api/scrape", json={"source": SLOW}, headers=headers).json["job_id"]
    time.sleep(0.3)
    response = client.post(f"/api/scrape/{job_id}/cancel", headers=headers)
    assert response.status_code == 202
    body = wait_for(client, headers, job_id)
    assert body["status"] == "cancelled"
    assert body["records_found"] < 40
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
    assert client.post("/api/scrape", json={"source": SLOW}, headers=headers).status_code == 403
    assert client.post("/api/scrape/1/cancel", headers=headers).status_code == 403


def test_unknown_job_is_404(client, bearer):
    assert client.get("/api/scrape/status/424242", headers=bearer()).status_code == 404


def test_a_poll_is_answered_by_a_second_app_instance(client, bearer, make_app):
    headers = bearer("editor")
    job_id = client.post("/api/scrape", json={"source": SLOW}, headers=headers).json["job_id"]
    other_worker = make_app().test_client()
    body = other_worker.get(f"/api/scrape/status/{job_id}", headers=headers).json
    assert body["job_id"] == job_id and body["status"] in ("queued", "running", "completed")
    wait_for(other_worker, headers, job_id)


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
    assert bad.status_code == 400 and bad.json["error"]["details"]["field"] == "status"


def test_a_run_reaped_while_its_thread_lives_stops_and_keeps_its_verdict(
    app, make_app, bearer, monkeypatch
):
    """Two syncs of one source must never write at once, even after a false death verdict."""
    impatient = make_app(JOB_STALE_AFTER=timedelta(milliseconds=300))
    monkeypatch.setattr(engine, "HEARTBEAT_SECONDS", 60.0)  # starve the heartbeat…
    monkeypatch.setattr(engine, "PROGRESS_WRITE_INTERVAL", 60.0)  # …and progress writes
    client = impatient.test_client()
    headers = bearer("editor")
    first = client.post("/api/scrape", json={"source": SLOW}, headers=headers).json["job_id"]
    time.sleep(0.6)
    body = client.get(f"/api/scrape/status/{first}", headers=headers).json
    assert body["status"] == "interrupted"
    second = client.post("/api/scrape", json={"source": SLOW}, headers=headers)
    assert second.status_code == 202
    for thread in threading.enumerate():
        if thread.name == f"job-{first}":
            thread.join(10)
    db.session.expire_all()
    abandoned = db.session.get(Run, first)
    assert abandoned.status == "interrupted"
    assert abandoned.records_found == 0  # the zombie did not write its counts over it
    client.post(f"/api/scrape/{second.json['job_id']}/cancel", headers=headers)


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
        engine._registry.pop("_test_ctrl_c", None)
