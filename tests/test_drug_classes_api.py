"""/api/drug-classes: list with drug counts, filters, create, edit, delete, CSV."""

import pytest

from tests.fixtures.dailymed_sync import LABELS, sync_labels


@pytest.fixture
def catalogue(app) -> None:
    sync_labels(*LABELS)


def names(response) -> list[str]:
    assert response.status_code == 200, response.json
    return [c["name"] for c in response.json["data"]]


def test_the_list_counts_each_classs_drugs_and_sorts_on_the_count(client, bearer, catalogue):
    headers = bearer("viewer")
    body = client.get("/api/drug-classes?sort=-drug_count", headers=headers).json
    assert body["total"] == 4
    counts = [(c["name"], c["drug_count"]) for c in body["data"]]
    assert sorted(counts[:2]) == [
        ("Cyclooxygenase Inhibitors", 2),
        ("Nonsteroidal Anti-inflammatory Drug", 2),
    ]
    assert [count for _, count in counts[2:]] == [1, 1]


def test_the_list_filters_by_name_and_class_type(client, bearer, catalogue):
    headers = bearer("viewer")
    assert names(client.get("/api/drug-classes?name=INHIB", headers=headers)) == [
        "Angiotensin Converting Enzyme Inhibitor",
        "Cyclooxygenase Inhibitors",
        "Kinase Inhibitor",
    ]
    assert names(client.get("/api/drug-classes?class_type=MOA", headers=headers)) == [
        "Cyclooxygenase Inhibitors"
    ]
    bad = client.get("/api/drug-classes?class_type=moa", headers=headers)
    assert bad.status_code == 422 and bad.json["error"]["details"]["field"] == "class_type"


def test_an_editor_creates_and_renames_a_class_and_an_admin_deletes_it(client, bearer, catalogue):
    editor = bearer("editor")
    created = client.post(
        "/api/drug-classes",
        json={"code": "N0000009999", "name": "Local class", "class_type": "PE"},
        headers=editor,
    )
    assert created.status_code == 201, created.json
    data = created.json["data"]
    assert (data["code"], data["class_type"], data["drug_count"]) == ("N0000009999", "PE", 0)
    path = f"/api/drug-classes/{data['id']}"
    renamed = client.patch(
        path, json={"name": "Renamed", "version": data["version"]}, headers=editor
    )
    assert renamed.status_code == 200 and renamed.json["data"]["name"] == "Renamed"
    assert client.delete(path, headers=editor).status_code == 403
    assert client.delete(path, headers=bearer("admin")).status_code == 428
    version = renamed.json["data"]["version"]
    assert client.delete(f"{path}?version={version}", headers=bearer("admin")).status_code == 200
    assert client.get(path, headers=editor).status_code == 404


def test_deleting_a_class_keeps_its_drugs(client, bearer, catalogue):
    admin = bearer("admin")
    kinase = client.get("/api/drug-classes?name=kinase", headers=admin).json["data"][0]
    path = f"/api/drug-classes/{kinase['id']}?version={kinase['version']}"
    assert client.delete(path, headers=admin).status_code == 200
    assert client.get("/api/drugs", headers=admin).json["total"] == 4


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"name": "No code", "class_type": "EPC"}, 422, "code"),
        ({"code": "N1", "name": "Bad type", "class_type": "XYZ"}, 422, "class_type"),
        ({"code": "N1", "class_type": "EPC"}, 422, "name"),
        ({"code": "N0000175605", "name": "Twice", "class_type": "EPC"}, 409, "code"),
    ],
)
def test_bad_new_classes_are_refused_naming_the_field(
    client, bearer, catalogue, body, status, field
):
    response = client.post("/api/drug-classes", json=body, headers=bearer("editor"))
    assert response.status_code == status and response.json["error"]["details"]["field"] == field


def test_csv_export_lists_the_classes_shown(client, bearer, catalogue):
    response = client.get("/api/drug-classes/export.csv?class_type=EPC", headers=bearer())
    lines = response.get_data(as_text=True).strip().splitlines()
    assert lines[0].startswith("id,code,name,class_type,coding_system,drug_count")
    assert len(lines) == 4
