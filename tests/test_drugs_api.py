"""/api/drugs/<id>: detail, create, replace, edit, delete, review, history."""

from datetime import date

import pytest
import sqlalchemy as sa

from database import db
from models import NdcCode
from scraper.dailymed import LabelSummary
from tests.fixtures.dailymed_sync import (
    IBUPROFEN,
    IMATINIB,
    LISINOPRIL,
    NEW_SET_ID,
    sync_labels,
)
from tests.fixtures.drugs_api import catalogue, editor_headers, find

__all__ = ["catalogue", "editor_headers"]  # fixtures used by the tests below


def test_the_detail_has_classes_ndcs_in_both_forms_ingredients_and_the_label_url(
    client, bearer, catalogue
):
    headers = bearer("viewer")
    drug = client.get(f"/api/drugs/{find(client, headers, IBUPROFEN)['id']}", headers=headers)
    data = drug.json["data"]
    assert (data["spl_version"], data["published_date"]) == (3, "2024-11-13")
    assert data["label_url"] == (
        f"https://dailymed.nlm.nih.gov/dailymed/drugInfo.cfm?setid={IBUPROFEN}"
    )
    assert [c["name"] for c in data["classes"]] == [
        "Nonsteroidal Anti-inflammatory Drug",
        "Cyclooxygenase Inhibitors",
    ]
    package = next(n for n in data["ndcs"] if n["kind"] == "package")
    assert (package["ndc"], package["ndc11"], package["ndc11_hyphenated"]) == (
        "0002-3227-30",
        "00002322730",
        "00002-3227-30",
    )
    assert package["format"] == "4-4-2" and "BOTTLE" in package["package_description"]
    assert package["normalized"] == "00002-3227-30"
    product = [(n["ndc"], n["normalized"]) for n in data["ndcs"] if n["kind"] == "product"]
    assert product == [("0002-3227", "00002-3227")]
    assert data["ingredients"] == [
        {"product_name": "Ibuprofen", "name": "IBUPROFEN", "strength": "200 mg in 1"}
    ]


def test_an_editor_corrects_a_title_and_the_drug_is_marked_edited(
    client, editor_headers, catalogue
):
    drug = find(client, editor_headers, IMATINIB)
    response = client.patch(
        f"/api/drugs/{drug['id']}",
        json={"title": "Gleevec (imatinib) 100 mg tablet", "version": drug["version"]},
        headers=editor_headers,
    )
    assert response.status_code == 200, response.json
    data = response.json["data"]
    assert data["title"] == "Gleevec (imatinib) 100 mg tablet" and data["is_manually_edited"]
    assert data["edited_fields"] == ["title"] and data["version"] == drug["version"] + 1
    assert data["ndcs"]  # the answer is the full detail
    assert client.get("/api/drugs?edited=true", headers=editor_headers).json["total"] == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": "  "}, "title"),
        ({"published_date": "13/11/2024"}, "published_date"),
        ({"spl_version": 9}, "spl_version"),
        ({"set_id": NEW_SET_ID}, "set_id"),
        ({"manufacturer": "Acme"}, "manufacturer"),
        ({"title": "New", "version": "seven"}, "version"),
    ],
)
def test_invalid_edits_are_422_naming_the_field_and_change_nothing(
    client, editor_headers, catalogue, body, field
):
    drug = find(client, editor_headers, IMATINIB)
    body = {"version": drug["version"], **body}
    response = client.patch(f"/api/drugs/{drug['id']}", json=body, headers=editor_headers)
    assert response.status_code == 422
    assert response.json["error"]["details"]["field"] == field
    assert find(client, editor_headers, IMATINIB)["version"] == drug["version"]


