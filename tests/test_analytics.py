"""/api/analytics/<analysis>: every analyzer's figures, computed live in SQL, agree with the
same figures counted in plain Python over the rows a real sync stored, unfiltered and under
filters; an empty database gives empty results; bad filters and analyses are refused."""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from typing import Any

import pytest
import sqlalchemy as sa

from database import db
from models import Authorization, Drug, DrugClass, NdcCode
from sandbox.catalogue import Catalogue
from scraper.ndc import hyphenated
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


def expected_ndc(stored: dict[str, list[tuple]], scope: set[str]) -> dict[str, Any]:
    codes = [row for row in stored["ndcs"] if row[0] in scope]
    products: dict[str, set[str]] = defaultdict(set)
    packages: dict[str, set[str]] = defaultdict(set)
    labels_of: dict[str, set[str]] = defaultdict(set)
    per_label = Counter({set_id: 0 for set_id in scope})
    seen: set[str] = set()
    for set_id, _ndc, _kind, _format, ndc11, product_ndc9, labeler5, _desc in codes:
        per_label[set_id] += 1
        if labeler5:
            seen.add(labeler5)
            if product_ndc9:
                products[labeler5].add(product_ndc9)
            if ndc11:
                packages[labeler5].add(ndc11)
        if ndc11:
            labels_of[ndc11].add(set_id)
    labelers = sorted(
        seen,
        key=lambda code: (-len(products[code]), -len(packages[code]), code),
    )
    formats = Counter({"4-4-2": 0, "5-3-2": 0, "5-4-1": 0, "5-4-2": 0, "unrecognised": 0})
    formats.update("5-4-2" if row[3] == "11-digit" else row[3] for row in codes)
    shared = sorted(
        ((ndc11, len(s)) for ndc11, s in labels_of.items() if len(s) > 1),
        key=lambda item: (-item[1], item[0]),
    )
    return {
        "labels": len(scope),
        "top_labelers": [
            {"labeler": code, "products": len(products[code]), "packages": len(packages[code])}
            for code in labelers[:20]
        ],
        "shared": [{"ndc": hyphenated(ndc11), "labels": n} for ndc11, n in shared],
        "ndcs_per_label": sorted(Counter(per_label.values()).items()),
        "formats": dict(formats),
        "unrecognised": sorted({row[1] for row in codes if row[3] == "unrecognised"}),
    }


def a_four_digit_labeler(stored: dict[str, list[tuple]]) -> str:
    """A labeler printed with four digits somewhere, named as printed (0002 for 00002)."""
    return next(row[1].split("-")[0] for row in stored["ndcs"] if row[3] == "4-4-2")


# -- ndc ----------------------------------------------------------------------------------------


def filter_cases(stored: dict[str, list[tuple]]) -> list[dict[str, str]]:
    return [{}, {"class_type": "MOA"}, {"labeler": a_four_digit_labeler(stored)}]


def test_the_ndc_analysis_counts_what_the_stored_codes_hold(client, bearer, synced):
    headers = bearer("viewer")
    for filters in filter_cases(synced):
        body = analysis(client, headers, "ndc", **filters)
        want = expected_ndc(synced, labels_in_scope(synced, **filters))
        data, summary = body["data"], body["summary"]
        assert summary["labels"] == want["labels"] > 0, filters
        top = [
            {k: item[k] for k in ("labeler", "products", "packages")}
            for item in data["top_labelers"]
        ]
        assert top == want["top_labelers"], filters
        assert [{k: i[k] for k in ("ndc", "labels")} for i in data["shared"]] == want["shared"]
        histogram = [(b["ndcs"], b["labels"]) for b in data["ndcs_per_label"]]
        assert histogram == want["ndcs_per_label"], filters
        assert {f["format"]: f["ndcs"] for f in data["formats"]} == want["formats"], filters
        assert [item["ndc"] for item in data["unrecognised"]] == want["unrecognised"], filters
        assert summary["unrecognised_ndcs"] == len(want["unrecognised"])
    assert body["filters"] == {"labeler": filters["labeler"].zfill(5)}


def test_the_sandbox_catalogue_exercises_what_the_ndc_analysis_looks_for(client, bearer, synced):
    data = analysis(client, bearer("viewer"), "ndc")["data"]
    assert data["shared"] and data["unrecognised"]  # a repackager and codes fitting no form
    four_digit = a_four_digit_labeler(synced)
    by_labeler = analysis(client, bearer("viewer"), "ndc", labeler=four_digit)["data"]
    printed = next(i for i in by_labeler["top_labelers"] if i["labeler"] == four_digit.zfill(5))
    assert four_digit in printed["printed_as"]  # 0002 and 00002 counted as one labeler


# -- drug-classes ------------------------------------------------------------------------------


