"""Add, delete (archive) and restore records, the same for authorizations, drugs and classes:
a record a person creates is "manual" until a source sends it; deleting a record a source sends
archives it (hidden from lists, exports and counts; restorable), deleting a manual one removes
it; each is an event in the history and the audit log, naming the user."""

from datetime import date

import pytest
import sqlalchemy as sa

import merge
from database import db
from datasets import authorizations, drug_classes, drugs
from models import Run
from tests.fixtures.dailymed_sync import NEW_SET_ID


def synced_authorization(key: str = "1", name: str = "Ada Lovelace") -> int:
    """An authorization a portal sync wrote; its id."""
    run = Run(source="portal", status="completed")
    db.session.add(run)
    db.session.commit()
    row = {
        "source_key": key,
        "patient_name": name,
        "authorization_number": f"PA-{key}",
        "status": "Approved",
        "payer": "Acme Health",
        "service_start": date(2026, 1, 1),
        "service_end": date(2026, 3, 31),
        "amount": None,
        "extra": {},
    }
    result = merge.merge_rows(authorizations.dataset("sandbox"), [row], run.id)
    db.session.commit()
    return result.ids[(key,)]


def synced_drug() -> int:
    run = Run(source="dailymed", status="completed")
    db.session.add(run)
    db.session.commit()
    row = {"set_id": NEW_SET_ID, "title": "SYNCED TABLET", "spl_version": 1}
    result = merge.merge_rows(drugs.DATASET, [row], run.id)
    db.session.commit()
    return result.ids[(NEW_SET_ID,)]


def synced_class() -> int:
    run = Run(source="dailymed", status="completed")
    db.session.add(run)
    db.session.commit()
    row = {"code": "N0000175722", "coding_system": "x", "class_type": "EPC", "name": "NSAID"}
    result = merge.merge_rows(drug_classes.DATASET, [row], run.id)
    db.session.commit()
    return result.ids[("N0000175722",)]


NEW_RECORDS = {
    "authorizations": {
        "patient_name": "Grace Hopper",
        "authorization_number": "PA-NEW-1",
        "status": "Pending",
    },
    "drugs": {"set_id": "22222222-3333-4444-8555-666666666666", "title": "MINE TABLET"},
    "drug-classes": {"code": "MANUAL-1", "name": "Hand made class", "class_type": "EPC"},
}
SYNCED = {
    "authorizations": synced_authorization,
    "drugs": synced_drug,
    "drug-classes": synced_class,
}
DATASETS = tuple(NEW_RECORDS)


def history_actions(person, dataset: str, record_id: int) -> list[str]:
    body = person.get(f"/api/{dataset}/{record_id}/history").json
    return [change["action"] for change in body["data"]]


@pytest.mark.parametrize("dataset", DATASETS)
def test_an_editor_creates_a_record_and_it_is_manual(editor, viewer, dataset):
    assert viewer.post(f"/api/{dataset}", json=NEW_RECORDS[dataset]).status_code == 403
    created = editor.post(f"/api/{dataset}", json=NEW_RECORDS[dataset])
    assert created.status_code == 201, created.json
    data = created.json["data"]
    assert data["origin"] == "manual" and data["archived"] is False and data["archived_at"] is None
    assert history_actions(editor, dataset, data["id"]) == ["manual_create"]


def test_a_created_authorization_has_no_source_and_needs_its_number(editor):
    body = {"patient_name": "Grace Hopper", "status": "Pending"}
    refused = editor.post("/api/authorizations", json=body)
    assert refused.status_code == 422
    assert refused.json["error"]["details"]["field"] == "authorization_number"
    created = editor.post("/api/authorizations", json={**body, "authorization_number": "PA-9"})
    assert created.json["data"]["source"] is None and created.json["data"]["source_key"] is None


