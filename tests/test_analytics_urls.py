"""/api/analytics/urls: every record's source links grouped by host and path pattern, and the
records whose link is missing or malformed, agree with the same links built and split in plain
Python over the rows a real sync stored (plus a label with no set id, one whose set id is no
UUID, and authorizations of a known and an unknown portal), unfiltered and under filters."""

from __future__ import annotations

import re
from collections import Counter
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from database import db
from models import Authorization, Drug
from tests.fixtures.app import if_match
from tests.test_analytics import analysis, filter_cases, labels_in_scope, sync_sandbox

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)
DAILYMED_PAGE = "https://dailymed.nlm.nih.gov/dailymed/drugInfo.cfm?setid="
SPL_DOCUMENT = "https://dailymed.nlm.nih.gov/dailymed/services/v2/spls/"
SANDBOX_PORTAL_PAGE = "http://127.0.0.1:5050/portal/authorizations"  # scraper/profiles/sandbox


@pytest.fixture
def synced(dailymed_app, start_sandbox_dailymed) -> dict[str, list[tuple]]:
    stored = sync_sandbox(dailymed_app, start_sandbox_dailymed)
    db.session.add_all(
        [
            Drug(set_id="", title="A LABEL WITHOUT SET ID"),
            Drug(set_id="not-a-uuid", title="A LABEL WITH A BROKEN SET ID"),
            Authorization(source="sandbox", source_key="A-1", patient_name="Ann"),
            Authorization(source="sandbox", source_key="A-2", patient_name="Bob"),
            Authorization(source="gone-portal", source_key="B-1", patient_name="Cy"),
        ]
    )
    db.session.commit()
    stored["drugs"] = sorted(db.session.execute(sa.select(Drug.set_id, Drug.title, Drug.id)))
    stored["authorizations"] = sorted(
        db.session.execute(sa.select(Authorization.source, Authorization.source_key))
    )
    return stored


def expected_urls(stored: dict[str, list[tuple]], scope: set[str], filtered: bool) -> dict:
    records = [  # (dataset, name, links); a link is None when it cannot be built
        ("drugs", title, [DAILYMED_PAGE + set_id, f"{SPL_DOCUMENT}{set_id}.xml"] if set_id else [])
        for set_id, title, _id in stored["drugs"]
        if set_id in scope
    ]
    if not filtered:
        records += [
            ("authorizations", key, [SANDBOX_PORTAL_PAGE] if source == "sandbox" else [])
            for source, key in stored["authorizations"]
        ]
    hosts: Counter[tuple[str, str]] = Counter()
    malformed, missing = [], []
    for dataset, name, links in records:
        if not links:
            missing.append((dataset, name))
        elif any(not UUID.search(link) for link in links if dataset == "drugs"):
            malformed.append((dataset, name))
        else:
            for link in links:
                parts = urlsplit(link)
                path = parts.path + (f"?{parts.query}" if parts.query else "")
                hosts[parts.netloc, UUID.sub("{set_id}", path)] += 1
    return {
        "summary": {
            "records": len(records),
            "links": sum(hosts.values()),
            "missing": len(missing),
            "malformed": len(malformed),
        },
        "hosts": sorted(
            ({"host": h, "pattern": p, "links": n} for (h, p), n in hosts.items()),
            key=lambda item: (-item["links"], item["host"], item["pattern"]),
        ),
        "missing": sorted(missing),
        "malformed": sorted(malformed),
    }


def test_the_urls_analysis_groups_the_links_the_stored_records_have(client, bearer, synced):
    headers = bearer("viewer")
    for filters in filter_cases(synced):
        body = analysis(client, headers, "urls", **filters)
        want = expected_urls(synced, labels_in_scope(synced, **filters), bool(filters))
        data = body["data"]
        assert body["summary"] == want["summary"], filters
        assert data["hosts"] == want["hosts"], filters
        assert [(i["dataset"], i["name"]) for i in data["missing"]] == want["missing"], filters
        assert [(i["dataset"], i["name"]) for i in data["malformed"]] == want["malformed"]
    patterns = {
        (item["host"], item["pattern"])
        for item in analysis(client, headers, "urls")["data"]["hosts"]
    }
    assert patterns == {
        ("dailymed.nlm.nih.gov", "/dailymed/drugInfo.cfm?setid={set_id}"),
        ("dailymed.nlm.nih.gov", "/dailymed/services/v2/spls/{set_id}.xml"),
        ("127.0.0.1:5050", "/portal/authorizations"),
    }


