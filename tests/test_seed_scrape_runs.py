"""seed_scrape_runs.py: believable demo history, idempotent, never touching real runs."""

from datetime import timedelta

import sqlalchemy as sa

import seed_scrape_runs
from database import db
from models import Run, utcnow


def test_seeding_twice_leaves_one_set_and_keeps_real_runs(app):
    db.session.add(Run(source="portal", status="completed", triggered_by="user:alice"))
    db.session.commit()
    first = seed_scrape_runs.seed(days=14)
    second = seed_scrape_runs.seed(days=14)
    assert first == second == 28
    total = db.session.scalar(sa.select(sa.func.count(Run.id)))
    assert total == 29


def test_seeded_history_has_failures_and_varied_durations_over_weeks(app):
    seed_scrape_runs.seed(days=42)
    runs = db.session.scalars(sa.select(Run)).all()
    statuses = {r.status for r in runs}
    assert statuses == {"completed", "failed"}
    assert all(r.error_message for r in runs if r.status == "failed")
    durations = {round(r.duration_seconds) for r in runs}
    assert len(durations) > 20
    span = max(r.started_at for r in runs) - min(r.started_at for r in runs)
    assert span.days >= 40


def test_seeded_runs_are_marked_as_samples_and_real_runs_are_not(app):
    db.session.add(Run(source="portal", status="completed", triggered_by="user:alice"))
    db.session.commit()
    seed_scrape_runs.seed(days=3)
    marks = dict(db.session.execute(sa.select(Run.triggered_by, Run.is_sample)).all())
    assert marks == {"user:alice": False, "seed": True}


def test_samples_are_dated_before_the_first_real_run_and_numbered_oldest_first(app):
    first_real = utcnow() - timedelta(days=10)
    db.session.add(
        Run(source="portal", status="completed", triggered_by="cli", created_at=first_real)
    )
    db.session.commit()
    seed_scrape_runs.seed(days=14)
    samples = db.session.scalars(sa.select(Run).where(Run.is_sample).order_by(Run.id)).all()
    assert len(samples) == 28
    assert max(run.created_at for run in samples) < first_real
    assert [run.created_at for run in samples] == sorted(run.created_at for run in samples)


def test_the_next_real_run_sorts_after_every_sample(app):
    seed_scrape_runs.seed(days=14)
    real = Run(source="dailymed", status="completed", triggered_by="cli")
    db.session.add(real)
    db.session.commit()
    newest = db.session.scalar(sa.select(Run).order_by(Run.created_at.desc()).limit(1))
    highest = db.session.scalar(sa.select(Run).order_by(Run.id.desc()).limit(1))
    assert newest is highest is real


def test_the_run_history_lists_real_or_sample_runs_on_request(viewer):
    db.session.add(Run(source="portal", status="completed", triggered_by="user:alice"))
    db.session.commit()
    seeded = seed_scrape_runs.seed(days=14)

    def listed(query: str) -> list[dict]:
        response = viewer.get(f"/api/scrape-runs?per_page=200{query}")
        assert response.status_code == 200, response.json
        return response.json["data"]

    everything = listed("")
    assert len(everything) == seeded + 1
    real = listed("&sample=false")
    assert [(r["triggered_by"], r["is_sample"]) for r in real] == [("user:alice", False)]
    samples = listed("&sample=true")
    assert len(samples) == seeded and all(r["is_sample"] for r in samples)


def test_the_sample_filter_must_be_true_or_false(viewer):
    response = viewer.get("/api/scrape-runs?sample=maybe")
    assert response.status_code == 422
    assert response.json["error"]["details"]["field"] == "sample"
