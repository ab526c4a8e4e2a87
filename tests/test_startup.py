"""Start-up: bad configuration or an unreachable database stop with one clear line."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_app(env_overrides: dict[str, str]) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DB_", "DATABASE_URL"))}
    env.update(env_overrides)
    code = "from app import create_app; create_app()"
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


def test_unreachable_database_exits_with_one_line_naming_the_host_not_the_password():
    result = run_app({"DATABASE_URL": "postgresql://medsync:hunter2@127.0.0.1:1/medsync"})
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    message = [line for line in result.stderr.splitlines() if line.startswith("medsync:")]
    assert len(message) == 1
    assert "127.0.0.1:1/medsync" in message[0]
    assert "hunter2" not in result.stderr


def test_bad_setting_exits_naming_the_variable():
    result = run_app({"FLASK_PORT": "not-a-port"})
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert "FLASK_PORT" in result.stderr


def test_a_broken_portal_profile_file_exits_naming_the_variable(tmp_path):
    profile = tmp_path / "portal.json"
    profile.write_text('{"login": {"path": "/login"}}')
    result = run_app({"PORTAL_PROFILE": str(profile)})
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert "PORTAL_PROFILE" in result.stderr


def test_a_bad_cron_string_stops_start_up_naming_the_variable():
    result = run_app({"SCRAPE_SCHEDULE": "0 25 * * *", "SCHEDULER_ENABLED": "true"})
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    message = [line for line in result.stderr.splitlines() if line.startswith("medsync:")]
    assert len(message) == 1 and "SCRAPE_SCHEDULE" in message[0]