def test_a_broken_set_id_is_listed_with_the_link_it_gives(client, bearer, synced):
    body = analysis(client, bearer("viewer"), "urls")
    broken = next(i for i in body["data"]["malformed"] if i["name"].endswith("BROKEN SET ID"))
    assert broken["dataset"] == "drugs" and "not-a-uuid" in broken["link"]
    missing = {i["name"]: i["link"] for i in body["data"]["missing"]}
    assert missing == {"A LABEL WITHOUT SET ID": None, "B-1": None}


def test_an_authorization_without_source_counts_as_missing_its_portal_link(client, bearer, synced):
    """One a person made has no source (NULL): no portal link, counted and listed as missing."""
    viewer = bearer("viewer")
    before = analysis(client, viewer, "urls")["summary"]
    made = client.post(
        "/api/authorizations",
        json={"patient_name": "Dee Hand", "status": "Pending", "authorization_number": "PA-9"},
        headers=bearer("editor"),
    )
    assert made.status_code == 201, made.json
    assert made.json["data"]["source"] is None

    body = analysis(client, viewer, "urls")
    grown = {"records": before["records"] + 1, "missing": before["missing"] + 1}
    assert body["summary"] == {**before, **grown}
    listed = {(i["dataset"], i["id"], i["link"]) for i in body["data"]["missing"]}
    assert ("authorizations", made.json["data"]["id"], None) in listed


def test_a_record_without_a_name_of_its_own_is_listed_by_its_kind_and_id(client, bearer, synced):
    """One a person made has no portal key to name it: its kind and id do, and the item says
    where the API serves the record."""
    made = client.post(
        "/api/authorizations",
        json={"patient_name": "Dee Hand", "status": "Pending", "authorization_number": "PA-10"},
        headers=bearer("editor"),
    )
    assert made.status_code == 201, made.json
    record_id = made.json["data"]["id"]
    assert made.json["data"]["source_key"] is None

    missing = analysis(client, bearer("viewer"), "urls")["data"]["missing"]
    item = next(i for i in missing if i["dataset"] == "authorizations" and i["id"] == record_id)
    assert item == {
        "dataset": "authorizations",
        "id": record_id,
        "name": f"Authorization #{record_id}",
        "record": f"/api/authorizations/{record_id}",
        "link": None,
    }
    assert client.get(item["record"], headers=bearer("viewer")).json["data"]["id"] == record_id
    named = next(i for i in missing if i["name"] == "B-1")  # a portal's key still names its own
    assert named["record"] == f"/api/authorizations/{named['id']}"


def test_an_archived_authorization_leaves_the_urls_analysis_until_restored(client, bearer, synced):
    viewer, admin = bearer("viewer"), bearer("admin")
    before = analysis(client, viewer, "urls")
    gone_portal = db.session.scalars(
        sa.select(Authorization).where(Authorization.source_key == "B-1")
    ).one()
    gone_portal.source_values = {"patient_name": "Cy"}  # a portal sent it: archived, not deleted
    db.session.commit()
    path = f"/api/authorizations/{gone_portal.id}"
    assert (
        client.delete(path, headers=if_match(client, path, admin)).json["data"]["outcome"]
        == "archived"
    )

    archived = analysis(client, viewer, "urls")
    fewer = {
        "records": before["summary"]["records"] - 1,
        "missing": before["summary"]["missing"] - 1,
    }
    assert archived["summary"] == {**before["summary"], **fewer}
    assert "B-1" not in {i["name"] for i in archived["data"]["missing"]}
    assert client.post(path + "/restore", headers=if_match(client, path, admin)).status_code == 200
    assert analysis(client, viewer, "urls")["data"] == before["data"]
