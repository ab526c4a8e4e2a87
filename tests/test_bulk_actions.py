"""POST /api/<dataset>/bulk: one action on a selection (listed items with their versions, or
every record a list filter matches), all or nothing. A refused row (stale version, unknown id,
invalid value) refuses the whole request, naming each row; at most 1,000 rows a request."""

from datetime import date

import pytest
import sqlalchemy as sa

import merge
from database import db
from datasets import authorizations
from datasets.bulk import MAX_ROWS
from models import Authorization, Run


def seed(count: int, status: str = "Pending") -> list[dict]:
    """`count` authorizations a portal sync wrote; their JSON, in id order."""
    run = Run(source="portal", status="completed")
    db.session.add(run)
    db.session.commit()
    rows = [
        {
            "source_key": str(n),
            "patient_name": f"Patient {n:04d}",
            "authorization_number": f"PA-{n}",
            "status": status,
            "payer": "Acme Health",
            "service_start": date(2026, 1, 1),
            "service_end": date(2026, 3, 31),
            "amount": None,
            "extra": {},
        }
        for n in range(count)
    ]
    merge.merge_rows(authorizations.dataset("sandbox"), rows, run.id)
    db.session.commit()
    records = db.session.scalars(sa.select(Authorization).order_by(Authorization.id))
    return [authorizations.service.to_json(record) for record in records]


def items(records: list[dict]) -> list[dict]:
    return [{"id": r["id"], "version": r["version"]} for r in records]


def bulk(person, body: dict, dataset: str = "authorizations"):
    return person.post(f"/api/{dataset}/bulk", json=body)


def stored_statuses() -> list[str]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Authorization.status).order_by(Authorization.id)))


def test_an_editor_sets_a_field_on_the_selected_rows(editor, admin):
    records = seed(3)
    body = {"action": "update", "items": items(records[:2]), "values": {"status": "Approved"}}
    response = bulk(editor, body)
    assert response.status_code == 200, response.json
    data = response.json["data"]
    assert data["action"] == "update" and data["matched"] == 2
    assert data["changed"] == 2 and data["unchanged"] == 0
    assert data["ids"] == [records[0]["id"], records[1]["id"]]
    assert stored_statuses() == ["Approved", "Approved", "Pending"]
    edited = editor.get(f"/api/authorizations/{records[0]['id']}").json["data"]
    assert edited["edited_fields"] == ["status"] and edited["version"] == 2
    audit = admin.get("/api/audit?action=manual_edit").json["data"]
    assert {(e["record_id"], e["username"]) for e in audit} == {
        (records[0]["id"], editor.username),
        (records[1]["id"], editor.username),
    }


def test_a_viewer_cannot_run_any_action(viewer):
    records = seed(1)
    for action in ("update", "keep_mine", "take_source", "archive", "restore"):
        response = bulk(viewer, {"action": action, "items": items(records)})
        assert response.status_code == 403


def test_archiving_in_bulk_needs_an_admin(editor):
    records = seed(2)
    refused = bulk(editor, {"action": "archive", "items": items(records)})
    assert refused.status_code == 403 and "admin" in refused.json["error"]["message"]
    assert editor.get("/api/authorizations").json["total"] == 2


def test_one_stale_row_refuses_the_whole_request_with_409_naming_it(editor):
    records = seed(3)
    stale = {"id": records[1]["id"], "version": records[1]["version"] + 5}
    body = {
        "action": "update",
        "items": [items(records)[0], stale, items(records)[2]],
        "values": {"status": "Denied"},
    }
    response = bulk(editor, body)
    assert response.status_code == 409
    error = response.json["error"]
    assert error["code"] == "conflict" and "nothing was changed" in error["message"]
    assert error["details"]["items"] == [
        {
            "id": records[1]["id"],
            "code": "stale_version",
            "message": "Changed since you selected it: version 1 now, you had 6.",
            "field": "version",
        }
    ]
    assert stored_statuses() == ["Pending", "Pending", "Pending"]


def test_an_unknown_id_refuses_the_request_with_422_naming_it(editor):
    records = seed(1)
    body = {"action": "restore", "items": [*items(records), {"id": 999, "version": 1}]}
    response = bulk(editor, body)
    assert response.status_code == 422
    assert response.json["error"]["details"]["items"] == [
        {"id": 999, "code": "not_found", "message": "No authorization with id 999.", "field": None}
    ]


