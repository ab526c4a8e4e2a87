"""/api/authorizations: list filters, edits with validation and versions, review, history, CSV."""

from datetime import date

import pytest

import merge
from database import db
from datasets import authorizations
from models import Run


def seed(*rows: dict) -> None:
    run = Run(source="portal", status="completed")
    db.session.add(run)
    db.session.commit()
    merge.merge_rows(authorizations.dataset("sandbox"), list(rows), run.id)
    db.session.commit()


def row(key: str, name: str, status: str = "Pending", payer: str = "Acme Health") -> dict:
    return {
        "source_key": key,
        "patient_name": name,
        "authorization_number": f"PA-{key}",
        "status": status,
        "payer": payer,
        "service_start": date(2026, 1, 1),
        "service_end": date(2026, 3, 31),
        "amount": None,
        "extra": {},
    }


@pytest.fixture
def records(app):
    seed(
        row("1", "Ada Lovelace", "Approved"),
        row("2", "Grace Hopper", "Pending", "Blue Shield"),
        row("3", "Alan Turing", "Denied"),
    )
    return {r["patient_name"]: r for r in authorizations_list()}


def authorizations_list():
    from sqlalchemy import select

    from models import Authorization

    return [authorizations.service.to_json(a) for a in db.session.scalars(select(Authorization))]


def test_list_has_the_seed_keys_and_a_total(viewer, records):
    body = viewer.get("/api/authorizations").json
    assert body["success"] is True and body["count"] == 3 and body["total"] == 3
    assert [r["patient_name"] for r in body["data"]] == [
        "Ada Lovelace",
        "Alan Turing",
        "Grace Hopper",
    ]


def test_list_searches_filters_and_sorts_on_the_server(viewer, records):
    assert viewer.get("/api/authorizations?q=hopp").json["total"] == 1
    assert viewer.get("/api/authorizations?q=PA-3").json["data"][0]["patient_name"] == "Alan Turing"
    assert viewer.get("/api/authorizations?status=Denied").json["total"] == 1
    names = [
        r["patient_name"] for r in viewer.get("/api/authorizations?sort=-patient_name").json["data"]
    ]
    assert names == ["Grace Hopper", "Alan Turing", "Ada Lovelace"]
    page = viewer.get("/api/authorizations?per_page=2&page=2").json
    assert page["count"] == 1 and page["pages"] == 2


def test_search_treats_wildcards_as_text(viewer, records):
    assert viewer.get("/api/authorizations?q=%25").json["total"] == 0


@pytest.mark.parametrize(
    ("query", "field"),
    [("status=Lost", "status"), ("edited=perhaps", "edited"), ("sort=ssn", "sort")],
)
def test_bad_list_arguments_are_4xx_naming_them(viewer, records, query, field):
    response = viewer.get(f"/api/authorizations?{query}")
    assert (
        response.status_code in (400, 422) and response.json["error"]["details"]["field"] == field
    )


def test_editor_corrects_a_record_and_it_is_marked_edited(editor, records):
    ada = records["Ada Lovelace"]
    response = editor.patch(
        f"/api/authorizations/{ada['id']}", json={"status": "Denied", "version": ada["version"]}
    )
    assert response.status_code == 200
    data = response.json["data"]
    assert data["status"] == "Denied" and data["is_manually_edited"] is True
    assert data["edited_fields"] == ["status"] and data["version"] == ada["version"] + 1
    assert editor.get("/api/authorizations?edited=true").json["total"] == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"status": "Lost"}, "status"),
        ({"patient_name": "  "}, "patient_name"),
        ({"service_start": "31/01/2026"}, "service_start"),
        ({"service_start": "2026-05-01", "service_end": "2026-04-01"}, "service_end"),
        ({"ssn": "123"}, "ssn"),
        ({"status": "Denied", "version": "seven"}, "version"),
    ],
)
def test_invalid_edits_are_422_naming_the_field_and_change_nothing(editor, records, body, field):
    ada = records["Ada Lovelace"]
    response = editor.patch(f"/api/authorizations/{ada['id']}", json={"version": 1, **body})
    assert response.status_code == 422
    assert response.json["error"]["details"]["field"] == field
    assert editor.get(f"/api/authorizations/{ada['id']}").json["data"]["version"] == ada["version"]


def test_an_authorization_number_in_use_is_409_naming_the_other_record(editor, records):
    ada, grace = records["Ada Lovelace"], records["Grace Hopper"]
    response = editor.patch(
        f"/api/authorizations/{ada['id']}",
        json={"authorization_number": grace["authorization_number"], "version": ada["version"]},
    )
    assert response.status_code == 409
    assert "Grace Hopper" in response.json["error"]["message"]
    assert response.json["error"]["details"]["other_id"] == grace["id"]


def test_a_stale_version_is_409_with_the_current_record(editor, records):
    ada = records["Ada Lovelace"]
    editor.patch(
        f"/api/authorizations/{ada['id']}", json={"payer": "Cigna", "version": ada["version"]}
    )
    response = editor.patch(
        f"/api/authorizations/{ada['id']}", json={"status": "Denied", "version": ada["version"]}
    )
    assert response.status_code == 409
    current = response.json["error"]["details"]["current"]
    assert current["payer"] == "Cigna" and current["version"] == ada["version"] + 1