def test_a_stale_version_is_409_with_the_current_drug(client, editor_headers, catalogue):
    drug = find(client, editor_headers, IMATINIB)
    path = f"/api/drugs/{drug['id']}"
    client.patch(path, json={"title": "First", "version": drug["version"]}, headers=editor_headers)
    response = client.patch(
        path, json={"title": "Second", "version": drug["version"]}, headers=editor_headers
    )
    assert response.status_code == 409
    current = response.json["error"]["details"]["current"]
    assert current["title"] == "First" and current["version"] == drug["version"] + 1


def test_an_editor_creates_a_drug_by_hand(client, editor_headers, catalogue):
    response = client.post(
        "/api/drugs",
        json={"set_id": NEW_SET_ID, "title": "Compounded cream", "published_date": "2025-01-02"},
        headers=editor_headers,
    )
    assert response.status_code == 201, response.json
    data = response.json["data"]
    assert (data["set_id"], data["title"], data["published_date"]) == (
        NEW_SET_ID,
        "Compounded cream",
        "2025-01-02",
    )
    assert data["is_manually_edited"] and data["ndcs"] == []
    history = client.get(f"/api/drugs/{data['id']}/history", headers=editor_headers).json
    assert history["data"][0]["action"] == "manual_create"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": "No set id"}, "set_id"),
        ({"set_id": "not-a-set-id", "title": "Bad set id"}, "set_id"),
        ({"set_id": NEW_SET_ID}, "title"),
        ({"set_id": NEW_SET_ID, "title": "Bad", "spl_version": 0}, "spl_version"),
    ],
)
def test_creating_a_drug_without_what_it_needs_is_422_naming_the_field(
    client, editor_headers, catalogue, body, field
):
    response = client.post("/api/drugs", json=body, headers=editor_headers)
    assert response.status_code == 422 and response.json["error"]["details"]["field"] == field


def test_a_drug_with_a_set_id_already_stored_is_409_naming_it(client, editor_headers, catalogue):
    response = client.post(
        "/api/drugs", json={"set_id": IBUPROFEN, "title": "Again"}, headers=editor_headers
    )
    assert response.status_code == 409
    assert response.json["error"]["details"]["field"] == "set_id"


def test_a_hand_made_drug_that_later_arrives_from_dailymed_asks_for_review(
    client, editor_headers, catalogue
):
    created = client.post(
        "/api/drugs", json={"set_id": NEW_SET_ID, "title": "Mine"}, headers=editor_headers
    ).json["data"]
    sync_labels(LabelSummary(NEW_SET_ID, "THEIRS tablet", 2, date(2025, 3, 1)))
    drug = client.get(f"/api/drugs/{created['id']}", headers=editor_headers).json["data"]
    assert drug["title"] == "Mine" and drug["spl_version"] == 2
    assert drug["review"] == [{"field": "title", "yours": "Mine", "source": "THEIRS tablet"}]


def test_put_replaces_every_editable_field(client, editor_headers, catalogue):
    drug = find(client, editor_headers, LISINOPRIL)
    path = f"/api/drugs/{drug['id']}"
    unversioned = client.put(path, json={"title": "Lisinopril 10 mg"}, headers=editor_headers)
    assert unversioned.status_code == 428
    assert unversioned.json["error"]["code"] == "version_required"
    replaced = client.put(
        path, json={"title": "Lisinopril 10 mg", "version": drug["version"]}, headers=editor_headers
    )
    assert replaced.status_code == 200, replaced.json
    assert replaced.headers["ETag"] == f'"{drug["version"] + 1}"'
    data = replaced.json["data"]
    assert data["title"] == "Lisinopril 10 mg" and data["published_date"] is None
    current = {**editor_headers, "If-Match": replaced.headers["ETag"]}
    moved = client.put(path, json={"set_id": NEW_SET_ID, "title": "x"}, headers=current)
    assert moved.status_code == 422 and moved.json["error"]["details"]["field"] == "set_id"
    untitled = client.put(path, json={"published_date": "2024-01-01"}, headers=current)
    assert untitled.status_code == 422 and untitled.json["error"]["details"]["field"] == "title"


