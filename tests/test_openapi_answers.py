"""The document names the fields of every success answer, so scripts (and schemathesis's
response-schema check) know what each key holds; and it links each answer to the operations that
use what it names, for schemathesis's stateful phase."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from tests.test_record_archive import SYNCED

# Open by design: an analysis's `summary` and `data` hold each analysis's own figures and lists
# (README "Analytics" names them per analysis), so a stored or live analysis's answer documents
# them as objects without fixed keys. Every other answer names each level of its `data`.
OPEN_DATA = {"analysis", "get_result", "update_result"}
RECORD_DATASETS = ("authorizations", "drugs", "drug_classes")


@pytest.fixture
def document(client, bearer):
    return client.get("/api/openapi.json", headers=bearer("viewer")).json


def resolved(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def success_answers(document: dict[str, Any]):
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for code, response in operation["responses"].items():
                content = response.get("content", {}).get("application/json")
                if code.startswith("2") and content:
                    yield operation["operationId"], f"{method} {path}", content["schema"]


def named_fields(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """The properties of `schema` (one that may also be null: `anyOf` with null)."""
    schema = resolved(document, schema)
    for option in schema.get("anyOf", ()):
        if option.get("type") != "null":
            return named_fields(document, option)
    return schema.get("properties", {})


def test_every_success_answer_names_its_fields(document):
    bare = []
    for operation_id, where, schema in success_answers(document):
        fields = named_fields(document, schema)
        if not fields:
            bare.append(where)
            continue
        data = fields.get("data")
        if data is None or operation_id in OPEN_DATA:
            continue
        data = resolved(document, data)
        item = resolved(document, data.get("items", data))
        if item.get("type") == "object" and not named_fields(document, item):
            bare.append(f"{where} data")
    assert bare == []


def test_the_keys_the_readme_guarantees_are_in_the_answers(document):
    def fields_of(path: str, method: str = "get", code: str = "200") -> dict[str, Any]:
        answer = document["paths"][path][method]["responses"][code]
        return named_fields(document, answer["content"]["application/json"]["schema"])

    def item_of(path: str, method: str = "get", code: str = "200") -> dict[str, Any]:
        data = resolved(document, fields_of(path, method, code)["data"])
        return named_fields(document, data.get("items", data))

    page = fields_of("/api/drugs")
    assert {"success", "count", "total", "page", "per_page", "links", "data"} <= set(page)
    assert {"id", "version", "set_id", "title", "classes", "labeler_name"} <= set(
        item_of("/api/drugs")
    )
    assert {"ndcs", "ingredients", "version"} <= set(item_of("/api/drugs/{record_id}"))
    assert {"id", "version", "code", "name", "drug_count"} <= set(
        item_of("/api/drug-classes", "post", "201")
    )
    assert {"authorization_number", "status", "patient_name", "origin", "archived"} <= set(
        item_of("/api/authorizations")
    )
    assert {"success", "job_id", "status", "progress"} <= set(
        fields_of("/api/scrape/status/{job_id}")
    )
    assert {"analysis", "run_id", "computed_at", "filters", "summary", "data"} <= set(
        fields_of("/api/analytics/{analysis}")
    )
    assert {"from", "to", "analyses"} <= set(fields_of("/api/analytics/compare"))
    assert {"at", "level", "logger", "message"} <= set(item_of("/api/scrape-runs/{run_id}/log"))
    assert {"dataset", "records", "changes"} <= set(item_of("/api/scrape-runs/{run_id}/changes"))
    assert {"at", "kind", "action", "username", "record_url"} <= set(item_of("/api/audit"))
    assert {"token", "prefix"} <= set(item_of("/api/tokens", "post", "201"))
    assert {"cron", "next_fire_at", "paused", "last"} <= set(item_of("/api/schedules"))


@pytest.mark.parametrize(
    "path",
    [
        "/api/drugs",
        "/api/drugs/1",
        "/api/drug-classes/1",
        "/api/authorizations",
        "/api/scrape-runs",
        "/api/scrape/status/1",
        "/api/analytics/ndc",
        "/api/stats",
        "/api/users",
        "/api/tokens",
        "/api/audit",
        "/api/schedules",
    ],
)
def test_an_answer_matches_its_documented_fields(client, bearer, document, path):
    for make in SYNCED.values():
        make()
    headers = bearer("admin")
    answer = client.get(path, headers=headers)
    assert answer.status_code == 200
    template = {
        "/api/drugs/1": "/api/drugs/{record_id}",
        "/api/drug-classes/1": "/api/drug-classes/{record_id}",
        "/api/scrape/status/1": "/api/scrape/status/{job_id}",
        "/api/analytics/ndc": "/api/analytics/{analysis}",
    }.get(path, path)
    schema = document["paths"][template]["get"]["responses"]["200"]["content"]["application/json"]
    registry = Registry().with_resource("urn:doc", Resource(document, DRAFT202012))
    pointer = {"$ref": "urn:doc#" + schema["schema"]["$ref"].removeprefix("#")}
    jsonschema.Draft202012Validator(pointer, registry=registry).validate(answer.json)


@pytest.mark.parametrize("dataset", RECORD_DATASETS)
def test_a_created_record_links_to_reading_editing_and_deleting_it(document, dataset):
    operations = {
        op["operationId"]: op for ops in document["paths"].values() for op in ops.values()
    }
    links = operations[f"create_{dataset}"]["responses"]["201"]["links"]
    assert links[f"get_{dataset}"]["parameters"] == {"path.record_id": "$response.body#/data/id"}
    for write in (f"update_{dataset}", f"delete_{dataset}"):
        # A write names the version it read: the one the created record's answer holds.
        assert links[write]["parameters"]["query.version"] == "$response.body#/data/version"
        assert links[write]["requestBody"] == {"version": "$response.body#/data/version"}
    deleted = operations[f"delete_{dataset}"]["responses"]["200"]["links"]
    assert set(deleted) == {f"get_{dataset}"}  # read after delete: 404 (use-after-free)


def test_every_link_leads_to_an_operation_and_parameters_it_takes(document):
    operations = {
        op["operationId"]: op for ops in document["paths"].values() for op in ops.values()
    }
    followed = 0
    for source in operations.values():
        for response in source["responses"].values():
            for name, link in response.get("links", {}).items():
                target = operations[link["operationId"]]
                taken = {f"{p['in']}.{p['name']}" for p in target.get("parameters", [])}
                assert set(link["parameters"]) <= taken, (source["operationId"], name)
                followed += 1
    assert followed >= 60