def test_a_used_authorization_number_is_409_on_create(editor):
    synced_authorization("7")
    body = {"patient_name": "Someone", "status": "Pending", "authorization_number": "PA-7"}
    refused = editor.post("/api/authorizations", json=body)
    assert refused.status_code == 409
    assert refused.json["error"]["details"]["field"] == "authorization_number"


@pytest.mark.parametrize("dataset", DATASETS)
def test_deleting_a_synced_record_archives_it_and_hides_it(admin, editor, viewer, dataset):
    record_id = SYNCED[dataset]()
    path = f"/api/{dataset}/{record_id}"
    assert viewer.get(path).json["data"]["origin"] == "source"
    assert editor.delete(path).status_code == 403
    deleted = admin.delete(path + "?version=1")
    assert deleted.status_code == 200, deleted.json
    assert deleted.json == {"success": True, "data": {"id": record_id, "outcome": "archived"}}
    record = viewer.get(path).json["data"]
    assert record["archived"] is True and record["archived_at"] and record["archived_by"]
    assert viewer.get(f"/api/{dataset}").json["total"] == 0
    assert viewer.get(f"/api/{dataset}?archived=true").json["total"] == 1
    assert viewer.get(f"/api/{dataset}?archived=all").json["total"] == 1
    export = viewer.get(f"/api/{dataset}/export.csv").get_data(as_text=True)
    assert len(export.strip().splitlines()) == 1  # the header only
    archived_export = viewer.get(f"/api/{dataset}/export.csv?archived=true").get_data(as_text=True)
    assert len(archived_export.strip().splitlines()) == 2
    assert history_actions(viewer, dataset, record_id)[0] == "archive"


@pytest.mark.parametrize("dataset", DATASETS)
def test_deleting_a_manual_record_removes_it_and_the_history_says_so(admin, editor, dataset):
    record_id = editor.post(f"/api/{dataset}", json=NEW_RECORDS[dataset]).json["data"]["id"]
    deleted = admin.delete(f"/api/{dataset}/{record_id}?version=1")
    assert deleted.json["data"] == {"id": record_id, "outcome": "deleted"}
    assert admin.get(f"/api/{dataset}/{record_id}").status_code == 404
    assert admin.get(f"/api/{dataset}?archived=all").json["total"] == 0
    audit = admin.get(f"/api/audit?action=manual_delete&dataset={dataset.replace('-', '_')}")
    entry = audit.json["data"][0]
    assert entry["record_id"] == record_id and entry["username"] == admin.username


@pytest.mark.parametrize("dataset", DATASETS)
def test_an_editor_restores_an_archived_record(admin, editor, viewer, dataset):
    record_id = SYNCED[dataset]()
    admin.delete(f"/api/{dataset}/{record_id}?version=1")
    assert viewer.post(f"/api/{dataset}/{record_id}/restore").status_code == 403
    restored = editor.post(f"/api/{dataset}/{record_id}/restore?version=2")
    assert restored.status_code == 200, restored.json
    assert restored.json["data"]["archived"] is False
    assert viewer.get(f"/api/{dataset}").json["total"] == 1
    assert history_actions(viewer, dataset, record_id)[:2] == ["restore", "archive"]
    audit = admin.get("/api/audit?action=restore").json["data"]
    assert [(e["record_id"], e["username"]) for e in audit] == [(record_id, editor.username)]


@pytest.mark.parametrize("dataset", DATASETS)
def test_an_archived_record_is_not_edited_until_it_is_restored(admin, editor, dataset):
    record_id = SYNCED[dataset]()
    path = f"/api/{dataset}/{record_id}"
    field = {"authorizations": "payer", "drugs": "title", "drug-classes": "name"}[dataset]
    admin.delete(path + "?version=1")
    refused = editor.patch(path, json={"version": 2, field: "Changed by hand"})
    assert refused.status_code == 409, refused.json
    assert refused.json["error"]["details"]["field"] == "archived"
    assert "restore it before editing" in refused.json["error"]["message"]
    assert refused.json["error"]["details"]["current"]["archived"] is True
    assert history_actions(editor, dataset, record_id)[0] == "archive"  # nothing written
    editor.post(path + "/restore?version=2")
    edited = editor.patch(path, json={"version": 3, field: "Changed by hand"})
    assert edited.status_code == 200, edited.json
    assert edited.json["data"][field] == "Changed by hand"


