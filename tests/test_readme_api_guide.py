"""The README's API guide runs as written: its shell lines (a token from the CLI) and its Python
(sync, poll, page, correct, analyse), against a live app over HTTP and the sandbox DailyMed."""

from __future__ import annotations

import os
import re
import subprocess

import pytest
import sqlalchemy as sa

from sandbox.catalogue import Catalogue
from tests.fixtures.app import TEST_PASSWORD
from tests.test_readme import ACTIVATE, README, ROOT, VENV

GUIDE_URL = "http://127.0.0.1:5000"  # the address the guide names; the test's server replaces it


def guide_blocks() -> tuple[list[str], str]:
    """The guide's shell lines (comments removed) and its Python program, as the README has them."""
    text = README.read_text()
    body = text.split("\n### API guide\n", 1)[1].split("\n## ", 1)[0].split("\n### ", 1)[0]
    shell = re.search(r"```sh\n(.*?)```", body, re.DOTALL)
    program = re.search(r"```python\n(.*?)```", body, re.DOTALL)
    assert shell and program, "the API guide has a ```sh block and a ```python block"
    lines = (line.split("  #", 1)[0].strip() for line in shell.group(1).splitlines())
    return [line for line in lines if line], program.group(1)


def test_the_guide_does_what_the_issue_asks_in_order():
    lines, program = guide_blocks()
    assert lines[0] == ACTIVATE
    assert any("tokens create" in line for line in lines)
    steps = [
        'api.post(f"{BASE}/api/scrape"',
        "/api/scrape/status/",
        '"/api/drugs", labeler=labeler',
        'page["links"]["next"]',
        '"/api/drugs", ndc=ndc',
        'drug["version"]',
        '"/api/analytics/ndc", labeler=labeler',
    ]
    positions = [program.find(step) for step in steps]
    assert -1 not in positions, dict(zip(steps, positions, strict=True))
    assert positions == sorted(positions)


@pytest.fixture
def guide_server(app, dailymed_app, start_sandbox_dailymed, live_server) -> str:
    """The app over HTTP, syncing DailyMed from a sandbox catalogue with labelers of more than
    one page of drugs (24 labelers, 300 labels)."""
    base_url, _ = start_sandbox_dailymed(Catalogue(classes=6, labels=300))
    dailymed_app(base_url)
    return live_server


def test_the_readme_api_guide_runs_as_written(guide_server, database_url, tmp_path):
    lines, program = guide_blocks()
    (tmp_path / "guide.py").write_text(program)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DB_", "PORTAL_", "DAILY"))}
    # The CLI line reaches the server's database; the first admin appears as on a first start.
    env.update(DATABASE_URL=database_url, ADMIN_PASSWORD=TEST_PASSWORD, LOG_LEVEL="WARNING")
    env["SECRET_KEY"] = "readme-guide-secret"
    env["PATH"] = os.pathsep.join(p for p in env["PATH"].split(os.pathsep) if ".venv" not in p)
    activate = ACTIVATE if (ROOT / ".venv").exists() else f"source {VENV}/bin/activate"
    script = [activate if line == ACTIVATE else line for line in lines]
    script = [line.replace(GUIDE_URL, guide_server) for line in script]
    script = [line.replace("python guide.py", f"python {tmp_path / 'guide.py'}") for line in script]
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", "\n".join(script)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, f"{result.stdout}\n{result.stderr}"
    assert re.search(r"sync \d+ completed: \d+ records found", result.stdout), result.stdout
    paged = re.search(r"labeler \d+: (\d+) drugs of (\d+) on (\d+) pages", result.stdout)
    assert paged, result.stdout
    drugs, total, pages = map(int, paged.groups())
    assert drugs == total and pages > 1  # every page was followed
    assert "ndc analysis of labeler" in result.stdout

    engine = sa.create_engine(database_url)
    with engine.connect() as conn:
        corrected = conn.scalar(
            sa.text("SELECT count(*) FROM drugs WHERE brand_name = 'Corrected by the guide'")
        )
    engine.dispose()
    assert corrected == 1  # the correction the guide made is stored


def test_every_documented_step_would_fail_loudly():
    """The guide asserts its outcomes, so a changed answer fails it rather than printing on."""
    _, program = guide_blocks()
    assert program.count("assert ") >= 3
    assert "raise_for_status()" in program
