"""Retention: old runs and old run logs go (RUN_RETENTION_DAYS, RUN_LOG_RETENTION_DAYS), on a
daily schedule fired once across processes and from `flask --app app runs prune`; what records
and their history name stays, and so do active runs and each source's latest completed run."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask import Flask

from config import ConfigError, load_settings
from database import db
from jobs import retention, schedules
from models import DrugClass, RecordChange, Run, RunLogLine, ScheduleFire
from tests.fixtures.app import settings_for_tests
from tests.fixtures.together import run_together

NOW = datetime(2026, 12, 1, 3, 30, 5, tzinfo=UTC)


def add_run(source: str, days_ago: float, status: str = "completed", lines: int = 3) -> int:
    ended = NOW - timedelta(days=days_ago)
    finished = status not in ("queued", "running")
    run = Run(
        source=source,
        status=status,
        triggered_by="tests",
        created_at=ended - timedelta(minutes=5),
        started_at=ended - timedelta(minutes=5),
        completed_at=ended if finished else None,
        duration_seconds=300 if finished else None,
    )
    db.session.add(run)
    db.session.flush()
    db.session.add_all(
        RunLogLine(run_id=run.id, logged_at=ended, level="INFO", logger="t", message=f"line {i}")
        for i in range(lines)
    )
    db.session.commit()
    return run.id


def run_ids() -> set[int]:
    db.session.expire_all()
    return set(db.session.scalars(sa.select(Run.id)))


def lines_of(run_id: int) -> int:
    return db.session.scalar(sa.select(sa.func.count()).where(RunLogLine.run_id == run_id)) or 0


def settings(runs: int = 0, logs: int = 0):
    return settings_for_tests(RUN_RETENTION_DAYS=str(runs), RUN_LOG_RETENTION_DAYS=str(logs))


@pytest.fixture
def history(app: Flask) -> dict[str, int]:
    """Runs of every kind, old (400 days) and recent (5 days)."""
    ids = {
        "old": add_run("dailymed", 400),
        "old_failed": add_run("portal", 400, "failed"),
        "old_changed_a_record": add_run("portal", 390),
        "old_first_saw_a_class": add_run("dailymed", 380),
        "old_still_running": add_run("analytics", 400, "running"),
        "recent": add_run("dailymed", 5),
        "latest_portal": add_run("portal", 370),  # the latest completed portal run, however old
    }
    db.session.add(
        RecordChange(
            dataset="authorizations",
            record_id=1,
            field="status",
            action="corrected",
            old_value="a",
            new_value="b",
            actor_type="sync",
            run_id=ids["old_changed_a_record"],
        )
    )
    db.session.add(
        DrugClass(
            code="N0000175605",
            coding_system="2.16.840.1.113883.3.26.1.5",
            class_type="EPC",
            name="Kinase Inhibitor",
            first_seen_run_id=ids["old_first_saw_a_class"],
            last_seen_run_id=ids["recent"],
        )
    )
    db.session.commit()
    return ids


def test_old_runs_go_and_what_records_name_stays(app, history):
    pruned = retention.prune(settings(runs=365), NOW)

    kept = run_ids()
    assert history["old"] not in kept and history["old_failed"] not in kept
    assert lines_of(history["old"]) == 0  # its log went with it
    for name in ("old_changed_a_record", "old_first_saw_a_class", "old_still_running"):
        assert history[name] in kept, name
    assert history["recent"] in kept and history["latest_portal"] in kept
    assert pruned.runs == 2 and pruned.kept_named == 2
    # The history and the record still name their runs.
    change = db.session.scalars(sa.select(RecordChange)).one()
    assert change.run_id == history["old_changed_a_record"]
    drug_class = db.session.scalars(sa.select(DrugClass)).one()
    assert drug_class.first_seen_run_id == history["old_first_saw_a_class"]


def test_old_log_lines_go_and_their_runs_stay(app, history):
    pruned = retention.prune(settings(logs=90), NOW)

    assert run_ids() == set(history.values())
    for name in ("old", "old_failed", "old_changed_a_record", "latest_portal"):
        assert lines_of(history[name]) == 0, name
    assert lines_of(history["recent"]) == 3
    assert lines_of(history["old_still_running"]) == 3  # a running run keeps its log
    assert pruned.log_lines == 3 * 5


def test_zero_keeps_everything(app, history):
    assert not retention.enabled(settings())
    assert retention.prune(settings(), NOW) == retention.Pruned()
    assert run_ids() == set(history.values())


def test_the_command_line_prunes_with_the_settings_or_its_options(app, history):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["runs", "prune"])  # the settings: logs kept 90 days, runs for good
    assert result.exit_code == 0
    assert "0 run(s) and 15 log line(s) pruned" in result.output

    result = runner.invoke(args=["runs", "prune", "--days", "365", "--log-days", "0"])
    assert result.exit_code == 0, result.output
    assert "2 run(s) and 0 log line(s) pruned; 2 old run(s) kept" in result.output
    assert history["old"] not in run_ids()

    result = runner.invoke(args=["runs", "prune", "--days", "0", "--log-days", "0"])
    assert "everything is kept" in result.output

    result = runner.invoke(args=["runs", "prune", "--days", "-1"])
    assert result.exit_code == 2 and "--days" in result.output


@pytest.mark.parametrize(
    ("name", "value", "words"),
    [
        ("RUN_RETENTION_DAYS", "a year", "whole number"),
        ("RUN_RETENTION_DAYS", "-1", "at least 0"),
        ("RUN_LOG_RETENTION_DAYS", "7.5", "whole number"),
        ("RETENTION_SCHEDULE", "daily", "cron string"),
    ],
)
def test_bad_retention_settings_stop_start_up_naming_the_variable(name, value, words):
    with pytest.raises(ConfigError, match=name) as caught:
        load_settings({name: value})
    assert words in str(caught.value)


def test_the_defaults_keep_runs_and_drop_logs_after_90_days():
    defaults = load_settings({})
    assert defaults.run_retention_days == 0
    assert defaults.run_log_retention_days == 90
    assert defaults.retention_schedule == "30 3 * * *"


# ------------------------------------------------------------------ the schedule


@pytest.fixture(scope="module")
def pruning(make_app) -> Flask:
    return make_app(
        SETTINGS=settings_for_tests(
            RUN_RETENTION_DAYS="365", RUN_LOG_RETENTION_DAYS="90", RETENTION_SCHEDULE="30 3 * * *"
        )
    )


def tidy(app: Flask, now: datetime) -> schedules.Fired | None:
    with app.app_context():
        try:
            return schedules.tidy(now)
        finally:
            db.session.remove()


def test_the_daily_clean_up_fires_at_its_time_once(app, history, pruning):
    local_fire = datetime(2026, 12, 1, 3, 30).astimezone()
    # At 03:28 the latest fire time is yesterday's, older than the grace: nothing.
    assert tidy(pruning, local_fire - timedelta(minutes=2)) is None
    assert history["old"] in run_ids()

    fired = tidy(pruning, local_fire + timedelta(seconds=5))
    assert fired is not None and fired.outcome == "done"
    assert "2 run(s)" in (fired.message or "")
    assert history["old"] not in run_ids()
    assert tidy(pruning, local_fire + timedelta(minutes=1)) is None  # that fire time is taken
    [claim] = db.session.scalars(sa.select(ScheduleFire)).all()
    assert (claim.schedule, claim.fire_at, claim.outcome) == ("retention", local_fire, "done")


def test_the_clean_up_is_off_while_both_settings_are_zero(app, history, make_app):
    keeping = make_app(SETTINGS=settings())
    assert tidy(keeping, datetime(2026, 12, 1, 3, 31).astimezone()) is None
    assert db.session.scalars(sa.select(ScheduleFire)).all() == []


def test_the_clean_up_is_not_a_schedule_people_see(app, pruning, admin):
    tidy(pruning, datetime(2026, 12, 1, 3, 31).astimezone())
    names = [s["name"] for s in admin.get("/api/schedules").json["data"]]
    assert "retention" not in names


TIDY_PROCESS = """
import sys
from datetime import datetime
from app import create_app
from jobs import schedules