def test_a_row_its_rules_refuse_refuses_the_request_and_nothing_is_written(editor):
    records = seed(2)
    late = editor.patch(
        f"/api/authorizations/{records[1]['id']}",
        json={
            "service_start": "2026-03-01",
            "service_end": "2026-03-31",
            "version": records[1]["version"],
        },
    )
    assert late.status_code == 200
    unversioned = {"action": "update", "items": [{"id": r["id"]} for r in records]}
    missing = bulk(editor, {**unversioned, "values": {"service_end": "2026-02-01"}})
    assert missing.status_code == 428, missing.json
    assert missing.json["error"]["code"] == "version_required"
    assert {r["code"] for r in missing.json["error"]["details"]["items"]} == {"version_required"}
    body = {"action": "update", "items": items([records[0], late.json["data"]])}
    response = bulk(editor, {**body, "values": {"service_end": "2026-02-01"}})
    assert response.status_code == 422
    refused = response.json["error"]["details"]["items"]
    assert [(r["id"], r["code"], r["field"]) for r in refused] == [
        (records[1]["id"], "invalid", "service_end")
    ]
    db.session.expire_all()
    ends = db.session.scalars(sa.select(Authorization.service_end).order_by(Authorization.id))
    assert list(ends) == [date(2026, 3, 31), date(2026, 3, 31)]


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"action": "delete"}, "action", "update, keep_mine, take_source, archive, restore"),
        ({"action": None}, "action", "must be one of"),
        ({"action": "restore", "items": []}, "items", "Nothing selected"),
        ({"action": "restore"}, "items", "Nothing selected"),
        ({"action": "restore", "items": "1,2"}, "items", "list"),
        ({"action": "restore", "items": [{"id": 1}], "filter": {}}, "filter", "not both"),
        ({"action": "update", "filter": {}}, "values", "values must be an object"),
        ({"action": "update", "filter": {}, "values": {}}, "values", "values must be"),
        ({"action": "update", "filter": {}, "values": {"source": "x"}}, "source", "cannot be"),
        ({"action": "update", "filter": {}, "values": {"version": 3}}, "version", "cannot be"),
        (
            {"action": "update", "filter": {}, "values": {"authorization_number": "PA-1"}},
            "authorization_number",
            "several records",
        ),
        ({"action": "update", "filter": {}, "values": {"status": "Lost"}}, "status", "one of"),
        ({"action": "archive", "filter": {}, "values": {"status": "Denied"}}, "values", "update"),
        ({"action": "restore", "filter": {"colour": "red"}}, "colour", "not a filter"),
        ({"action": "restore", "filter": {"status": ["Pending"]}}, "status", "text or a number"),
        ({"action": "restore", "filter": "status=Pending"}, "filter", "object"),
        ({"action": "restore", "filter": {"status": "Expired"}}, "filter", "Nothing selected"),
        ({"action": "restore", "items": [{"id": 1}], "extra": 1}, "extra", "not part"),
    ],
)
def test_a_malformed_request_is_422_naming_what_is_wrong(admin, body, field, words):
    seed(2)
    response = bulk(admin, body)
    assert response.status_code == 422, response.json
    error = response.json["error"]
    assert error["details"]["field"] == field and words in error["message"]


@pytest.mark.parametrize(
    "item", [{"id": "1"}, {"id": True}, {"id": 0}, {"version": 1}, 7, {"id": 1, "version": "x"}]
)
def test_a_malformed_item_is_listed_as_invalid(editor, item):
    seed(1)
    response = bulk(editor, {"action": "restore", "items": [item]})
    assert response.status_code == 422
    assert response.json["error"]["details"]["items"][0]["code"] == "invalid"


def test_a_record_listed_twice_is_invalid(editor):
    records = seed(1)
    response = bulk(editor, {"action": "restore", "items": items(records) * 2})
    assert response.status_code == 422
    assert (
        response.json["error"]["details"]["items"][0]["message"] == "This record is listed twice."
    )


