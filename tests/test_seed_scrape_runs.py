"""seed_scrape_runs.py: believable demo history, idempotent, never touching real runs."""

import sqlalchemy as sa

import seed_scrape_runs
from database import db
from models import Run


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