def test_viewer_cannot_edit(viewer, records):
    ada = records["Ada Lovelace"]
    assert (
        viewer.patch(
            f"/api/authorizations/{ada['id']}", json={"status": "Denied", "version": 1}
        ).status_code
        == 403
    )


def test_unknown_record_is_404(editor):
    missing = editor.patch("/api/authorizations/999", json={"status": "Denied", "version": 1})
    assert missing.status_code == 404
    assert editor.get("/api/authorizations/999/history").status_code == 404


def test_history_shows_who_changed_what_and_revert_restores_it(editor, records):
    ada = records["Ada Lovelace"]
    editor.patch(
        f"/api/authorizations/{ada['id']}", json={"status": "Denied", "version": ada["version"]}
    )
    history = editor.get(f"/api/authorizations/{ada['id']}/history").json["data"]
    latest = history[0]
    assert (latest["action"], latest["field"], latest["old_value"], latest["new_value"]) == (
        "manual_edit",
        "status",
        "Approved",
        "Denied",
    )
    assert latest["username"] == "eddie"
    assert history[-1]["action"] == "sync_insert"
    reverted = editor.post(
        f"/api/authorizations/{ada['id']}/revert",
        json={"change_id": latest["id"], "version": ada["version"] + 1},
    )
    assert reverted.status_code == 200
    data = reverted.json["data"]
    assert data["status"] == "Approved" and data["is_manually_edited"] is False
    assert (
        editor.get(f"/api/authorizations/{ada['id']}/history").json["data"][0]["action"] == "revert"
    )


def test_revert_of_a_change_from_another_record_is_422(editor, records):
    ada, grace = records["Ada Lovelace"], records["Grace Hopper"]
    editor.patch(
        f"/api/authorizations/{grace['id']}", json={"status": "Denied", "version": grace["version"]}
    )
    change = editor.get(f"/api/authorizations/{grace['id']}/history").json["data"][0]
    response = editor.post(
        f"/api/authorizations/{ada['id']}/revert",
        json={"change_id": change["id"], "version": ada["version"]},
    )
    assert response.status_code == 422


def test_review_endpoint_keeps_or_takes_the_source_value(editor, records):
    ada = records["Ada Lovelace"]
    editor.patch(
        f"/api/authorizations/{ada['id']}", json={"status": "Denied", "version": ada["version"]}
    )
    changed = row("1", "Ada Lovelace", "Expired")
    seed(changed)
    detail = editor.get(f"/api/authorizations/{ada['id']}").json["data"]
    assert detail["needs_review"] is True
    assert detail["review"] == [{"field": "status", "yours": "Denied", "source": "Expired"}]
    assert editor.get("/api/authorizations?needs_review=true").json["total"] == 1
    review = f"/api/authorizations/{ada['id']}/review"
    version = detail["version"]
    bad = editor.post(review, json={"field": "status", "decision": "maybe", "version": version})
    assert bad.status_code == 422
    unversioned = editor.post(review, json={"field": "status", "decision": "source"})
    assert unversioned.status_code == 428
    taken = editor.post(
        review, json={"field": "status", "decision": "source"}, headers={"If-Match": f'"{version}"'}
    ).json["data"]
    assert taken["status"] == "Expired" and taken["needs_review"] is False


def test_csv_export_follows_the_current_filter(viewer, records):
    response = viewer.get("/api/authorizations/export.csv?status=Pending")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    lines = response.get_data(as_text=True).strip().splitlines()
    assert lines[0].startswith("id,patient_name,authorization_number,status")
    assert len(lines) == 2 and "Grace Hopper" in lines[1]


def test_csv_export_neutralises_spreadsheet_formulas(editor, records):
    ada = records["Ada Lovelace"]
    editor.patch(
        f"/api/authorizations/{ada['id']}",
        json={"payer": '=HYPERLINK("x")', "version": ada["version"]},
    )
    text = editor.get("/api/authorizations/export.csv").get_data(as_text=True)
    assert "'=HYPERLINK" in text


def test_two_editors_racing_for_one_number_get_a_409_not_a_500(app, make_person, records):
    import threading

    first, second = make_person("editor"), make_person("editor")
    ada, grace = records["Ada Lovelace"], records["Grace Hopper"]
    statuses = []
    for attempt in range(5):
        number = f"PA-RACE-{attempt}"
        barrier = threading.Barrier(2)

        def claim(person, record, number=number, barrier=barrier):
            path = f"/api/authorizations/{record['id']}"
            version = person.get(path).json["data"]["version"]
            barrier.wait()
            response = person.patch(path, json={"authorization_number": number, "version": version})
            statuses.append(response.status_code)

        threads = [
            threading.Thread(target=claim, args=(first, ada)),
            threading.Thread(target=claim, args=(second, grace)),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert set(statuses) <= {200, 409}
    assert statuses.count(200) == 5