def test_only_an_admin_deletes_a_drug_and_a_synced_one_is_archived_with_its_ndcs(
    client, bearer, catalogue
):
    admin = bearer("admin")
    drug = find(client, admin, IBUPROFEN)
    path = f"/api/drugs/{drug['id']}"
    assert client.delete(path, headers=bearer("viewer")).status_code == 403
    assert client.delete(path, headers=bearer("editor")).status_code == 403
    deleted = client.delete(path, headers={**admin, "If-Match": f'"{drug["version"]}"'})
    assert deleted.status_code == 200
    assert deleted.json["data"] == {"id": drug["id"], "outcome": "archived"}
    assert client.get(path, headers=admin).json["data"]["archived"] is True
    assert (
        db.session.scalar(sa.select(sa.func.count(NdcCode.id)).where(NdcCode.drug_id == drug["id"]))
        > 0
    )


def test_a_viewer_cannot_create_or_edit(client, bearer, catalogue):
    viewer = bearer("viewer")
    drug = find(client, viewer, IBUPROFEN)
    assert client.post("/api/drugs", json={}, headers=viewer).status_code == 403
    assert client.patch(f"/api/drugs/{drug['id']}", json={}, headers=viewer).status_code == 403
    assert client.put(f"/api/drugs/{drug['id']}", json={}, headers=viewer).status_code == 403


@pytest.mark.parametrize("method", ["get", "patch", "put", "delete"])
def test_an_unknown_drug_is_404(client, bearer, method):
    response = getattr(client, method)(
        "/api/drugs/999", json={"title": "x", "version": 1}, headers=bearer()
    )
    assert response.status_code == 404
    assert client.get("/api/drugs/999/history", headers=bearer()).status_code == 404


def test_history_shows_the_edit_and_revert_restores_the_source_title(
    client, editor_headers, catalogue
):
    drug = find(client, editor_headers, IBUPROFEN)
    client.patch(
        f"/api/drugs/{drug['id']}",
        json={"title": "Mine", "version": drug["version"]},
        headers=editor_headers,
    )
    history = client.get(f"/api/drugs/{drug['id']}/history", headers=editor_headers).json["data"]
    latest = history[0]
    assert (latest["action"], latest["field"], latest["old_value"], latest["new_value"]) == (
        "manual_edit",
        "title",
        "IBUPROFEN tablet [Acme]",
        "Mine",
    )
    assert history[-1]["action"] == "sync_insert"
    reverted = client.post(
        f"/api/drugs/{drug['id']}/revert",
        json={"change_id": latest["id"], "version": drug["version"] + 1},
        headers=editor_headers,
    ).json["data"]
    assert reverted["title"] == "IBUPROFEN tablet [Acme]" and not reverted["is_manually_edited"]


def test_review_takes_the_source_title(client, editor_headers, catalogue):
    drug = find(client, editor_headers, IBUPROFEN)
    client.patch(
        f"/api/drugs/{drug['id']}",
        json={"title": "Mine", "version": drug["version"]},
        headers=editor_headers,
    )
    sync_labels(LabelSummary(IBUPROFEN, "IBUPROFEN 200 mg tablet", 4, date(2025, 1, 1)))
    path = f"/api/drugs/{drug['id']}/review"
    assert client.get("/api/drugs?needs_review=true", headers=editor_headers).json["total"] == 1
    current = client.get(f"/api/drugs/{drug['id']}", headers=editor_headers)
    assert current.headers["ETag"] == f'"{current.json["data"]["version"]}"'
    decision = {"field": "title", "decision": "source"}
    taken = client.post(
        path, json=decision, headers={**editor_headers, "If-Match": current.headers["ETag"]}
    )
    assert taken.status_code == 200, taken.json
    assert taken.json["data"]["title"] == "IBUPROFEN 200 mg tablet"
    assert taken.json["data"]["needs_review"] is False
