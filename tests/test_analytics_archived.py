"""Archived records are outside every analysis, as they are outside the lists: archiving a label,
a class and an authorization takes them out of each analysis's figures, filtered or not, the
plain-Python counts (which skip archived rows too) still agree, and a restore brings them back."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from analytics.registry import ANALYZERS
from database import db
from jobs import engine
from models import Authorization, Drug, DrugClass, NdcCode, RecordChange, drug_class_memberships
from tests import test_analytics_classes, test_analytics_names, test_analytics_ndc
from tests.fixtures.app import if_match
from tests.test_analytics import analysis, sync_sandbox

_members = drug_class_memberships.c


@pytest.fixture
def synced(dailymed_app, start_sandbox_dailymed) -> dict[str, list[tuple]]:
    """A synced catalogue and one authorization from the sandbox portal."""
    stored = sync_sandbox(dailymed_app, start_sandbox_dailymed)
    db.session.add(
        Authorization(
            source="sandbox",
            source_key="A-1",
            patient_name="Ann",
            source_values={"patient_name": "Ann"},  # a portal sent it: archived, not deleted
        )
    )
    db.session.commit()
    return stored


def chosen() -> dict[str, Any]:
    """A label with codes in at least two classes, a class with labels it is not in, and the
    authorization; each flagged as needing review, so the quality figures move too."""
    in_classes = sa.func.count(_members.drug_class_id)
    drug = db.session.scalars(
        sa.select(Drug)
        .join(drug_class_memberships, _members.drug_id == Drug.id)
        .where(sa.exists().where(NdcCode.drug_id == Drug.id))
        .group_by(Drug.id)
        .having(in_classes >= 2)
        .order_by(Drug.set_id)
        .limit(1)
    ).one()
    drug_class = db.session.scalars(
        sa.select(DrugClass)
        .join(drug_class_memberships, _members.drug_class_id == DrugClass.id)
        .where(
            DrugClass.id.not_in(
                sa.select(_members.drug_class_id).where(_members.drug_id == drug.id)
            )
        )
        .group_by(DrugClass.id)
        .order_by(sa.func.count().desc(), DrugClass.code)
        .limit(1)
    ).one()
    authorization = db.session.scalars(sa.select(Authorization)).one()
    for record in (drug, drug_class, authorization):
        record.needs_review = True
    db.session.commit()
    return {"drugs": drug, "drug_classes": drug_class, "authorizations": authorization}


def summaries(client, headers) -> dict[str, dict[str, Any]]:
    return {name: analysis(client, headers, name)["summary"] for name in ANALYZERS}


def changes_of(records: dict[str, Any]) -> int:
    """The history rows of these records (what the time analysis counts for them)."""
    return db.session.scalar(
        sa.select(sa.func.count()).where(
            sa.or_(
                *(
                    sa.and_(RecordChange.dataset == dataset, RecordChange.record_id == record.id)
                    for dataset, record in records.items()
                )
            )
        )
    )


def path(dataset: str, record: Any) -> str:
    return f"/api/{dataset.replace('_', '-')}/{record.id}"  # drug_classes: /api/drug-classes


def archive_all(client, admin: dict[str, str], records: dict[str, Any]) -> None:
    for dataset, record in records.items():
        response = client.delete(
            path(dataset, record), headers=if_match(client, path(dataset, record), admin)
        )
        assert response.status_code == 200, response.json
        assert response.json["data"]["outcome"] == "archived", response.json


def restore_all(client, admin: dict[str, str], records: dict[str, Any]) -> None:
    for dataset, record in records.items():
        response = client.post(
            path(dataset, record) + "/restore",
            headers=if_match(client, path(dataset, record), admin),
        )
        assert response.status_code == 200, response.json


def test_archiving_a_label_a_class_and_an_authorization_takes_them_out_of_every_analysis(
    client, bearer, synced
):
    admin, headers = bearer("admin"), bearer("viewer")
    records = chosen()
    drug, drug_class = records["drugs"], records["drug_classes"]
    codes = db.session.scalar(sa.select(sa.func.count()).where(NdcCode.drug_id == drug.id))
    their_changes = changes_of(records)
    before = summaries(client, headers)

    archive_all(client, admin, records)
    after = summaries(client, headers)

    for name in ("ndc", "drug-classes", "quality", "names", "time", "text"):
        assert after[name]["labels"] == before[name]["labels"] - 1, name
    assert after["ndc"]["ndcs"] == before["ndc"]["ndcs"] - codes
    assert after["drug-classes"]["classes"] == before["drug-classes"]["classes"] - 1
    assert after["quality"]["needs_review"] == before["quality"]["needs_review"] - 3
    # The label's two DailyMed links and the authorization's portal page.
    assert after["urls"]["records"] == before["urls"]["records"] - 2
    assert after["urls"]["links"] == before["urls"]["links"] - 3
    assert after["time"]["changes"] == before["time"]["changes"] - their_changes
    network = analysis(client, headers, "network")["data"]
    assert all(
        drug_class.id not in (pair["a"]["id"], pair["b"]["id"]) for pair in network["class_pairs"]
    )
    assert all(drug.set_id not in item["set_ids"] for item in network["linked_labels"])
    quality = analysis(client, headers, "quality")["data"]["records"]
    assert quality["authorizations"]["records"] == 0
    assert quality["drug_classes"]["needs_review"] == 0

    restore_all(client, admin, records)
    restored = summaries(client, headers)
    # Each archive and restore is a change of its own, to a record counted again.
    assert restored["time"].pop("changes") == before["time"].pop("changes") + 6
    assert restored == before


def test_the_plain_python_counts_agree_with_a_label_and_a_class_archived(client, bearer, synced):
    """The same checks as tests/test_analytics_{ndc,classes,names}.py, unfiltered and under
    filters (a class type among them, reached through classes not archived), with records
    archived."""
    admin = bearer("admin")
    archive_all(client, admin, chosen())
    test_analytics_ndc.test_the_ndc_analysis_counts_what_the_stored_codes_hold(
        client, bearer, synced
    )
    test_analytics_classes.test_the_drug_class_analysis_counts_what_the_stored_memberships_hold(
        client, bearer, synced
    )
    test_analytics_names.test_the_names_analysis_counts_what_the_stored_names_hold(
        client, bearer, synced
    )


def test_a_filter_on_an_archived_class_keeps_no_label(client, bearer, synced):
    admin = bearer("admin")
    records = chosen()
    class_id = str(records["drug_classes"].id)
    assert analysis(client, bearer("viewer"), "ndc", class_id=class_id)["summary"]["labels"] > 0
    archive_all(client, admin, records)
    assert analysis(client, bearer("viewer"), "ndc", class_id=class_id)["summary"]["labels"] == 0


def test_a_stored_run_leaves_archived_records_out_too(client, bearer, synced):
    admin, headers = bearer("admin"), bearer("viewer")
    before = summaries(client, headers)
    archive_all(client, admin, chosen())
    live = summaries(client, headers)
    run = engine.run_in_foreground("analytics", "tests")
    assert run.status == "completed", run.error_message
    for name in ANALYZERS:
        body = client.get(f"/api/analytics/{name}", headers=headers).json
        assert body["run_id"] == run.id, name  # the stored result, not a live one
        assert body["summary"] == live[name], name
    assert live["ndc"]["labels"] == before["ndc"]["labels"] - 1