app = create_app()
now = datetime.fromisoformat(sys.argv[1])
print("ready", flush=True)
sys.stdin.readline()  # both processes tidy together
with app.app_context():
    fired = schedules.tidy(now)
    print("fired" if fired else "not mine", flush=True)
"""


def test_two_processes_at_one_fire_time_clean_up_once(app, history, database_url):
    now = datetime(2026, 12, 1, 3, 30, 7).astimezone()
    env = {
        "DATABASE_URL": database_url,
        "RUN_RETENTION_DAYS": "365",
        "RUN_LOG_RETENTION_DAYS": "90",
        "RETENTION_SCHEDULE": "30 3 * * *",
        "SCHEDULER_ENABLED": "false",
        "MIGRATE_ON_START": "false",
        "SECRET_KEY": "test",
        "LOG_LEVEL": "WARNING",
        "PATH": "/usr/bin:/bin",
    }
    outputs = [out.split() for out in run_together(TIDY_PROCESS, [now.isoformat()], env)]
    assert sorted(" ".join(out) for out in outputs) == ["fired", "not mine"]
    db.session.expire_all()
    assert [f.outcome for f in db.session.scalars(sa.select(ScheduleFire))] == ["done"]
    assert history["old"] not in run_ids() and history["recent"] in run_ids()
