"""GET /api/<dataset>/fields: each dataset's field rules, declared once on the server (max lengths
from the model's columns) and served to the dashboard, which builds its editor from them; and
the server's own validation refuses exactly what those rules refuse."""

from __future__ import annotations

import dataclasses

import pytest

from database import db
from models import AUTHORIZATION_STATUSES, Authorization, DrugClass

NEW_RECORDS = {
    "/api/authorizations": None,  # only a portal sync makes one: merged in by a_record
    "/api/drugs": {"set_id": "0b3b2f5e-8a5b-4a4e-9a51-6f0f6a3c9d10", "title": "A drug"},
    "/api/drug-classes": {"code": "N0000009999", "name": "A class", "class_type": "PE"},
}

COMPLETE = {  # a new record of each dataset with every field its create rules require
    "/api/authorizations": {
        "patient_name": "Ada",
        "authorization_number": "PA-9",
        "status": "Pending",
    },
    "/api/drugs": NEW_RECORDS["/api/drugs"],
    "/api/drug-classes": NEW_RECORDS["/api/drug-classes"],
}


def a_record(client, headers, path: str) -> dict:
    if NEW_RECORDS[path] is None:
        db.session.add(
            Authorization(source="sandbox", source_key="1", patient_name="Ada", status="Pending")
        )
        db.session.commit()
        return client.get("/api/authorizations", headers=headers).json["data"][0]
    created = client.post(path, json=NEW_RECORDS[path], headers=headers)
    assert created.status_code == 201, created.json
    return created.json["data"]


def rules_of(client, headers, path: str, **args: str) -> dict[str, dict]:
    response = client.get(f"{path}/fields", query_string=args, headers=headers)
    assert response.status_code == 200, response.json
    return {rule["name"]: rule for rule in response.json["data"]}


def test_the_authorization_rules_are_served_with_lengths_from_the_model(client, bearer):
    rules = rules_of(client, bearer("viewer"), "/api/authorizations")
    assert list(rules) == [
        "patient_name",
        "authorization_number",
        "status",
        "payer",
        "amount",
        "service_start",
        "service_end",
    ]
    assert rules["patient_name"] == {
        "name": "patient_name",
        "label": "Patient name",
        "type": "text",
        "required": True,
        "max_length": Authorization.__table__.c.patient_name.type.length,
        "bulk": True,
        "in_profile": True,
    }
    assert rules["authorization_number"]["max_length"] == 120
    assert rules["status"] == {
        "name": "status",
        "label": "Status",
        "type": "choice",
        "required": True,
        "choices": list(AUTHORIZATION_STATUSES),
        "bulk": True,
        "in_profile": True,
    }
    assert rules["service_end"] == {
        "name": "service_end",
        "label": "Service end",
        "type": "date",
        "required": False,
        "bulk": True,
        "in_profile": False,  # the default profile, the-internet, has no service dates
    }


def test_the_authorization_rules_say_which_fields_the_portal_profile_fills(
    app, client, bearer, monkeypatch
):
    sandbox = dataclasses.replace(app.config["SETTINGS"], portal_profile="sandbox")
    monkeypatch.setitem(app.config, "SETTINGS", sandbox)
    rules = rules_of(client, bearer("viewer"), "/api/authorizations")
    left_out = [name for name, rule in rules.items() if not rule["in_profile"]]
    assert left_out == ["amount"]  # the sandbox portal has no amount column


def test_the_drug_and_class_rules_are_served(client, bearer):
    headers = bearer("viewer")
    drug = rules_of(client, headers, "/api/drugs")
    assert list(drug) == [
        "title",
        "brand_name",
        "generic_name",
        "dosage_form",
        "labeler_name",
        "published_date",
    ]
    assert drug["title"]["required"] and drug["title"]["max_length"] == 2000
    assert drug["dosage_form"] == {
        "name": "dosage_form",
        "label": "Dosage form",
        "type": "text",
        "required": False,
        "max_length": 2000,
        "bulk": True,
    }
    drug_class = rules_of(client, headers, "/api/drug-classes")
    assert drug_class["name"]["max_length"] == DrugClass.__table__.c.name.type.length
    assert drug_class["class_type"]["choices"] == ["EPC", "MOA", "PE", "CI"]


