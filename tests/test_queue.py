"""JOBS_MODE=queue: web processes only enqueue; workers claim runs from PostgreSQL (FOR UPDATE SKIP
LOCKED), one worker per run, and execute them with the same engine."""

from __future__ import annotations

import dataclasses
import threading
from collections import Counter
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from flask import Flask

from database import db
from jobs import engine, queue, shutdown
from models import Run

WORKERS = 8
QUEUED = 40


@pytest.fixture
def queue_app(make_app, app: Flask) -> Iterator[Flask]:
    """A web process in queue mode on the test database (its tables emptied by `app`)."""
    settings = dataclasses.replace(app.config["SETTINGS"], jobs_mode="queue")
    web = make_app(SETTINGS=settings)
    with web.app_context():
        yield web
        db.session.remove()


@pytest.fixture
def counted_job() -> Iterator[list[int]]:
    """A source `_test_queued` whose runs record their id when they execute."""
    executed: list[int] = []

    @engine.register("_test_queued")
    def record(ctx: engine.JobContext) -> None:
        ctx.reporter.checkpoint()
        executed.append(ctx.run_id)
        ctx.counts.found = 7

    yield executed
    engine.unregister("_test_queued")


def test_a_web_process_in_queue_mode_only_enqueues(queue_app, counted_job, bearer):
    client = queue_app.test_client()
    response = client.post("/api/scrape", json={"source": "_test_queued"}, headers=bearer("editor"))
    assert response.status_code == 202
    run = db.session.get_one(Run, response.json["job_id"])
    assert (run.status, run.worker) == ("queued", None)
    assert not any(t.name.startswith("job-") for t in threading.enumerate())
    assert counted_job == []


def test_a_second_trigger_while_one_waits_in_the_queue_is_409(queue_app, counted_job, bearer):
    client = queue_app.test_client()
    headers = bearer("editor")
    first = client.post("/api/scrape", json={"source": "_test_queued"}, headers=headers)
    second = client.post("/api/scrape", json={"source": "_test_queued"}, headers=headers)
    assert second.status_code == 409
    assert second.json["error"]["details"]["job_id"] == first.json["job_id"]


def test_concurrent_workers_never_claim_the_same_run(app):
    sources = [f"_test_q{n}" for n in range(QUEUED)]
    db.session.add_all(Run(source=source, status="queued") for source in sources)
    db.session.commit()
    claims: list[tuple[str, int]] = []
    start = threading.Barrier(WORKERS)

    def worker(name: str) -> None:
        with app.app_context():
            start.wait()
            while (run_id := queue.claim(sources, worker=name)) is not None:
                claims.append((name, run_id))
            db.session.remove()

    threads = [threading.Thread(target=worker, args=(f"w{n}",)) for n in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    claimed = Counter(run_id for _, run_id in claims)
    assert len(claimed) == QUEUED and set(claimed.values()) == {1}
    db.session.expire_all()
    owners = {run.id: run.worker for run in db.session.execute(sa.select(Run.id, Run.worker))}
    assert all(owners[run_id] == name for name, run_id in claims)
    assert len({name for name, _ in claims}) > 1  # they really competed


def test_a_claimed_run_executes_with_the_engine_and_frees_its_source(
    queue_app, counted_job, bearer
):
    job_id = engine.start("_test_queued", "tests").id
    assert queue.claim(["_test_queued"], worker=engine.WORKER) == job_id
    engine.execute_claimed(queue_app, job_id)
    db.session.expire_all()
    run = db.session.get_one(Run, job_id)
    assert (run.status, run.records_found, counted_job) == ("completed", 7, [job_id])
    assert queue.claim(["_test_queued"]) is None
    assert engine.start("_test_queued", "tests").id != job_id  # the source is free again


def test_a_chain_queued_together_runs_one_after_another(queue_app, counted_job):
    with engine.registered("_test_second", lambda ctx: None):
        first, second = engine.start_chain(["_test_queued", "_test_second"], "schedule:test")
        sources = ["_test_queued", "_test_second"]
        assert queue.claim(sources, worker="w1") == first.id
        assert queue.claim(sources, worker="w2") is None  # the second waits for the first
        engine.execute_claimed(queue_app, first.id)
        assert queue.claim(sources, worker="w2") == second.id


def test_cancelling_a_run_still_in_the_queue_ends_it_at_once(queue_app, counted_job, bearer):
    client = queue_app.test_client()
    headers = bearer("editor")
    job_id = client.post("/api/scrape", json={"source": "_test_queued"}, headers=headers).json[
        "job_id"
    ]
    assert client.post(f"/api/scrape/{job_id}/cancel", headers=headers).status_code == 202
    assert client.get(f"/api/scrape/status/{job_id}", headers=headers).json["status"] == "cancelled"
    assert queue.claim(["_test_queued"]) is None
    assert counted_job == []


def test_a_queued_run_no_worker_has_claimed_is_never_reaped_as_dead(queue_app, counted_job):
    job_id = engine.start("_test_queued", "tests").id
    an_hour_ago = sa.func.now() - sa.text("interval '1 hour'")
    db.session.execute(sa.update(Run).where(Run.id == job_id).values(heartbeat_at=an_hour_ago))
    db.session.commit()
    assert engine.reap_stale() == 0
    assert db.session.get_one(Run, job_id).status == "queued"


def test_a_stopping_worker_hands_its_run_back_to_the_queue(queue_app, monkeypatch):
    reached = threading.Event()

    @engine.register("_test_long")
    def long(ctx: engine.JobContext) -> None:
        reached.set()
        while True:
            ctx.reporter.checkpoint()

    monkeypatch.setattr(shutdown, "_stopping", threading.Event())
    try:
        job_id = engine.start("_test_long", "tests").id
        assert queue.claim(["_test_long"]) == job_id
        thread = threading.Thread(target=engine.execute_claimed, args=(queue_app, job_id))
        thread.start()
        assert reached.wait(30)
        engine.stop_jobs(0.0)  # what SIGTERM does in `flask --app app worker`
        thread.join(30)
        db.session.expire_all()
        run = db.session.get_one(Run, job_id)
        assert (run.status, run.worker, run.started_at) == ("queued", None, None)
        assert "handed back to the queue" in run.current_step
        assert queue.claim(["_test_long"], worker="another") == job_id
    finally:
        engine.unregister("_test_long")


def test_the_worker_command_refuses_to_start_in_threads_mode(runner):
    result = runner.invoke(args=["worker"])
    assert result.exit_code != 0
    assert "JOBS_MODE" in result.output