def test_archive_and_restore_refuse_a_stale_version_with_the_current_record(admin, editor):
    record_id = synced_authorization()
    path = f"/api/authorizations/{record_id}"
    stale = admin.delete(path + "?version=7")
    assert stale.status_code == 409
    assert stale.json["error"]["details"]["field"] == "version"
    assert stale.json["error"]["details"]["current"]["archived"] is False
    assert admin.delete(path, json={"version": 1}).json["data"]["outcome"] == "archived"
    assert editor.post(path + "/restore", json={"version": 1}).status_code == 409
    assert editor.post(path + "/restore?version=2").status_code == 200
    bad = editor.post(path + "/restore?version=two")
    assert bad.status_code == 422 and bad.json["error"]["details"]["field"] == "version"


def test_archiving_twice_is_one_archive(admin):
    record_id = synced_authorization()
    admin.delete(f"/api/authorizations/{record_id}?version=1")
    again = admin.delete(f"/api/authorizations/{record_id}?version=2")
    assert again.json["data"]["outcome"] == "archived"
    assert history_actions(admin, "authorizations", record_id).count("archive") == 1


def test_an_unknown_record_is_404_on_delete_and_restore(admin):
    assert admin.delete("/api/drugs/999?version=1").status_code == 404
    assert admin.post("/api/drugs/999/restore?version=1").status_code == 404


@pytest.mark.parametrize("value", ["yes", "0", "archived", "ALLX"])
def test_a_bad_archived_filter_is_422_naming_it(viewer, value):
    response = viewer.get(f"/api/drugs?archived={value}")
    assert response.status_code == 422
    assert response.json["error"]["details"]["field"] == "archived"


def test_the_overview_counts_leave_archived_records_out(admin):
    first = synced_authorization("1")
    synced_authorization("2", "Grace Hopper")
    admin.delete(f"/api/authorizations/{first}?version=1")
    counts = admin.get("/api/stats").json["data"]
    assert counts["datasets"]["authorizations"]["count"] == 1


def test_ids_selects_records_for_a_list_and_an_export(editor, viewer):
    ids = [
        editor.post(
            "/api/drug-classes", json={"code": f"C{n}", "name": f"Class {n}", "class_type": "EPC"}
        ).json["data"]["id"]
        for n in range(4)
    ]
    chosen = f"{ids[0]},{ids[2]}"
    listed = viewer.get(f"/api/drug-classes?ids={chosen}").json["data"]
    assert sorted(r["id"] for r in listed) == [ids[0], ids[2]]
    export = viewer.get(f"/api/drug-classes/export.csv?ids={chosen}").get_data(as_text=True)
    assert len(export.strip().splitlines()) == 3


@pytest.mark.parametrize(
    "value", ["1,x", "1;2", "-1", "\uff11", ",".join(str(n) for n in range(1, 1002))]
)
def test_bad_ids_are_422_naming_ids(viewer, value):
    response = viewer.get(f"/api/drugs/export.csv?ids={value}")
    assert response.status_code == 422
    assert response.json["error"]["details"]["field"] == "ids"
    assert viewer.get(f"/api/drugs?ids={value}").status_code == 422


def test_archived_records_keep_their_history_rows(admin):
    record_id = synced_drug()
    admin.delete(f"/api/drugs/{record_id}?version=1")
    count = db.session.scalar(
        sa.text("SELECT count(*) FROM record_changes WHERE record_id = :i"), {"i": record_id}
    )
    assert count >= 2
