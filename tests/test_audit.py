"""The one audit log (GET /api/audit, admins): every change to a record by a person or a run, and
what people did to accounts — sign-ins and failed ones, sign-outs, users created, roles changed,
API tokens created and revoked — newest first, filterable, paged and as CSV."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest

import accounts
from accounts.signin import known_as
from sandbox.catalogue import Catalogue
from tests.fixtures.app import TEST_PASSWORD, csrf_from
from tests.fixtures.app import sign_in as fixtures_sign_in
from tests.fixtures.dailymed_sync import run_sync


def audit(client, headers, **filters: str) -> dict:
    response = client.get("/api/audit", query_string=filters, headers=headers)
    assert response.status_code == 200, response.json
    return response.json


def actions(body: dict) -> list[str]:
    return [entry["action"] for entry in body["data"]]


def sign_in(client, username: str, password: str = TEST_PASSWORD) -> int:
    return fixtures_sign_in(client, username, password).status_code


@pytest.fixture
def admin(bearer) -> dict[str, str]:
    return bearer("admin")


def test_sign_ins_failed_sign_ins_and_sign_outs_are_in_the_log(app, client, admin):
    accounts.create_user("olga", TEST_PASSWORD, "viewer")
    assert sign_in(client, "olga", "not her password") == 401
    # No such user: the attempted name may be a password typed in the wrong field, so the log
    # keeps only a digest of it.
    assert sign_in(client, "ghost") == 401
    assert sign_in(client, "olga") == 302
    csrf = csrf_from(client.get("/").get_data(as_text=True))
    assert client.post("/logout", data={"csrf_token": csrf}).status_code == 302

    reader = app.test_client()  # a script's client: a token, no session cookie
    body = audit(reader, admin, dataset="accounts")
    seen = [(e["action"], e["username"], e["actor_type"]) for e in body["data"]]
    assert seen[:4] == [
        ("sign_out", "olga", "user"),
        ("sign_in", "olga", "user"),
        ("sign_in_failed", known_as("ghost", None), "system"),
        ("sign_in_failed", "olga", "system"),
    ]
    assert all(e["remote_addr"] for e in body["data"][:4])
    assert audit(reader, admin, user="OLGA", action="sign_in_failed")["total"] == 1


def test_users_roles_and_tokens_changed_through_the_api_name_who_did_it(app, client, admin):
    created = client.post(
        "/api/users",
        json={"username": "pete", "password": TEST_PASSWORD, "role": "viewer"},
        headers=admin,
    ).json["data"]
    client.patch(f"/api/users/{created['id']}", json={"role": "editor"}, headers=admin)
    token = client.post(
        "/api/tokens", json={"name": "nightly", "user_id": created["id"]}, headers=admin
    ).json["data"]
    client.post(f"/api/tokens/{token['id']}/revoke", headers=admin)

    body = audit(client, admin)
    by_action = {e["action"]: e for e in body["data"]}
    assert {"user_created", "role_changed", "token_created", "token_revoked"} <= set(by_action)
    role = by_action["role_changed"]
    assert role["dataset"] == "users" and role["record_id"] == created["id"]
    assert role["new_value"] == {"old": "viewer", "new": "editor"}
    assert role["username"].startswith("script-admin-")  # the admin who did it
    revoked = by_action["token_revoked"]
    assert revoked["dataset"] == "api_tokens" and revoked["record_id"] == token["id"]
    assert revoked["new_value"]["owner"] == "pete" and revoked["new_value"]["name"] == "nightly"
    # The secret never reaches the log: only the printed prefix.
    assert token["token"] not in str(body)


def test_record_changes_by_people_and_runs_are_in_the_log_with_a_link_to_the_record(
    app, client, admin, bearer, dailymed_app, start_sandbox_dailymed
):
    base_url, _state = start_sandbox_dailymed(Catalogue(classes=4, labels=10))
    dailymed_app(base_url)
    run = run_sync()
    editor = bearer("editor")
    drug = client.get("/api/drugs?per_page=1", headers=editor).json["data"][0]
    client.patch(
        f"/api/drugs/{drug['id']}",
        json={"title": "Corrected", "version": drug["version"]},
        headers=editor,
    )

    by_run = audit(client, admin, run_id=str(run.id), per_page="200")
    assert by_run["total"] > 0
    assert {e["actor_type"] for e in by_run["data"]} == {"sync"}
    assert {e["run_id"] for e in by_run["data"]} == {run.id}
    edits = audit(client, admin, dataset="drugs", field="title", user=_name(editor, client))
    assert edits["total"] == 1
    edit = edits["data"][0]
    assert (edit["old_value"], edit["new_value"]) == (drug["title"], "Corrected")
    assert edit["record_url"] == f"/api/drugs/{drug['id']}" and edit["screen"] == "drugs"


def _name(headers: dict[str, str], client) -> str:
    return client.get("/api/me", headers=headers).json["data"]["username"]


def test_the_log_is_newest_first_paged_and_filtered_by_date(app, client, admin):
    before = audit(client, admin, action="user_created")["total"]  # the admin's own
    for n in range(5):
        accounts.create_user(f"user{n}", TEST_PASSWORD, "viewer")
    first = audit(client, admin, per_page="2", action="user_created")
    total = before + 5
    assert (first["total"], first["pages"], len(first["data"])) == (total, -(-total // 2), 2)
    assert [e["record_id"] for e in first["data"]] == sorted(
        (e["record_id"] for e in first["data"]), reverse=True
    )
    today = datetime.now(UTC).date()
    assert audit(client, admin, **{"from": today.isoformat()})["total"] >= 5
    tomorrow = (today + timedelta(days=1)).isoformat()
    assert audit(client, admin, **{"from": tomorrow})["total"] == 0


def test_the_log_downloads_as_csv(app, client, admin):
    accounts.create_user("csvuser", TEST_PASSWORD, "viewer")
    response = client.get("/api/audit?format=csv&action=user_created", headers=admin)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert len(rows) == 2  # the admin reading it, then csvuser (newest first)
    assert [row["action"] for row in rows] == ["user_created", "user_created"]
    newest = rows[0]
    assert newest["dataset"] == "users" and '"role": "viewer"' in newest["new_value"]
    assert list(rows[0])[:5] == ["at", "kind", "action", "actor_type", "username"]


def test_only_admins_read_the_log(client, bearer):
    assert client.get("/api/audit", headers=bearer("editor")).status_code == 403
    assert client.get("/api/audit").status_code == 401


@pytest.mark.parametrize(
    ("args", "field"),
    [
        ({"dataset": "planets"}, "dataset"),
        ({"run_id": "²"}, "run_id"),
        ({"run_id": "99999999999"}, "run_id"),
        ({"from": "yesterday"}, "from"),
        ({"from": "2026-02-01", "to": "2026-01-01"}, "to"),
        ({"colour": "red"}, "colour"),
        ({"format": "xml"}, "format"),
    ],
)
def test_bad_filters_are_refused_naming_them(client, admin, args, field):
    response = client.get("/api/audit", query_string=args, headers=admin)
    assert response.status_code == 422
    assert response.json["error"]["details"]["field"] == field


def test_an_over_long_filter_is_a_422_naming_it(client, admin):
    response = client.get("/api/audit", query_string={"user": "x" * 500}, headers=admin)
    assert response.status_code == 422
    assert response.json["error"]["details"]["field"] == "user"
