"""PUT replaces a record whole where the API MedSync replaces had it (the Protego API: drugs and
drug classes); authorizations are corrected with PATCH only. The routes, the OpenAPI document and
the README's API tables say the same, and a PUT on an authorization is a 405 naming what it
takes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
RECORD_DATASETS = {"authorizations", "drugs", "drug-classes"}
REPLACED_WHOLE = {"drugs", "drug-classes"}


@pytest.fixture
def document(client, bearer):
    return client.get("/api/openapi.json", headers=bearer("viewer")).json


def test_a_put_on_an_authorization_is_a_405_naming_the_methods_it_takes(client, editor, bearer):
    made = editor.post(
        "/api/authorizations",
        json={"patient_name": "Ann Lee", "authorization_number": "PA-1", "status": "Pending"},
    ).json["data"]
    path = f"/api/authorizations/{made['id']}"
    response = client.put(
        path,
        json={"patient_name": "Someone Else", "version": made["version"]},
        headers=bearer("editor"),
    )
    assert response.status_code == 405
    assert response.json["error"]["code"] == "method_not_allowed"
    assert response.json["error"]["message"] == (
        "PUT is not allowed here: this URL takes DELETE, GET, PATCH."
    )
    assert set(response.headers["Allow"].split(", ")) >= {"GET", "PATCH", "DELETE"}
    assert editor.get(path).json["data"]["patient_name"] == "Ann Lee"


def test_the_document_offers_put_on_drugs_and_drug_classes_records_only(document):
    replaced = {
        path.split("/")[2]
        for path, operations in document["paths"].items()
        if "put" in operations and path.split("/")[2] in RECORD_DATASETS
    }
    assert replaced == REPLACED_WHOLE


def test_the_readme_names_put_for_the_same_datasets_as_the_document():
    calls = re.findall(r"`([A-Z]+(?:/[A-Z]+)*) (/api/[^`\s]+)`", README.read_text())
    named = {
        path.split("/")[2].split("[")[0] for methods, path in calls if "PUT" in methods.split("/")
    }
    assert named & RECORD_DATASETS == REPLACED_WHOLE
