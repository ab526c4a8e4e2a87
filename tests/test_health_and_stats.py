"""/health for probes (public, minimal) and /api/stats for the Overview cards."""

from datetime import timedelta

import sqlalchemy as sa

import seed_scrape_runs
from database import db
from models import Run, utcnow
from tests.fixtures.app import recreate_database


def test_health_reports_a_connected_database_and_nothing_else(client):
    response = client.get("/health")
    assert response.status_code == 200
    assert set(response.json) == {"status", "database", "last_sync_time", "timestamp"}
    assert response.json["status"] == "healthy"
    assert response.json["database"] == "connected"
    assert response.json["last_sync_time"] is None


def test_health_reports_the_last_successful_sync(client, app):
    finished = utcnow() - timedelta(hours=1)
    db.session.add(
        Run(source="portal", status="completed", started_at=finished, completed_at=finished)
    )
    db.session.commit()
    assert client.get("/health").json["last_sync_time"] == finished.isoformat()


def test_health_is_503_when_the_database_is_down(make_app, pg_server_url):
    url = recreate_database(pg_server_url, "medsync_health_test")
    app = make_app(SQLALCHEMY_DATABASE_URI=url)
    probe = app.test_client()
    assert probe.get("/health").status_code == 200
    engine = sa.create_engine(pg_server_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE "{sa.make_url(url).database}" WITH (FORCE)'))
    engine.dispose()
    response = probe.get("/health")
    assert response.status_code == 503
    assert response.json["status"] == "degraded"
    assert response.json["database"] == "disconnected"


def test_stats_counts_every_dataset_and_reports_the_database(viewer):
    body = viewer.get("/api/stats").json
    assert body["success"] is True
    data = body["data"]
    assert data["datasets"]["authorizations"] == {"count": 0, "edited": 0, "needs_review": 0}
    assert data["datasets"]["drugs"] == {"count": 0, "edited": 0, "needs_review": 0}
    assert data["datasets"]["drug_classes"] == {"count": 0, "edited": 0, "needs_review": 0}
    assert data["datasets"]["ndc_codes"]["count"] == 0
    assert data["database"]["status"] == "connected"
    assert "version" not in data["database"]  # the server's version is for admins
    assert data["last_sync"] == {"portal": None, "dailymed": None}
    assert data["runs"]["success_rate"] is None


def test_only_admins_see_the_database_servers_version(admin, editor):
    assert admin.get("/api/stats").json["data"]["database"]["version"].startswith("PostgreSQL")
    assert "version" not in editor.get("/api/stats").json["data"]["database"]


def test_stats_show_the_last_run_per_source_and_the_success_rate(viewer):
    now = utcnow()
    for status in ("completed", "completed", "failed"):
        db.session.add(Run(source="portal", status=status, started_at=now, completed_at=now))
    db.session.commit()
    data = viewer.get("/api/stats").json["data"]
    assert data["last_sync"]["portal"]["status"] == "failed"
    assert data["runs"] == {
        "total": 3,
        "completed": 2,
        "failed": 1,
        "success_rate": 0.6667,
        "samples_included": False,
        "window_days": 30,
    }


def real_runs(*statuses: str) -> None:
    now = utcnow()
    for status in statuses:
        db.session.add(
            Run(
                source="portal", status=status, triggered_by="cli", started_at=now, completed_at=now
            )
        )
    db.session.commit()


def test_sample_runs_are_left_out_of_the_success_rate(viewer):
    real_runs("completed", "failed")
    seed_scrape_runs.seed(days=14)
    runs = viewer.get("/api/stats").json["data"]["runs"]
    assert runs == {
        "total": 2,
        "completed": 1,
        "failed": 1,
        "success_rate": 0.5,
        "samples_included": False,
        "window_days": 30,
    }


def test_the_success_rate_counts_sample_runs_when_asked(viewer):
    real_runs("completed", "failed")
    seeded = seed_scrape_runs.seed(days=14)
    runs = viewer.get("/api/stats?include_samples=1").json["data"]["runs"]
    assert runs["total"] == 2 + seeded and runs["samples_included"] is True
    assert runs["completed"] + runs["failed"] == runs["total"]


def test_the_success_rate_counts_the_last_30_days_only(viewer):
    real_runs("completed")
    old = Run(source="portal", status="failed", triggered_by="cli")
    old.created_at = utcnow() - timedelta(days=31)
    db.session.add(old)
    db.session.commit()
    runs = viewer.get("/api/stats").json["data"]["runs"]
    assert (runs["total"], runs["success_rate"], runs["window_days"]) == (1, 1.0, 30)


def test_include_samples_must_be_true_or_false(viewer):
    response = viewer.get("/api/stats?include_samples=perhaps")
    assert response.status_code == 422
    assert response.json["error"]["details"]["field"] == "include_samples"


def test_health_does_not_report_a_sample_run_as_the_last_sync(client, app):
    seed_scrape_runs.seed(days=3)
    assert client.get("/health").json["last_sync_time"] is None
