"""Every CSV export ends with `origin` (source or manual) and `archived_at`, after the columns
scripts already read by position; an export of selected ids with `archived=all` (what "Export
selection" sends) includes the archived ones."""

from __future__ import annotations

import csv
import io

import pytest

from tests.fixtures.app import if_match
from tests.test_record_archive import DATASETS, NEW_RECORDS, SYNCED

# The columns each export had before, in order: scripts read them by position.
LEADING = {
    "authorizations": ["id", "patient_name", "authorization_number", "status"],
    "drugs": ["id", "set_id", "title", "spl_version", "published_date", "label_url"],
    "drug-classes": ["id", "code", "name", "class_type", "coding_system", "drug_count"],
}


def exported(person, path: str, **args: str) -> tuple[list[str], list[dict[str, str]]]:
    response = person.get(path, query_string=args)
    assert response.status_code == 200, response.get_data(as_text=True)
    reader = csv.DictReader(io.StringIO(response.get_data(as_text=True)))
    rows = list(reader)
    return list(reader.fieldnames or []), rows


@pytest.mark.parametrize("dataset", DATASETS)
def test_an_export_ends_with_origin_and_archived_at(admin, editor, dataset):
    archived_id = SYNCED[dataset]()
    assert (
        admin.delete(
            f"/api/{dataset}/{archived_id}",
            headers=if_match(admin.client, f"/api/{dataset}/{archived_id}"),
        ).json["data"]["outcome"]
        == "archived"
    )
    manual_id = editor.post(f"/api/{dataset}", json=NEW_RECORDS[dataset]).json["data"]["id"]
    header, rows = exported(editor, f"/api/{dataset}/export.csv", archived="all")
    assert header[: len(LEADING[dataset])] == LEADING[dataset]
    assert header[-2:] == ["origin", "archived_at"]
    by_id = {int(row["id"]): row for row in rows}
    assert by_id[manual_id]["origin"] == "manual" and by_id[manual_id]["archived_at"] == ""
    assert by_id[archived_id]["origin"] == "source"
    assert by_id[archived_id]["archived_at"].startswith("20")  # an ISO timestamp


def test_the_ndc_form_ends_with_the_drugs_origin_and_archived_at(viewer):
    SYNCED["drugs"]()
    header, _rows = exported(viewer, "/api/drugs/export.csv", form="ndcs")
    assert header[:2] == ["ndc", "kind"] and header[-2:] == ["origin", "archived_at"]


@pytest.mark.parametrize("dataset", DATASETS)
def test_a_selection_with_an_archived_record_exports_it_with_archived_all(admin, dataset):
    archived_id = SYNCED[dataset]()
    admin.delete(
        f"/api/{dataset}/{archived_id}",
        headers=if_match(admin.client, f"/api/{dataset}/{archived_id}"),
    )
    path = f"/api/{dataset}/export.csv"
    assert exported(admin, path, ids=str(archived_id))[1] == []  # archived rows are hidden…
    _header, rows = exported(admin, path, ids=str(archived_id), archived="all")
    assert [int(row["id"]) for row in rows] == [archived_id]  # …unless asked for
