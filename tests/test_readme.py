"""The README's command lines work as a newcomer types them: in a shell, from the checkout, after
activating the virtual environment, against a database of their own."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.fixtures.app import TEST_PASSWORD, recreate_database

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
# Lines starting so are covered elsewhere: syncs and the contract check reach a source (the sync
# and DailyMed tests), the sandbox serves until stopped (the sandbox tests).
NOT_RUN_HERE = ("flask --app app sync ", "flask --app app dailymed check", "python -m sandbox")
ACTIVATE = "source .venv/bin/activate"
VENV = Path(sys.executable).parent.parent  # the environment running these tests


def command_block(section: str) -> list[str]:
    """The command lines of the first ```sh block under `## {section}`, comments removed."""
    text = README.read_text()
    body = text.split(f"\n## {section}\n", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", body, re.DOTALL)
    assert block, f"no ```sh block under '## {section}'"
    lines = (line.split("  #", 1)[0].strip() for line in block.group(1).splitlines())
    return [line for line in lines if line]


@pytest.fixture(scope="module")
def newcomer_env(pg_server_url: str) -> dict[str, str]:
    """The environment of a fresh shell pointed at an empty database of its own."""
    url = recreate_database(pg_server_url, "medsync_readme_test")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DB_", "PORTAL_", "DAILY"))}
    env.update(DATABASE_URL=url, ADMIN_PASSWORD=TEST_PASSWORD, LOG_LEVEL="WARNING")
    env["SECRET_KEY"] = "readme-test-secret"  # nothing written to instance/
    env["PATH"] = os.pathsep.join(p for p in env["PATH"].split(os.pathsep) if ".venv" not in p)
    return env


def run_line(line: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """One README line in bash, as typed after the activation line."""
    venv = ROOT / ".venv"
    activate = ACTIVATE if venv.exists() else f"source {VENV}/bin/activate"
    return subprocess.run(
        ["bash", "-c", f"{activate} && {line}"],
        cwd=ROOT,
        env=env,
        input=f"{TEST_PASSWORD}\n{TEST_PASSWORD}\n",  # for the line that prompts for a password
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_command_line_section_starts_by_activating_the_virtual_environment():
    lines = command_block("Command line")
    assert lines[0] == ACTIVATE
    for prefix in NOT_RUN_HERE:  # what this test leaves out is still in the README
        assert any(line.startswith(prefix) for line in lines), prefix


def test_every_command_line_in_the_readme_runs_as_written(newcomer_env):
    token = None
    for line in command_block("Command line")[1:]:
        if line.startswith(NOT_RUN_HERE):
            continue
        if "tokens revoke" in line:  # the README's prefix is an example: use the one printed
            line = re.sub(r"msk_\w+", token[:10], line)
        result = run_line(line, newcomer_env)
        assert result.returncode == 0, f"{line}\n{result.stdout}\n{result.stderr}"
        if "tokens create" in line:
            token = result.stdout.strip().splitlines()[-1]
            assert token.startswith("msk_")
        if line == "flask --app app users list":
            assert "carol" in result.stdout and "editor" in result.stdout

    engine = sa.create_engine(newcomer_env["DATABASE_URL"])
    with engine.connect() as conn:
        samples = conn.scalar(sa.text("SELECT count(*) FROM scrape_runs WHERE is_sample"))
        revoked = conn.scalar(
            sa.text("SELECT count(*) FROM api_tokens WHERE revoked_at IS NOT NULL")
        )
    engine.dispose()
    assert samples > 0  # python seed_scrape_runs.py wrote its sample history
    assert revoked == 1
