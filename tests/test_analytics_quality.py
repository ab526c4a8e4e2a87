"""/api/analytics/quality: labels without NDCs, unrecognised codes and the records people edited,
waiting for review or missing from the source agree with the same counts in plain Python over
the rows a real sync stored (and people then flagged), unfiltered and under filters."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from database import db
from models import Authorization, Drug, DrugClass, NdcCode
from tests.fixtures.dailymed_sync import stored_catalogue
from tests.test_analytics import (
    analysis,
    archived,
    filter_cases,
    labels_in_scope,
    sync_sandbox,
)


@pytest.fixture
def synced(dailymed_app, start_sandbox_dailymed) -> dict[str, list[tuple]]:
    return sync_sandbox(dailymed_app, start_sandbox_dailymed)


FLAGS = ("is_manually_edited", "needs_review", "missing_from_source")


@pytest.fixture
def flagged(synced) -> dict[str, list[tuple]]:
    """The synced catalogue after people edited some records, a sync flagged others for review
    or missing, and two labels lost their NDCs; every row re-read."""
    set_ids = sorted(row[0] for row in synced["drugs"])
    for flag, chosen in (
        ("is_manually_edited", set_ids[0:3]),
        ("needs_review", set_ids[2:6]),
        ("missing_from_source", set_ids[6:7]),
    ):
        db.session.execute(sa.update(Drug).where(Drug.set_id.in_(chosen)).values({flag: True}))
    stripped = sa.select(Drug.id).where(Drug.set_id.in_(set_ids[10:12]))
    db.session.execute(sa.delete(NdcCode).where(NdcCode.drug_id.in_(stripped)))
    first_class = sorted(row[0] for row in synced["classes"])[0]
    db.session.execute(
        sa.update(DrugClass).where(DrugClass.code == first_class).values(needs_review=True)
    )
    db.session.add_all(
        [
            Authorization(source="demo", source_key="1", patient_name="A", needs_review=True),
            Authorization(source="demo", source_key="2", patient_name="B", is_manually_edited=True),
        ]
    )
    db.session.commit()
    stored = {**stored_catalogue(), "labelers": synced["labelers"]}
    for name, model, key in (
        ("drug_flags", Drug, Drug.set_id),
        ("class_flags", DrugClass, DrugClass.code),
        ("authorization_flags", Authorization, Authorization.source_key),
    ):
        columns = [key, *(getattr(model, flag) for flag in FLAGS)]
        stored[name] = sorted(db.session.execute(sa.select(*columns)))
    return stored


def expected_quality(stored: dict[str, list[tuple]], scope: set[str]) -> dict[str, Any]:
    with_codes = {row[0] for row in stored["ndcs"]}
    gone = archived()

    def counts(rows: list[tuple]) -> dict[str, int]:
        return {
            "records": len(rows),
            "edited": sum(1 for row in rows if row[1]),
            "needs_review": sum(1 for row in rows if row[2]),
            "missing_from_source": sum(1 for row in rows if row[3]),
        }

    return {
        "labels_without_ndcs": sorted(scope - with_codes),
        "unrecognised_ndcs": sorted(
            (row[1], row[0])
            for row in stored["ndcs"]
            if row[0] in scope and row[3] == "unrecognised"
        ),
        "records": {
            "drugs": counts([row for row in stored["drug_flags"] if row[0] in scope]),
            "drug_classes": counts(
                [row for row in stored["class_flags"] if row[0] not in gone["drug_classes"]]
            ),
            "authorizations": counts(
                [r for r in stored["authorization_flags"] if r[0] not in gone["authorizations"]]
            ),
        },
    }


def test_the_quality_analysis_counts_what_the_stored_records_say(client, bearer, flagged):
    headers = bearer("viewer")
    for filters in filter_cases(flagged):
        body = analysis(client, headers, "quality", **filters)
        want = expected_quality(flagged, labels_in_scope(flagged, **filters))
        data, summary = body["data"], body["summary"]
        without = sorted(item["set_id"] for item in data["labels_without_ndcs"])
        assert without == want["labels_without_ndcs"], filters
        assert summary["labels_without_ndcs"] == len(want["labels_without_ndcs"])
        unrecognised = sorted((i["ndc"], i["set_id"]) for i in data["unrecognised_ndcs"])
        assert unrecognised == want["unrecognised_ndcs"], filters
        assert summary["unrecognised_ndcs"] == len(want["unrecognised_ndcs"])
        records = {
            dataset: {k: v for k, v in figures.items() if k != "scoped"}
            for dataset, figures in data["records"].items()
        }
        assert records == want["records"], filters
        for figure in ("needs_review", "missing_from_source"):
            assert summary[figure] == sum(r[figure] for r in want["records"].values())
    unfiltered = expected_quality(flagged, labels_in_scope(flagged))
    assert len(unfiltered["labels_without_ndcs"]) >= 2
    assert unfiltered["records"]["drugs"]["edited"] == 3
    assert unfiltered["records"]["drugs"]["needs_review"] >= 4
