"""/api/analytics/time: labels published per month and per year, how often labels are revised,
and what syncs and people changed per day agree with the same figures counted in plain Python
over the rows a real sync stored (and the history it and a person wrote), unfiltered and under
filters — where only changes to the labels in scope count."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from database import db
from models import Drug, RecordChange
from tests.test_analytics import analysis, filter_cases, labels_in_scope, sync_sandbox


@pytest.fixture
def synced(dailymed_app, start_sandbox_dailymed) -> dict[str, list[tuple]]:
    stored = sync_sandbox(dailymed_app, start_sandbox_dailymed)
    drugs: dict[str, int] = {s: i for s, i in db.session.execute(sa.select(Drug.set_id, Drug.id))}
    edited = sorted(drugs)[:3]
    last_week = datetime.now(UTC) - timedelta(days=7)
    db.session.add_all(
        [
            *(
                RecordChange(
                    dataset="drugs",
                    record_id=drugs[set_id],
                    field="title",
                    action="edit",
                    old_value="before",
                    new_value="after",
                    actor_type="user",
                    changed_at=last_week,
                )
                for set_id in edited
            ),
            RecordChange(
                dataset="authorizations",
                record_id=1,
                field="status",
                action="edit",
                old_value="Pending",
                new_value="Approved",
                actor_type="user",
                changed_at=last_week - timedelta(days=1),
            ),
        ]
    )
    db.session.commit()
    set_ids = {drug_id: set_id for set_id, drug_id in drugs.items()}
    stored["changes"] = [
        (set_ids.get(record_id) if dataset == "drugs" else None, actor, changed_at)
        for dataset, record_id, actor, changed_at in db.session.execute(
            sa.select(
                RecordChange.dataset,
                RecordChange.record_id,
                RecordChange.actor_type,
                RecordChange.changed_at,
            )
        )
    ]
    return stored


def expected_time(stored: dict[str, list[tuple]], scope: set[str], filtered: bool) -> dict:
    drugs = [row for row in stored["drugs"] if row[0] in scope]
    dates = [row[3] for row in drugs if row[3]]
    versions = Counter(row[2] for row in drugs)
    days: dict[str, Counter[str]] = {}
    for set_id, actor, changed_at in stored["changes"]:
        if filtered and set_id not in scope:
            continue
        day = changed_at.astimezone(UTC).date().isoformat()
        days.setdefault(day, Counter())[actor] += 1
    return {
        "summary": {
            "labels": len(drugs),
            "undated": len(drugs) - len(dates),
            "first_published": min(dates).isoformat() if dates else None,
            "last_published": max(dates).isoformat() if dates else None,
            "revised_labels": sum(1 for row in drugs if row[2] and row[2] > 1),
            "changes": sum(sum(c.values()) for c in days.values()),
        },
        "data": {
            "published_per_month": sorted(Counter(d.strftime("%Y-%m") for d in dates).items()),
            "published_per_year": sorted(Counter(d.year for d in dates).items()),
            "versions": sorted(versions.items(), key=lambda item: (item[0] is None, item[0] or 0)),
            "changes_per_day": [
                (day, sum(days[day].values()), days[day]["sync"], days[day]["user"])
                for day in sorted(days)[-120:]
            ],
        },
    }


def test_the_time_analysis_counts_what_the_stored_dates_and_history_hold(client, bearer, synced):
    headers = bearer("viewer")
    for filters in filter_cases(synced):
        body = analysis(client, headers, "time", **filters)
        want = expected_time(synced, labels_in_scope(synced, **filters), bool(filters))
        data = body["data"]
        assert body["summary"] == want["summary"], filters
        months = [(item["month"], item["labels"]) for item in data["published_per_month"]]
        assert months == want["data"]["published_per_month"], filters
        years = [(item["year"], item["labels"]) for item in data["published_per_year"]]
        assert years == want["data"]["published_per_year"], filters
        versions = [(item["versions"], item["labels"]) for item in data["versions"]]
        assert versions == want["data"]["versions"], filters
        days = [
            (item["day"], item["changes"], item["by_sync"], item["by_people"])
            for item in data["changes_per_day"]
        ]
        assert days == want["data"]["changes_per_day"], filters
    unfiltered = analysis(client, headers, "time")
    assert unfiltered["summary"]["revised_labels"] > 0
    assert sum(day["by_sync"] for day in unfiltered["data"]["changes_per_day"]) > 0
    assert sum(day["by_people"] for day in unfiltered["data"]["changes_per_day"]) == 4