def expected_drug_classes(stored: dict[str, list[tuple]], scope: set[str]) -> dict[str, Any]:
    stored = live_classes(stored)
    labels_of = {code: 0 for code, _type, _name in stored["classes"]}
    classes_of = Counter({set_id: 0 for set_id in scope})
    for code, set_id in stored["memberships"]:
        if set_id in scope:
            labels_of[code] += 1
            classes_of[set_id] += 1
    ranked = sorted(
        ((code, class_type, name) for code, class_type, name in stored["classes"]),
        key=lambda c: (-labels_of[c[0]], c[2]),
    )
    by_type: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for code, class_type, _name in ranked:
        if labels_of[code] and len(by_type[class_type]) < 10:
            by_type[class_type].append((code, labels_of[code]))
    return {
        "labels": len(scope),
        "labels_in_several_classes": sum(1 for n in classes_of.values() if n > 1),
        "top_classes": [(c, labels_of[c]) for c, _t, _n in ranked if labels_of[c]][:20],
        "top_classes_by_type": dict(by_type),
        "classes_per_label": sorted(Counter(classes_of.values()).items()),
        "empty_classes": sorted(c for c, n in labels_of.items() if n == 0),
    }


def test_the_drug_class_analysis_counts_what_the_stored_memberships_hold(client, bearer, synced):
    headers = bearer("viewer")
    several = []
    for filters in filter_cases(synced):
        body = analysis(client, headers, "drug-classes", **filters)
        want = expected_drug_classes(synced, labels_in_scope(synced, **filters))
        data, summary = body["data"], body["summary"]
        assert summary["labels"] == want["labels"] > 0, filters
        assert summary["labels_in_several_classes"] == want["labels_in_several_classes"]
        several.append(summary["labels_in_several_classes"])
        pairs = [(c["code"], c["labels"]) for c in data["top_classes"]]
        assert pairs == want["top_classes"], filters
        by_type = {
            class_type: [(c["code"], c["labels"]) for c in classes]
            for class_type, classes in data["top_classes_by_type"].items()
        }
        assert by_type == want["top_classes_by_type"], filters
        histogram = [(b["classes"], b["labels"]) for b in data["classes_per_label"]]
        assert histogram == want["classes_per_label"], filters
        assert sorted(c["code"] for c in data["empty_classes"]) == want["empty_classes"]
        assert summary["empty_classes"] == len(want["empty_classes"]), filters
    assert several[0] > 0  # the catalogue has labels in several classes


# -- quality -------------------------------------------------------------------------------------

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


# -- names ---------------------------------------------------------------------------------------


def expected_names(stored: dict[str, list[tuple]], scope: set[str]) -> dict[str, Any]:
    rows = [row for row in stored["names"] if row[0] in scope]
    brand = [row for row in rows if row[2]]
    generic = [row for row in rows if not row[2] and row[3]]
    labels_of: dict[str, set[str]] = defaultdict(set)
    for set_id, _title, _brand, generic_name in rows:
        for name in (generic_name or "").split("; "):
            if name.strip():
                labels_of[name.strip().upper()].add(set_id)
    top = sorted(labels_of, key=lambda name: (-len(labels_of[name]), name))[:20]

    def lengths(index: int) -> dict[str, Any]:
        sizes = [len(row[index]) for row in rows if row[index]]
        if not sizes:
            return {"count": 0, "min": None, "max": None, "mean": None, "median": None}
        return {
            "count": len(sizes),
            "min": min(sizes),
            "max": max(sizes),
            "mean": round(statistics.mean(sizes), 2),
            "median": float(statistics.median(sizes)),
        }

    return {
        "summary": {
            "labels": len(rows),
            "brand": len(brand),
            "generic": len(generic),
            "unnamed": len(rows) - len(brand) - len(generic),
        },
        "top_generic_names": [{"name": n, "labels": len(labels_of[n])} for n in top],
        "name_lengths": {"title": lengths(1), "brand_name": lengths(2), "generic_name": lengths(3)},
    }


def test_the_names_analysis_counts_what_the_stored_names_hold(client, bearer, synced):
    synced["names"] = sorted(
        db.session.execute(sa.select(Drug.set_id, Drug.title, Drug.brand_name, Drug.generic_name))
    )
    labelers = Counter(name for _set_id, name in synced["labelers"] if name)
    busiest = labelers.most_common(1)[0][0]
    headers = bearer("viewer")
    for filters in [{}, {"class_type": "MOA"}, {"labeler": busiest.swapcase()}]:
        body = analysis(client, headers, "names", **filters)
        want = expected_names(synced, labels_in_scope(synced, **filters))
        summary = {k: v for k, v in body["summary"].items() if k not in ("prefixes", "suffixes")}
        assert summary == want["summary"], filters
        assert body["summary"]["labels"] > 0 and body["summary"]["brand"] > 0, filters
        assert body["data"]["top_generic_names"] == want["top_generic_names"], filters
        assert body["data"]["name_lengths"] == want["name_lengths"], filters


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