def test_more_than_the_limit_of_items_is_413_stating_it(editor):
    selection = [{"id": n} for n in range(1, MAX_ROWS + 2)]
    response = bulk(editor, {"action": "restore", "items": selection})
    assert response.status_code == 413
    error = response.json["error"]
    assert "At most 1,000 records" in error["message"] and "1,001" in error["message"]
    assert error["details"] == {"field": "items", "limit": 1000}


def test_a_filter_matching_more_than_the_limit_is_413_and_changes_nothing(editor):
    seed(MAX_ROWS + 1)
    body = {"action": "update", "filter": {"status": "Pending"}, "values": {"status": "Denied"}}
    response = bulk(editor, body)
    assert response.status_code == 413
    assert "more than 1,000" in response.json["error"]["message"]
    assert set(stored_statuses()) == {"Pending"}


def test_exactly_the_limit_is_accepted(editor):
    records = seed(MAX_ROWS)
    body = {"action": "update", "items": items(records), "values": {"payer": "Blue Shield"}}
    response = bulk(editor, body)
    assert response.status_code == 200, response.json
    assert response.json["data"]["changed"] == MAX_ROWS


def test_a_filter_selects_what_the_list_shows(editor):
    records = seed(4)
    for record in (records[0], records[3]):
        editor.patch(
            f"/api/authorizations/{record['id']}",
            json={"status": "Denied", "version": record["version"]},
        )
    body = {
        "action": "update",
        "filter": {"status": "Denied", "sort": "-patient_name", "page": 2},
        "values": {"status": "Expired"},
    }
    response = bulk(editor, body)
    assert response.status_code == 200, response.json
    data = response.json["data"]
    assert data["ids"] == [records[0]["id"], records[3]["id"]] and data["changed"] == 2
    assert stored_statuses() == ["Expired", "Pending", "Pending", "Expired"]


def test_rows_already_holding_the_value_are_counted_unchanged(editor):
    records = seed(2)
    editor.patch(
        f"/api/authorizations/{records[0]['id']}",
        json={"status": "Denied", "version": records[0]["version"]},
    )
    body = {"action": "update", "filter": {}, "values": {"status": "Denied"}}
    data = bulk(editor, body).json["data"]
    assert (data["matched"], data["changed"], data["unchanged"]) == (2, 1, 1)
    assert data["outcomes"] == [
        {"id": records[0]["id"], "outcome": "unchanged"},
        {"id": records[1]["id"], "outcome": "updated"},
    ]


def waiting_for_review(editor, records: list[dict]) -> None:
    """The first two records: corrected by a person, then changed by the source."""
    for record in records[:2]:
        editor.patch(
            f"/api/authorizations/{record['id']}",
            json={"status": "Denied", "version": record["version"]},
        )
    run = Run(source="portal", status="completed")
    db.session.add(run)
    db.session.commit()
    rows = []
    for record in records[:2]:
        row = {k: record[k] for k in authorizations.SYNCED_FIELDS if k in record}
        row.update(source_key=record["source_key"], status="Expired")
        row["service_start"] = date.fromisoformat(row["service_start"])
        row["service_end"] = date.fromisoformat(row["service_end"])
        rows.append(row)
    merge.merge_rows(authorizations.dataset("sandbox"), rows, run.id)
    db.session.commit()


def test_keep_mine_settles_every_waiting_field_and_counts_the_rest_unchanged(editor):
    records = seed(3)
    waiting_for_review(editor, records)
    data = bulk(editor, {"action": "keep_mine", "filter": {}}).json["data"]
    assert (data["matched"], data["changed"], data["unchanged"]) == (3, 2, 1)
    assert [o["outcome"] for o in data["outcomes"]] == ["kept", "kept", "unchanged"]
    assert stored_statuses() == ["Denied", "Denied", "Pending"]
    assert editor.get("/api/authorizations?needs_review=true").json["total"] == 0


