"""Exports people want: the drugs CSV carries each drug's NDCs, labeler codes, classes,
ingredients, dosage form and labeler (one row per drug, lists "; "-joined), and a second form
has one row per NDC for pharmacy systems. Both keep the list's filters and stream."""

from __future__ import annotations

import csv
import io
from collections import defaultdict

import pytest

from sandbox.catalogue import Catalogue
from tests.fixtures.dailymed_sync import run_sync, stored_catalogue


@pytest.fixture
def synced(dailymed_app, start_sandbox_dailymed) -> dict[str, list[tuple]]:
    base_url, _state = start_sandbox_dailymed(Catalogue(classes=8, labels=40))
    dailymed_app(base_url)
    run = run_sync()
    assert run.status == "completed", run.error_message
    return stored_catalogue()


def export(client, headers, **args: str) -> list[dict[str, str]]:
    response = client.get("/api/drugs/export.csv", query_string=args, headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "text/csv"
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def split(cell: str) -> list[str]:
    return cell.split("; ") if cell else []


def test_one_row_per_drug_with_its_ndcs_classes_and_ingredients(client, bearer, synced):
    rows = export(client, bearer("viewer"))
    assert len(rows) == len(synced["drugs"])
    ndcs, labelers, classes, ingredients = (defaultdict(list) for _ in range(4))
    for set_id, ndc, _kind, _fmt, _n11, _p9, labeler5, _desc in synced["ndcs"]:
        ndcs[set_id].append(ndc)
        if labeler5:
            labelers[set_id].append(labeler5)
    names = {code: f"{name} [{class_type}]" for code, class_type, name in synced["classes"]}
    for code, set_id in synced["memberships"]:
        classes[set_id].append(names[code])
    for set_id, _product, name, strength in synced["ingredients"]:
        ingredients[set_id].append(f"{name} {strength}" if strength else name)
    for row in rows:
        set_id = row["set_id"]
        assert sorted(split(row["ndcs"])) == sorted(ndcs[set_id])
        assert split(row["labeler_codes"]) == sorted(set(labelers[set_id]))
        assert split(row["classes"]) == sorted(classes[set_id])
        assert sorted(split(row["ingredients"])) == sorted(ingredients[set_id])
    # The columns scripts read by position come first, as before.
    assert list(rows[0])[:6] == [
        "id",
        "set_id",
        "title",
        "spl_version",
        "published_date",
        "label_url",
    ]
    assert {"dosage_form", "labeler_name"} <= set(rows[0])
    assert any(row["dosage_form"] and row["labeler_name"] for row in rows)


def test_one_row_per_ndc_for_pharmacy_systems_under_the_lists_filter(client, bearer, synced):
    headers = bearer("viewer")
    of_type = {code for code, class_type, _name in synced["classes"] if class_type == "EPC"}
    in_scope = {set_id for code, set_id in synced["memberships"] if code in of_type}
    rows = export(client, headers, form="ndcs", class_type="EPC")
    expected = sorted((s, ndc) for s, ndc, *_ in synced["ndcs"] if s in in_scope)
    assert sorted((row["set_id"], row["ndc"]) for row in rows) == expected
    by_ndc = {(s, ndc): rest for s, ndc, *rest in synced["ndcs"]}
    for row in rows:
        kind, ndc_format, ndc11, _p9, labeler5, _desc = by_ndc[(row["set_id"], row["ndc"])]
        assert (row["kind"], row["ndc_format"]) == (kind, ndc_format)
        assert row["ndc11"] == (ndc11 or "") and row["labeler_code"] == (labeler5 or "")
        assert row["title"] and row["drug_id"]
    # The records form under the same filter has the same drugs.
    drugs = export(client, headers, class_type="EPC")
    assert {row["set_id"] for row in drugs} == in_scope


@pytest.mark.parametrize(("path", "form"), [("drugs", "pdf"), ("drug-classes", "ndcs")])
def test_an_unknown_export_form_is_refused_naming_form(client, bearer, path, form):
    response = client.get(f"/api/{path}/export.csv?form={form}", headers=bearer("viewer"))
    assert response.status_code == 422
    assert response.json["error"]["details"]["field"] == "form"


def test_an_export_of_nothing_is_just_the_header(client, bearer, synced):
    rows = export(client, bearer("viewer"), form="ndcs", labeler="Nobody Pharma")
    assert rows == []
