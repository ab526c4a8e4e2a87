"""Manual records and archives against real syncs: the sandbox portal (real Chromium) and the
sandbox DailyMed over HTTP. A record a person made is joined by the sync that brings its natural
key (the person's values stay, differences wait for review); an archived record stays archived
and hidden whatever a later sync brings."""

import pytest
import sqlalchemy as sa

from database import db
from models import Drug
from sandbox.catalogue import Catalogue
from tests.fixtures.dailymed_sync import republish, run_sync
from tests.fixtures.sandbox import RunningSandbox, app_pointed_at
from tests.test_portal_sync import find, sync


@pytest.fixture
def portal_app(app, sandbox_portal: RunningSandbox):
    sandbox_portal.state.delay_ms = 50
    with app_pointed_at(app, sandbox_portal):
        yield app


@pytest.fixture
def dailymed(dailymed_app, start_sandbox_dailymed):
    """A small sandbox DailyMed the app points at; yields its state (nothing synced yet)."""
    base_url, state = start_sandbox_dailymed(Catalogue(classes=12, labels=150))
    dailymed_app(base_url)
    return state


def history_actions(person, dataset: str, record_id: int) -> list[str]:
    return [c["action"] for c in person.get(f"/api/{dataset}/{record_id}/history").json["data"]]


def drug_by_set_id(person, set_id: str) -> dict:
    db.session.expire_all()
    drug_id = db.session.scalar(sa.select(Drug.id).where(Drug.set_id == set_id))
    return person.get(f"/api/drugs/{drug_id}").json["data"]


# -- the portal ------------------------------------------------------------------------------


def test_a_portal_sync_joins_an_authorization_made_by_hand_by_its_number(
    portal_app, sandbox_portal, client, editor, bearer
):
    headers = bearer("editor")
    row = sandbox_portal.state.rows[0]
    made = editor.post(
        "/api/authorizations",
        json={
            "patient_name": "Typed By Hand",
            "authorization_number": row.authorization_number,
            "status": "Pending",
            "service_start": row.service_start.isoformat(),
            "service_end": row.service_end.isoformat(),
        },
    ).json["data"]
    assert made["origin"] == "manual" and made["source"] is None

    run = sync(client, headers)
    assert run["status"] == "completed", run["error"]
    rows = len(sandbox_portal.state.rows)
    assert run["records_inserted"] == rows - 1  # joined, not added beside it
    assert editor.get("/api/authorizations").json["total"] == rows
    joined = find(client, headers, row.authorization_number)
    assert joined["id"] == made["id"]
    assert joined["origin"] == "source" and joined["source"] == "sandbox"
    assert joined["source_key"] == row.authorization_number
    assert joined["patient_name"] == "Typed By Hand"  # the person's value stays
    assert joined["payer"] == row.payer  # a field the person left empty is the source's
    assert joined["needs_review"] is True
    review = {item["field"]: item for item in joined["review"]}
    assert review["patient_name"] == {
        "field": "patient_name",
        "yours": "Typed By Hand",
        "source": row.patient_name,
    }
    assert "service_start" not in review  # the source agreed: nothing to review
    assert "sync_joined" in history_actions(editor, "authorizations", made["id"])

    again = sync(client, headers)
    assert again["records_inserted"] == 0
    assert editor.get("/api/authorizations").json["total"] == rows


def test_a_portal_sync_never_brings_an_archived_authorization_back(
    portal_app, sandbox_portal, client, admin, editor, bearer
):
    headers = bearer("editor")
    sync(client, headers)
    rows = len(sandbox_portal.state.rows)
    target = sandbox_portal.state.rows[1]
    record = find(client, headers, target.authorization_number)
    archived = admin.delete(f"/api/authorizations/{record['id']}?version={record['version']}")
    assert archived.json["data"]["outcome"] == "archived"

    theirs = next(s for s in ("Expired", "Approved", "Denied") if s != record["status"])
    sandbox_portal.state.change_status(target.authorization_number, theirs)
    run = sync(client, headers)
    assert run["status"] == "completed", run["error"]
    assert run["records_inserted"] == 0
    assert editor.get("/api/authorizations").json["total"] == rows - 1
    after = editor.get(f"/api/authorizations/{record['id']}").json["data"]
    assert after["archived"] is True  # still archived, still hidden
    assert after["status"] == theirs  # the source's values were still recorded, quietly
    restored = editor.post(
        f"/api/authorizations/{record['id']}/restore", json={"version": after["version"]}
    )
    assert restored.json["data"]["archived"] is False
    assert editor.get("/api/authorizations").json["total"] == rows


# -- DailyMed --------------------------------------------------------------------------------


def test_a_dailymed_sync_joins_a_drug_made_by_hand_by_its_set_id(dailymed, editor):
    label = dailymed.catalogue.labels[0]
    made = editor.post("/api/drugs", json={"set_id": label.set_id, "title": "TYPED BY HAND"}).json[
        "data"
    ]
    assert made["origin"] == "manual"

    run = run_sync()
    assert run.status == "completed", run.error_message
    drug = drug_by_set_id(editor, label.set_id)
    assert drug["id"] == made["id"] and drug["origin"] == "source"
    assert drug["title"] == "TYPED BY HAND" and drug["spl_version"] == label.spl_version
    assert drug["needs_review"] is True
    assert {"field": "title", "yours": "TYPED BY HAND", "source": label.title} in drug["review"]
    assert "sync_joined" in history_actions(editor, "drugs", made["id"])
    assert db.session.scalar(sa.select(sa.func.count()).where(Drug.set_id == label.set_id)) == 1


def test_a_dailymed_sync_never_brings_an_archived_drug_back(dailymed, admin, viewer):
    assert run_sync().status == "completed"
    total = viewer.get("/api/drugs").json["total"]
    label = dailymed.catalogue.labels[2]
    drug = drug_by_set_id(viewer, label.set_id)
    archived = admin.delete(f"/api/drugs/{drug['id']}?version={drug['version']}")
    assert archived.json["data"]["outcome"] == "archived"

    republish(dailymed, label.set_id, title="RETITLED BY THE SOURCE")
    run = run_sync()
    assert run.status == "completed", run.error_message
    after = drug_by_set_id(viewer, label.set_id)
    assert after["archived"] is True and after["title"] == "RETITLED BY THE SOURCE"
    assert viewer.get("/api/drugs").json["total"] == total - 1
    assert viewer.get(f"/api/drugs?archived=true&ids={drug['id']}").json["total"] == 1
