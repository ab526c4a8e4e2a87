"""Scripts written for the seed products keep working: every call in the README's "Seed
compatibility" table is made here against the real app (real PostgreSQL, the sandbox DailyMed and
portal, a real browser for the portal sync), with a token, checking the keys the table names."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from sandbox.catalogue import Catalogue
from tests.fixtures.sandbox import RunningSandbox, app_pointed_at

README = Path(__file__).resolve().parent.parent / "README.md"
ANALYSES = ("ndc", "drug-classes", "names", "urls", "time", "network", "text", "quality")
CALL = re.compile(r"`((?:GET|POST|PUT|PATCH|DELETE) /api/[^`]+)`")


def documented_calls() -> dict[str, str]:
    """`METHOD /path` → the keys cell, for each row of the README's seed compatibility table."""
    section = README.read_text().split("\n### Seed compatibility\n", 1)[1].split("\n### ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    calls = {}
    for row in rows:
        cells = [cell.strip() for cell in row.strip("|").split("|")]
        match = CALL.fullmatch(cells[0])
        assert match, f"not a call: {cells[0]}"
        calls[match.group(1)] = cells[2]
    return calls


def documented_keys(template: str) -> list[str]:
    """The answer keys the table names for a call (the backticked words before any `;` or `(`)."""
    cell = re.split(r"[;(]", documented_calls()[template], maxsplit=1)[0]
    return re.findall(r"`([a-z_]+)`", cell)


def call(
    client: FlaskClient,
    template: str,
    headers: dict[str, str],
    status: int = 200,
    **kwargs: Any,
) -> dict[str, Any]:
    """One documented call: the path filled from kwargs' `path` values, the status expected,
    and every key the README names for it present in the answer."""
    method, path = template.split(" ", 1)
    for name, value in kwargs.pop("path", {}).items():
        path = path.replace(f"<{name}>", str(value))
    response = client.open(path, method=method, headers=headers, **kwargs)
    assert response.status_code == status, (template, response.status_code, response.json)
    body = response.json
    missing = [key for key in documented_keys(template) if key not in body]
    assert not missing, f"{template} answered without {missing}: {body}"
    assert body["success"] is True
    return body


def wait_until_finished(client: FlaskClient, headers: dict[str, str], job_id: int) -> dict:
    """Poll the status call as a seed script does, until the job leaves queued / running."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        body = call(client, "GET /api/scrape/status/<job_id>", headers, path={"job_id": job_id})
        assert body["job_id"] == job_id
        if body["status"] not in ("queued", "running"):
            return body
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} still running after 120 s")


def versioned(record: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {**fields, "version": record["version"]}


@pytest.fixture
def portal_world(app, sandbox_portal: RunningSandbox) -> Iterator[None]:
    sandbox_portal.state.delay_ms = 50
    with app_pointed_at(app, sandbox_portal):
        yield


@pytest.fixture
def drug_world(dailymed_app, start_sandbox_dailymed):
    """A small sandbox DailyMed synced into the database (classes, drugs, NDCs)."""
    from tests.fixtures.dailymed_sync import run_sync

    base_url, _ = start_sandbox_dailymed(Catalogue(classes=6, labels=40))
    dailymed_app(base_url)
    run = run_sync()
    assert run.status == "completed", run.error_message


def test_valer_sync_scripts_trigger_poll_and_read_as_before(portal_world, client, bearer):
    headers = bearer("editor")
    started = call(client, "POST /api/scrape", headers, status=202)  # no body: the portal
    run = wait_until_finished(client, headers, started["job_id"])
    assert run["status"] == "completed", run["error"]
    assert run["source"] == "portal"

    a_list(client, "GET /api/authorizations", headers)
    runs = call(client, "GET /api/scrape-runs", headers)
    assert [r["id"] for r in runs["data"]] == [started["job_id"]]


@dataclass(frozen=True)
class Crud:
    """The calls a seed script makes on one Protego resource (rows of the README's table)."""

    collection: str  # "/api/drugs"

    @property
    def create(self) -> str:
        return f"POST {self.collection}"

    def on_one(self, method: str) -> str:
        return f"{method} {self.collection}/<id>"

    def calls(self) -> set[str]:
        return {self.create, *(self.on_one(m) for m in ("GET", "PUT", "PATCH", "DELETE"))}


DRUG_CLASSES = Crud("/api/drug-classes")
DRUGS = Crud("/api/drugs")


def a_list(client: FlaskClient, template: str, headers: dict[str, str], **kwargs: Any) -> dict:
    """A list call whose answer holds rows, `count` of them."""
    listed = call(client, template, headers, **kwargs)
    assert listed["count"] == len(listed["data"]) > 0, template
    return listed


def round_trip(
    client: FlaskClient,
    headers: dict[str, str],
    calls: Crud,
    created: dict[str, Any],
    replaced: dict[str, Any],
    patched: dict[str, Any],
) -> None:
    """Create, read, replace, patch and delete one record as a seed script does, each write with
    the version just read: every answer holds the fields sent, and the record (made by hand) is
    removed at the end, not archived."""
    made = call(client, calls.create, headers, status=201, json=created)["data"]
    one = {"id": made["id"]}
    record = call(client, calls.on_one("GET"), headers, path=one)["data"]
    assert {name: record[name] for name in created} == created
    for method, fields in (("PUT", replaced), ("PATCH", patched)):
        json = versioned(record, **fields)
        record = call(client, calls.on_one(method), headers, path=one, json=json)["data"]
        assert {name: record[name] for name in fields} == fields, method
    query = {"version": record["version"]}
    gone = call(client, calls.on_one("DELETE"), headers, path=one, query_string=query)
    assert gone["data"]["outcome"] == "deleted"


def test_protego_drug_class_crud(drug_world, client, bearer):
    headers = bearer("admin")
    a_list(client, "GET /api/drug-classes", headers)
    round_trip(
        client,
        headers,
        DRUG_CLASSES,
        created={"code": "N0000999999", "name": "Seed Class", "class_type": "EPC"},
        replaced={"name": "Seed Class Renamed", "class_type": "MOA"},
        patched={"name": "Seed Class Patched"},
    )


def test_protego_drug_crud_and_its_filters(drug_world, client, bearer):
    headers = bearer("admin")
    some = a_list(client, "GET /api/drugs", headers, query_string={"per_page": 200})["data"][0]
    detail = call(client, "GET /api/drugs/<id>", headers, path={"id": some["id"]})["data"]
    for name, value in (
        ("name", some["title"][:6]),
        ("drug_class_id", detail["classes"][0]["id"]),
        ("ndc", detail["ndcs"][0]["ndc"]),
    ):
        found = call(client, "GET /api/drugs", headers, query_string={name: value})
        assert some["id"] in [drug["id"] for drug in found["data"]], name

    round_trip(
        client,
        headers,
        DRUGS,
        created={"set_id": "00000000-0000-4000-8000-00000000feed", "title": "SEEDTAB 5 mg"},
        replaced={
            "title": "SEEDTAB 10 mg",
            "brand_name": "Seedtab",
            "generic_name": "seedamine",
            "dosage_form": "TABLET",
            "labeler_name": "Seed Labs",
            "published_date": "2024-11-13",
        },
        patched={"brand_name": "Seedtab XR"},
    )


def test_protego_analytics_runs_results_and_analyses(drug_world, client, bearer):
    headers = bearer("admin")
    started = call(client, "POST /api/analytics/run", headers, status=202)
    run = wait_until_finished(client, headers, started["job_id"])
    assert run["status"] == "completed", run["error"]

    first = a_list(client, "GET /api/analytics/results", headers)["data"][0]
    one = call(client, "GET /api/analytics/results/<id>", headers, path={"id": first["id"]})
    assert (one["id"], one["analysis"]) == (first["id"], first["analysis"])
    noted = call(
        client,
        "PUT /api/analytics/results/<id>",
        headers,
        path={"id": first["id"]},
        json={"note": "checked by the seed's script"},
    )
    assert noted["note"] == "checked by the seed's script"
    deleted = call(client, "DELETE /api/analytics/results/<id>", headers, path={"id": first["id"]})
    assert deleted["deleted"] == first["id"]

    for analysis in ANALYSES:
        body = call(client, "GET /api/analytics/<analysis>", headers, path={"analysis": analysis})
        assert body["analysis"] == analysis


def test_every_call_in_the_readme_table_is_made_by_these_tests():
    source = Path(__file__).read_text()
    made = set(re.findall(r'"((?:GET|POST|PUT|PATCH|DELETE) /api/[^"]+)"', source))
    made |= DRUG_CLASSES.calls() | DRUGS.calls()  # round_trip makes each of them
    assert set(documented_calls()) == made


def test_the_readme_table_names_every_analysis_the_api_serves(app):
    from analytics import registry

    assert "`GET /api/analytics/<analysis>`" in README.read_text()
    assert set(ANALYSES) == set(registry.ANALYZERS)