def test_take_source_settles_the_selected_rows_with_the_sources_values(editor, admin):
    records = seed(3)
    waiting_for_review(editor, records)
    body = {"action": "take_source", "filter": {"needs_review": "true"}}
    data = bulk(editor, body).json["data"]
    assert data["changed"] == 2 and data["ids"] == [records[0]["id"], records[1]["id"]]
    assert stored_statuses() == ["Expired", "Expired", "Pending"]
    audit = admin.get("/api/audit?action=review_take_source").json["data"]
    assert {(e["record_id"], e["username"]) for e in audit} == {
        (records[0]["id"], editor.username),
        (records[1]["id"], editor.username),
    }


def test_archive_in_bulk_archives_sent_rows_and_deletes_manual_ones(admin):
    records = seed(2)
    made = admin.post(
        "/api/authorizations",
        json={"patient_name": "By Hand", "authorization_number": "PA-H", "status": "Pending"},
    ).json["data"]
    selection = [*items(records), {"id": made["id"], "version": made["version"]}]
    response = bulk(admin, {"action": "archive", "items": selection})
    assert response.status_code == 200, response.json
    assert [o["outcome"] for o in response.json["data"]["outcomes"]] == [
        "archived",
        "archived",
        "deleted",
    ]
    assert admin.get("/api/authorizations").json["total"] == 0
    assert admin.get("/api/authorizations?archived=all").json["total"] == 2
    actions = {e["action"] for e in admin.get("/api/audit?user=" + admin.username).json["data"]}
    assert {"archive", "manual_delete"} <= actions


def test_restore_in_bulk_by_filter_looks_at_archived_rows(admin, editor):
    records = seed(3)
    bulk(admin, {"action": "archive", "items": items(records[:2])})
    response = bulk(editor, {"action": "restore", "filter": {"q": "Patient"}})
    assert response.status_code == 200, response.json
    data = response.json["data"]
    assert data["ids"] == [records[0]["id"], records[1]["id"]] and data["changed"] == 2
    assert editor.get("/api/authorizations").json["total"] == 3
    history = editor.get(f"/api/authorizations/{records[0]['id']}/history").json["data"]
    assert [h["action"] for h in history[:2]] == ["restore", "archive"]
    assert history[0]["username"] == editor.username


def test_restore_of_rows_not_archived_changes_nothing(editor):
    records = seed(2)
    data = bulk(editor, {"action": "restore", "items": items(records)}).json["data"]
    assert (data["changed"], data["unchanged"]) == (0, 2)


def test_bulk_works_the_same_on_drugs_and_drug_classes(editor, admin):
    made = [
        editor.post(
            "/api/drug-classes", json={"code": f"C{n}", "name": f"Class {n}", "class_type": "EPC"}
        ).json["data"]
        for n in range(3)
    ]
    body = {"action": "update", "filter": {"name": "Class"}, "values": {"class_type": "MOA"}}
    assert bulk(editor, body, "drug-classes").json["data"]["changed"] == 3
    selection = [{"id": r["id"], "version": r["version"] + 1} for r in made]  # after the update
    archived = bulk(admin, {"action": "archive", "items": selection}, "drug-classes")
    assert [o["outcome"] for o in archived.json["data"]["outcomes"]] == ["deleted"] * 3
    drug = editor.post(
        "/api/drugs", json={"set_id": "22222222-3333-4444-8555-666666666666", "title": "X"}
    ).json["data"]
    body = {"action": "update", "items": items([drug]), "values": {"dosage_form": "TABLET"}}
    assert bulk(editor, body, "drugs").json["data"]["changed"] == 1
    bad = bulk(
        editor, {"action": "update", "items": items([drug]), "values": {"set_id": "y"}}, "drugs"
    )
    assert bad.status_code == 422 and bad.json["error"]["details"]["field"] == "set_id"


def test_a_bulk_edit_is_protected_from_the_next_sync(editor):
    records = seed(1)
    bulk(editor, {"action": "update", "items": items(records), "values": {"status": "Denied"}})
    run = Run(source="portal", status="completed")
    db.session.add(run)
    db.session.commit()
    row = {k: records[0][k] for k in authorizations.SYNCED_FIELDS}
    row.update(
        source_key=records[0]["source_key"],
        service_start=date(2026, 1, 1),
        service_end=date(2026, 3, 31),
    )
    merge.merge_rows(authorizations.dataset("sandbox"), [row], run.id)
    db.session.commit()
    assert stored_statuses() == ["Denied"]
