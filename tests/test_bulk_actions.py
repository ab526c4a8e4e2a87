"""POST /api/<dataset>/bulk: one action on a selection (listed items with their versions, or
every record a list filter matches), all or nothing. A refused row (stale version, unknown id,
invalid value) refuses the whole request, naming each row; at most 1,000 rows a request."""

from datetime import date

import sqlalchemy as sa

import merge
from database import db
from datasets import authorizations
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
