"""Portal sync end to end: the sandbox portal over HTTP, real Chromium, real PostgreSQL."""

import dataclasses
import json
import time

import pytest

from scraper.portal_profile import PROFILE_DIR
from tests.fixtures.sandbox import RunningSandbox, app_pointed_at


@pytest.fixture
def portal_app(app, sandbox_portal: RunningSandbox):
    """The app pointed at the sandbox portal (profile 'sandbox')."""
    sandbox_portal.state.delay_ms = 50
    with app_pointed_at(app, sandbox_portal):
        yield app


def sync(client, headers) -> dict:
    response = client.post("/api/scrape", json={"source": "portal"}, headers=headers)
    assert response.status_code == 202, response.json
    job_id = response.json["job_id"]
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        body = client.get(f"/api/scrape/status/{job_id}", headers=headers).json
        if body["status"] not in ("queued", "running"):
            return body
        time.sleep(0.2)
    raise AssertionError("portal sync did not finish")


def find(client, headers, number: str) -> dict:
    body = client.get(f"/api/authorizations?q={number}", headers=headers).json
    assert body["total"] == 1, body
    return body["data"][0]


def test_sync_reads_every_row_of_every_page(portal_app, sandbox_portal, client, bearer):
    headers = bearer("editor")
    run = sync(client, headers)
    assert run["status"] == "completed", run["error"]
    rows = len(sandbox_portal.state.rows)
    assert run["records_found"] == run["records_inserted"] == rows
    assert client.get("/api/authorizations", headers=headers).json["total"] == rows


def test_a_second_sync_changes_nothing(portal_app, sandbox_portal, client, bearer):
    headers = bearer("editor")
    sync(client, headers)
    run = sync(client, headers)
    assert run["records_inserted"] == run["records_updated"] == 0
    assert run["records_unchanged"] == len(sandbox_portal.state.rows)


def test_a_correction_survives_the_next_sync_and_a_source_change_asks_for_review(
    portal_app, sandbox_portal, client, bearer
):
    headers = bearer("editor")
    sync(client, headers)
    target = sandbox_portal.state.rows[0]
    record = find(client, headers, target.authorization_number)
    mine = "Denied" if record["status"] != "Denied" else "Approved"
    patched = client.patch(
        f"/api/authorizations/{record['id']}",
        json={"status": mine, "version": record["version"]},
        headers=headers,
    )
    assert patched.status_code == 200

    run = sync(client, headers)
    assert find(client, headers, target.authorization_number)["status"] == mine
    assert run["records_kept_manual"] == 1

    theirs = next(
        s for s in ("Expired", "Approved", "Pending") if s not in (mine, record["status"])
    )
    sandbox_portal.state.change_status(target.authorization_number, theirs)
    sync(client, headers)
    after = find(client, headers, target.authorization_number)
    assert after["status"] == mine and after["needs_review"] is True
    assert after["review"] == [{"field": "status", "yours": mine, "source": theirs}]


def test_new_rows_are_added_and_vanished_rows_kept_and_marked(
    portal_app, sandbox_portal, client, bearer
):
    headers = bearer("editor")
    sync(client, headers)
    gone = sandbox_portal.state.rows[3].authorization_number
    sandbox_portal.state.remove_row(gone)
    added = sandbox_portal.state.add_row(patient_name="Zora Neale Hurston")
    run = sync(client, headers)
    assert run["records_inserted"] == 1 and run["records_missing"] == 1
    assert find(client, headers, gone)["missing_from_source"] is True
    assert find(client, headers, added.authorization_number)["patient_name"] == "Zora Neale Hurston"


def test_a_wrong_portal_password_fails_the_run_with_the_portals_message(portal_app, client, bearer):
    portal_app.config["SETTINGS"] = dataclasses.replace(
        portal_app.config["SETTINGS"], portal_password="wrong-password"
    )
    run = sync(client, bearer("editor"))
    assert run["status"] == "failed"
    assert run["error"] == "Login failed: Your password is invalid!"
    assert "wrong-password" not in str(run)


def test_cli_sync_draws_progress_and_exits_zero(portal_app, sandbox_portal, runner):
    result = runner.invoke(args=["sync", "portal"])
    assert result.exit_code == 0, result.output
    assert f"found {len(sandbox_portal.state.rows)}" in result.output


def test_cli_sync_exits_non_zero_when_the_sync_fails(portal_app, runner):
    portal_app.config["SETTINGS"] = dataclasses.replace(
        portal_app.config["SETTINGS"], portal_password="wrong-password"
    )
    result = runner.invoke(args=["sync", "portal"])
    assert result.exit_code != 0
    assert "Login failed" in result.output


def profile_file(tmp_path, **defaults) -> str:
    """The sandbox profile saved as a custom profile file with these `defaults`."""
    profile = json.loads((PROFILE_DIR / "sandbox.json").read_text())
    profile["defaults"] = defaults
    path = tmp_path / "portal.json"
    path.write_text(json.dumps(profile))
    return str(path)


def test_with_no_portal_settings_the_sync_signs_in_with_the_profile_files_defaults(
    app, sandbox_portal, client, bearer, tmp_path, monkeypatch
):
    settings = dataclasses.replace(
        app.config["SETTINGS"],
        portal_profile=profile_file(
            tmp_path,
            base_url=sandbox_portal.base_url,
            username=sandbox_portal.username,
            password=sandbox_portal.password,
        ),
        portal_base_url=None,
        portal_username=None,
        portal_password=None,
    )
    monkeypatch.setitem(app.config, "SETTINGS", settings)
    run = sync(client, bearer("editor"))
    assert run["status"] == "completed", run["error"]
    assert run["records_found"] == len(sandbox_portal.state.rows)


def test_a_profile_without_an_address_needs_portal_base_url(
    app, client, bearer, tmp_path, monkeypatch
):
    settings = dataclasses.replace(
        app.config["SETTINGS"],
        portal_profile=profile_file(tmp_path, username="demo", password="demo-password"),
        portal_base_url=None,
    )
    monkeypatch.setitem(app.config, "SETTINGS", settings)
    run = sync(client, bearer("editor"))
    assert run["status"] == "failed"
    assert "PORTAL_BASE_URL is not set" in run["error"]