def test_an_authorization_number_cannot_be_set_in_bulk(client, bearer):
    rules = rules_of(client, bearer("viewer"), "/api/authorizations")
    assert [name for name, rule in rules.items() if not rule["bulk"]] == ["authorization_number"]


def test_the_create_rules_of_a_drug_add_its_set_id_and_label_version(client, bearer):
    rules = rules_of(client, bearer("viewer"), "/api/drugs", **{"for": "create"})
    assert list(rules)[:3] == ["set_id", "spl_version", "title"]
    assert rules["set_id"] == {
        "name": "set_id",
        "label": "Set id",
        "type": "text",
        "required": True,
        "max_length": 64,
        "bulk": False,
    }
    assert rules["spl_version"] == {
        "name": "spl_version",
        "label": "Label version",
        "type": "number",
        "required": False,
        "minimum": 1,
        "maximum": 2**31 - 1,  # the column is PostgreSQL's integer
        "bulk": False,
    }
    assert rules["title"]["required"] and rules["title"]["bulk"]


def test_the_create_rules_of_a_class_add_its_code_and_coding_system(client, bearer):
    rules = rules_of(client, bearer("viewer"), "/api/drug-classes", **{"for": "create"})
    assert list(rules) == ["code", "coding_system", "name", "class_type"]
    assert rules["code"]["required"] and rules["code"]["max_length"] == 64
    assert not rules["coding_system"]["required"]


def test_a_new_authorization_must_have_its_number(client, bearer):
    headers = bearer("viewer")
    created = rules_of(client, headers, "/api/authorizations", **{"for": "create"})
    edited = rules_of(client, headers, "/api/authorizations", **{"for": "edit"})
    assert list(created) == list(edited)  # nothing is set only on creation
    assert created["authorization_number"]["required"] is True
    assert edited["authorization_number"]["required"] is False
    assert created["authorization_number"]["in_profile"] is True


@pytest.mark.parametrize("path", list(NEW_RECORDS))
def test_an_unknown_purpose_of_the_rules_is_refused_naming_for(client, bearer, path):
    response = client.get(f"{path}/fields?for=delete", headers=bearer("viewer"))
    assert response.status_code == 422
    assert response.json["error"]["details"]["field"] == "for"
    assert "edit, create" in response.json["error"]["message"]


@pytest.mark.parametrize("path", list(NEW_RECORDS))
def test_what_the_create_rules_require_the_server_requires(client, bearer, path):
    headers = bearer("editor")
    for name, rule in rules_of(client, headers, path, **{"for": "create"}).items():
        if not rule["required"]:
            continue
        response = client.post(path, json={**COMPLETE[path], name: ""}, headers=headers)
        assert response.status_code == 422, (name, response.json)
        assert response.json["error"]["details"]["field"] == name


@pytest.mark.parametrize("path", list(NEW_RECORDS))
def test_the_server_refuses_what_its_served_rules_refuse(client, bearer, path):
    headers = bearer("editor")
    record = a_record(client, headers, path)

    def current() -> dict[str, str]:  # the record's version, as If-Match
        etag = client.get(f"{path}/{record['id']}", headers=headers).headers["ETag"]
        return {**headers, "If-Match": etag}

    for name, rule in rules_of(client, headers, path).items():
        refused = []
        if rule["required"]:
            refused.append(("", f"{rule['label']} is required."))
        if rule.get("max_length"):
            too_long = "x" * (rule["max_length"] + 1)
            refused.append((too_long, f"at most {rule['max_length']} characters"))
        if rule["type"] == "choice":
            refused.append(("Not a choice", f"must be one of {', '.join(rule['choices'])}"))
        for value, message in refused:
            response = client.patch(f"{path}/{record['id']}", json={name: value}, headers=current())
            assert response.status_code == 422, (name, value, response.json)
            error = response.json["error"]
            assert error["details"]["field"] == name and message in error["message"]
        if rule.get("max_length"):
            longest = "y" * rule["max_length"]
            response = client.patch(
                f"{path}/{record['id']}", json={name: longest}, headers=current()
            )
            assert response.status_code == 200, (name, response.json)
