"""The command line: users, tokens and analytics runs."""

import sqlalchemy as sa

from database import db
from models import User


def test_users_create_with_a_role_and_password(runner):
    result = runner.invoke(
        args=["users", "create", "carol", "--role", "editor", "--password", "pw-long-enough"]
    )
    assert result.exit_code == 0, result.output
    assert db.session.scalar(sa.select(User.role).where(User.username == "carol")) == "editor"


def test_users_create_prompts_for_the_password_when_omitted(runner):
    result = runner.invoke(
        args=["users", "create", "dave"], input="pw-long-enough\npw-long-enough\n"
    )
    assert result.exit_code == 0, result.output
    assert "pw-long-enough" not in result.output


def test_users_create_refuses_a_short_password_with_a_message(runner):
    result = runner.invoke(args=["users", "create", "erin", "--password", "short"])
    assert result.exit_code != 0
    assert "at least 8 characters" in result.output


def test_users_list_shows_every_user(runner):
    runner.invoke(args=["users", "create", "carol", "--password", "pw-long-enough"])
    result = runner.invoke(args=["users", "list"])
    assert "carol" in result.output and "viewer" in result.output


def test_tokens_create_prints_a_working_token(runner, client):
    runner.invoke(
        args=["users", "create", "bot", "--role", "admin", "--password", "pw-long-enough"]
    )
    result = runner.invoke(args=["tokens", "create", "bot"])
    assert result.exit_code == 0
    token = result.output.strip()
    assert client.get("/api/stats", headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_tokens_create_for_an_unknown_user_fails(runner):
    result = runner.invoke(args=["tokens", "create", "ghost"])
    assert result.exit_code != 0 and "No user named 'ghost'" in result.output


def test_tokens_revoke_by_prefix(runner, client):
    runner.invoke(
        args=["users", "create", "bot", "--role", "admin", "--password", "pw-long-enough"]
    )
    token = runner.invoke(args=["tokens", "create", "bot"]).output.strip()
    listing = runner.invoke(args=["tokens", "list"]).output
    assert token not in listing
    result = runner.invoke(args=["tokens", "revoke", token[:10]])
    assert result.exit_code == 0, result.output
    assert client.get("/api/stats", headers={"Authorization": f"Bearer {token}"}).status_code == 401


# ------------------------------------------------------------------ analytics run


def test_analytics_run_stores_every_analysis_and_exits_0(runner):
    from analytics import registry
    from models import AnalyticsResult, Run

    result = runner.invoke(args=["analytics", "run"])
    assert result.exit_code == 0, result.output
    run = db.session.scalars(sa.select(Run).where(Run.source == "analytics")).one()
    assert (run.status, run.triggered_by) == ("completed", "cli")
    total = len(registry.ANALYZERS)
    assert f"analytics run {run.id} completed" in result.output
    assert f"{total} of {total} analyses stored" in result.output
    stored = db.session.scalars(sa.select(AnalyticsResult.analysis)).all()
    assert sorted(stored) == sorted(registry.ANALYZERS)


def test_analytics_run_exits_1_naming_the_analysis_that_failed(runner, monkeypatch):
    from analytics import registry

    def broken(filters):
        raise RuntimeError("relation does not exist")

    monkeypatch.setitem(registry.ANALYZERS, "names", broken)
    result = runner.invoke(args=["analytics", "run"])
    assert result.exit_code == 1
    assert "failed: The names analysis failed: relation does not exist" in result.output


def test_analytics_run_exits_1_while_another_analytics_run_is_running(runner):
    from models import Run

    db.session.add(Run(source="analytics", status="running", heartbeat_at=sa.func.now()))
    db.session.commit()
    result = runner.invoke(args=["analytics", "run"])
    assert result.exit_code == 1 and "analytics job is already running" in result.output
