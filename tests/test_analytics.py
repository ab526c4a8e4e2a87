"""/api/analytics/<analysis>: the filters narrow the labels as the stored rows do; an empty
database gives empty results; bad filters and analyses are refused. What the analytics tests
share: a synced sandbox catalogue (`sync_sandbox`), one analysis as a script reads it
(`analysis`), and the labels a filter keeps, decided in plain Python (`labels_in_scope`). Each
analyzer's figures against the same figures counted in Python: test_analytics_<analysis>.py."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
import sqlalchemy as sa

from database import db
from models import Authorization, Drug, DrugClass
from sandbox.catalogue import Catalogue
from tests.fixtures.dailymed_sync import run_sync, stored_catalogue


def sync_sandbox(dailymed_app, start_sandbox_dailymed) -> dict[str, list[tuple]]:
    """A complete sync of a small sandbox catalogue; every row it stored, by natural keys (the
    `synced` fixture of every analytics test file)."""
    base_url, _state = start_sandbox_dailymed(Catalogue(classes=12, labels=150))
    dailymed_app(base_url)
    run = run_sync()
    assert run.status == "completed", run.error_message
    stored = stored_catalogue()
    stored["labelers"] = sorted(db.session.execute(sa.select(Drug.set_id, Drug.labeler_name)))
    return stored


@pytest.fixture
def synced(dailymed_app, start_sandbox_dailymed) -> dict[str, list[tuple]]:
    return sync_sandbox(dailymed_app, start_sandbox_dailymed)


def analysis(client, headers, name: str, **filters: str) -> dict[str, Any]:
    response = client.get(f"/api/analytics/{name}", headers=headers, query_string=filters)
    assert response.status_code == 200, response.json
    body = response.json
    assert body["success"] is True and body["analysis"] == name and body["run_id"] is None
    assert body["computed_at"]
    return body


# -- the same figures, counted in Python -------------------------------------------------------


def archived() -> dict[str, set[str]]:
    """The natural keys of the records archived now (set ids, class codes, authorization keys):
    every analysis leaves them out, as the lists do."""
    return {
        dataset: set(db.session.scalars(sa.select(key).where(model.archived_at.is_not(None))))
        for dataset, model, key in (
            ("drugs", Drug, Drug.set_id),
            ("drug_classes", DrugClass, DrugClass.code),
            ("authorizations", Authorization, Authorization.source_key),
        )
    }


def live_classes(stored: dict[str, list[tuple]]) -> dict[str, list[tuple]]:
    """`stored` with the archived classes and their memberships left out."""
    gone = archived()["drug_classes"]
    return {
        **stored,
        "classes": [row for row in stored["classes"] if row[0] not in gone],
        "memberships": [row for row in stored["memberships"] if row[0] not in gone],
    }


def labels_in_scope(stored: dict[str, list[tuple]], **filters: str) -> set[str]:
    """The set ids the filters keep, decided from the stored rows: never an archived label, and
    a class type reached only through classes not archived."""
    stored = live_classes(stored)
    set_ids = {row[0] for row in stored["drugs"]} - archived()["drugs"]
    if "class_type" in filters:
        of_type = {c for c, t, _n in stored["classes"] if t == filters["class_type"]}
        set_ids &= {set_id for code, set_id in stored["memberships"] if code in of_type}
    if "labeler" in filters and filters["labeler"].isdigit():
        code = filters["labeler"].zfill(5)
        set_ids &= {row[0] for row in stored["ndcs"] if row[6] == code}
    elif "labeler" in filters:
        wanted = filters["labeler"].lower()
        set_ids &= {s for s, name in stored["labelers"] if (name or "").lower() == wanted}
    return set_ids


def a_four_digit_labeler(stored: dict[str, list[tuple]]) -> str:
    """A labeler printed with four digits somewhere, named as printed (0002 for 00002)."""
    return next(row[1].split("-")[0] for row in stored["ndcs"] if row[3] == "4-4-2")


def filter_cases(stored: dict[str, list[tuple]]) -> list[dict[str, str]]:
    return [{}, {"class_type": "MOA"}, {"labeler": a_four_digit_labeler(stored)}]


# -- the other filters -----------------------------------------------------------------------


def test_class_id_dates_and_name_search_narrow_the_labels_as_the_stored_rows_do(
    client, bearer, synced
):
    headers = bearer("viewer")
    code = Counter(code for code, _set_id in synced["memberships"]).most_common(1)[0][0]
    class_id = db.session.scalar(sa.select(DrugClass.id).where(DrugClass.code == code))
    dates = sorted(row[3] for row in synced["drugs"] if row[3])
    start, end = dates[len(dates) // 4], dates[3 * len(dates) // 4]
    word = synced["drugs"][0][1].split()[0][:4].lower()
    cases = [
        ({"class_id": str(class_id)}, {s for c, s in synced["memberships"] if c == code}),
        (
            {"published_from": start.isoformat(), "published_to": end.isoformat()},
            {row[0] for row in synced["drugs"] if row[3] and start <= row[3] <= end},
        ),
        ({"q": word.upper()}, {row[0] for row in synced["drugs"] if word in row[1].lower()}),
    ]
    for filters, want in cases:
        body = analysis(client, headers, "names", **filters)
        assert body["summary"]["labels"] == len(want) > 0, filters
        assert body["filters"] == {k: int(v) if k == "class_id" else v for k, v in filters.items()}


# -- every analysis ------------------------------------------------------------------------------

ANALYSES = ("ndc", "drug-classes", "quality", "names", "urls", "time", "network", "text")


@pytest.mark.parametrize("name", ANALYSES)
def test_an_empty_database_gives_valid_empty_results(client, bearer, app, name):
    body = analysis(client, bearer("viewer"), name)
    assert body["filters"] == {}
    assert isinstance(body["summary"], dict) and isinstance(body["data"], dict)
    assert body["summary"] and all(value in (0, None) for value in body["summary"].values())


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("class_id", "abc"),
        ("class_id", "0"),
        ("class_type", "XYZ"),
        ("labeler", "123"),
        ("labeler", "1234567"),
        ("published_from", "2024-13-01"),
        ("published_to", "yesterday"),
        ("colour", "red"),
    ],
)
def test_a_bad_filter_is_refused_naming_it(client, bearer, app, name, value):
    for analysis_name in ANALYSES:
        response = client.get(
            f"/api/analytics/{analysis_name}", headers=bearer("viewer"), query_string={name: value}
        )
        assert response.status_code == 422, analysis_name
        error = response.json["error"]
        assert error["code"] == "validation_error" and error["details"]["field"] == name
        assert name in error["message"]


def test_a_date_range_ending_before_it_starts_is_refused(client, bearer, app):
    response = client.get(
        "/api/analytics/ndc?published_from=2024-02-01&published_to=2024-01-01",
        headers=bearer("viewer"),
    )
    assert response.status_code == 422
    assert response.json["error"]["details"]["field"] == "published_to"


def test_an_unknown_analysis_is_404_naming_the_known_ones(client, bearer, app):
    response = client.get("/api/analytics/horoscope", headers=bearer("viewer"))
    assert response.status_code == 404
    assert all(name in response.json["error"]["message"] for name in ANALYSES)


def test_the_analyses_need_credentials(client, app):
    assert client.get("/api/analytics/ndc").status_code == 401
