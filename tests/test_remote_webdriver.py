"""Browsers on another host: SELENIUM_REMOTE_URL against a real remote end. chromedriver started
as a standalone server speaks the same W3C WebDriver protocol as a Selenium Grid node."""

from __future__ import annotations

import dataclasses
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from jobs import engine
from tests.fixtures.processes import free_port, wait_until
from tests.fixtures.sandbox import RunningSandbox, app_pointed_at

CHROMEDRIVER = "/usr/bin/chromedriver"


@pytest.fixture
def remote_webdriver(tmp_path: Path) -> Iterator[str]:
    """chromedriver listening on a free port, as a Grid would: its URL, once it is ready."""
    if not Path(CHROMEDRIVER).exists():
        pytest.skip("chromedriver is not installed (make browser)")
    port = free_port()
    log = tmp_path / "chromedriver.log"
    driver = subprocess.Popen(
        [CHROMEDRIVER, f"--port={port}", f"--log-path={log}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until(
            lambda: requests.get(f"{url}/status", timeout=2).json()["value"]["ready"],
            30,
            "chromedriver to be ready",
        )
        yield url
    finally:
        driver.terminate()
        driver.wait(10)


def test_a_portal_sync_runs_its_browser_through_a_remote_webdriver(
    app, sandbox_portal: RunningSandbox, remote_webdriver: str, tmp_path: Path
):
    sandbox_portal.state.delay_ms = 50
    with app_pointed_at(app, sandbox_portal):
        # No local driver could start: the sync can only have used the remote one.
        app.config["SETTINGS"] = dataclasses.replace(
            app.config["SETTINGS"],
            selenium_remote_url=remote_webdriver,
            chromedriver_path=str(tmp_path / "no-local-chromedriver"),
        )
        run = engine.run_in_foreground("portal", "tests")
    assert run.status == "completed", run.error_message
    assert run.records_found == run.records_inserted == len(sandbox_portal.state.rows) == 45
    session_log = (tmp_path / "chromedriver.log").read_text()
    assert "InitSession" in session_log  # the session came from the remote end
