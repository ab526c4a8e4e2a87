"""/api/drugs: list filters, detail, create, replace, edit, delete, review, history, CSV."""

from datetime import date

import pytest
import sqlalchemy as sa

from database import db
from models import NdcCode
from scraper.dailymed import LabelSummary
from tests.fixtures.dailymed_sync import (
    IBUPROFEN,
    IMATINIB,
    LABELS,
    LISINOPRIL,
    NAPROXEN,
    NEW_SET_ID,
    sync_labels,
)


@pytest.fixture
def catalogue(app) -> dict[str, dict]:
    sync_labels(*LABELS)
    return {d.set_id: d for d in LABELS}


@pytest.fixture
def editor_headers(bearer):
    return bearer("editor")


def find(client, headers, set_id: str) -> dict:
    drugs = client.get("/api/drugs?per_page=200", headers=headers).json["data"]
    return next(d for d in drugs if d["set_id"] == set_id)


def titles(response) -> list[str]:
    assert response.status_code == 200, response.json
    return [d["title"] for d in response.json["data"]]


def test_the_list_sorts_by_title_and_pages(client, bearer, catalogue):
    headers = bearer("viewer")
    body = client.get("/api/drugs", headers=headers).json
    assert body["total"] == 4 and [d["title"] for d in body["data"]] == [
        "Gleevec® (IMATINIB MESYLATE) tablet",
        "IBUPROFEN tablet [Acme]",
        "LISINOPRIL tablet",
        "NAPROXEN SODIUM tablet",
    ]
    newest_first = titles(client.get("/api/drugs?sort=-published_date", headers=headers))
    assert newest_first[0] == "IBUPROFEN tablet [Acme]"
    page = client.get("/api/drugs?per_page=3&page=2", headers=headers).json
    assert page["count"] == 1 and page["pages"] == 2


def test_the_list_filters_by_name_class_and_class_type(client, bearer, catalogue):
    headers = bearer("viewer")
    assert titles(client.get("/api/drugs?name=imatinib", headers=headers)) == [
        "Gleevec® (IMATINIB MESYLATE) tablet"
    ]
    assert titles(client.get("/api/drugs?name=%25", headers=headers)) == []  # % is text
    kinase = client.get("/api/drug-classes?name=kinase", headers=headers).json["data"][0]
    by_class = client.get(f"/api/drugs?drug_class_id={kinase['id']}", headers=headers)
    assert titles(by_class) == ["Gleevec® (IMATINIB MESYLATE) tablet"]
    by_type = client.get("/api/drugs?class_type=MOA", headers=headers)
    assert titles(by_type) == ["IBUPROFEN tablet [Acme]", "NAPROXEN SODIUM tablet"]
    by_q = client.get("/api/drugs?q=00002-3227-30", headers=headers)
    assert titles(by_q) == ["IBUPROFEN tablet [Acme]"]


def test_each_drug_carries_the_brand_generic_form_and_labeler_its_title_names(
    client, bearer, catalogue
):
    headers = bearer("viewer")
    gleevec = find(client, headers, IMATINIB)
    assert {k: gleevec[k] for k in ("brand_name", "generic_name", "dosage_form")} == {
        "brand_name": "Gleevec",
        "generic_name": "IMATINIB MESYLATE",
        "dosage_form": "TABLET",
    }
    assert gleevec["labeler_name"] is None  # the title names none
    ibuprofen = client.get(f"/api/drugs/{find(client, headers, IBUPROFEN)['id']}", headers=headers)
    assert ibuprofen.json["data"]["brand_name"] is None
    assert ibuprofen.json["data"]["labeler_name"] == "Acme"


def test_the_list_filters_by_labeler_name_or_code_and_by_dosage_form(client, bearer, catalogue):
    headers = bearer("viewer")
    for labeler in ("Acme", "ACME", " acme "):
        by_name = client.get("/api/drugs", query_string={"labeler": labeler}, headers=headers)
        assert titles(by_name) == ["IBUPROFEN tablet [Acme]"]
    assert titles(client.get("/api/drugs?labeler=Acm", headers=headers)) == []  # exact
    for code in ("0002", "00002"):  # the NDC labeler segment as printed or normalised
        by_code = client.get(f"/api/drugs?labeler={code}", headers=headers)
        assert titles(by_code) == ["IBUPROFEN tablet [Acme]"]
    assert titles(client.get("/api/drugs?labeler=50580", headers=headers)) == [
        "Gleevec® (IMATINIB MESYLATE) tablet"
    ]
    assert len(titles(client.get("/api/drugs?dosage_form=Tablet", headers=headers))) == 4
    film_coated = client.get("/api/drugs?dosage_form=TABLET, FILM COATED", headers=headers)
    assert titles(film_coated) == []
    both = client.get("/api/drugs?dosage_form=tablet&labeler=acme&name=ibu", headers=headers)
    assert titles(both) == ["IBUPROFEN tablet [Acme]"]


def test_a_label_of_several_products_is_found_by_each_of_its_dosage_forms(
    client, editor_headers, catalogue
):
    """The text analysis counts each of a label's joined forms; the list its bar opens must
    find the same labels."""
    drug = find(client, editor_headers, IMATINIB)
    patched = client.patch(
        f"/api/drugs/{drug['id']}",
        json={"dosage_form": "TABLET, FILM COATED; CAPSULE", "version": drug["version"]},
        headers=editor_headers,
    )
    assert patched.status_code == 200, patched.json
    for form in ("capsule", "TABLET, FILM COATED", " Capsule "):
        found = client.get("/api/drugs", query_string={"dosage_form": form}, headers=editor_headers)
        assert titles(found) == ["Gleevec® (IMATINIB MESYLATE) tablet"]
    assert titles(client.get("/api/drugs?dosage_form=CAPS", headers=editor_headers)) == []


def test_the_list_filters_by_active_ingredient_in_any_case(client, bearer, catalogue):
    headers = bearer("viewer")
    for ingredient in ("NAPROXEN SODIUM", "naproxen sodium", " Naproxen Sodium "):
        found = client.get("/api/drugs", query_string={"ingredient": ingredient}, headers=headers)
        assert titles(found) == ["NAPROXEN SODIUM tablet"]
    assert titles(client.get("/api/drugs?ingredient=NAPROXEN", headers=headers)) == []  # exact


def test_the_list_filters_by_published_date_range_inclusive(client, editor_headers, catalogue):
    dates = {IMATINIB: "2023-12-31", IBUPROFEN: "2024-01-31", LISINOPRIL: "2024-03-01"}
    dates[NAPROXEN] = "2025-01-01"
    for set_id, published in dates.items():
        drug = find(client, editor_headers, set_id)
        patched = client.patch(
            f"/api/drugs/{drug['id']}",
            json={"published_date": published, "version": drug["version"]},
            headers=editor_headers,
        )
        assert patched.status_code == 200, patched.json

    def published(**dates) -> list[str]:
        return titles(client.get("/api/drugs", query_string=dates, headers=editor_headers))

    assert published(published_from="2024-01-31", published_to="2024-03-01") == [
        "IBUPROFEN tablet [Acme]",
        "LISINOPRIL tablet",
    ]
    assert published(published_to="2024-02-29") == [
        "Gleevec® (IMATINIB MESYLATE) tablet",
        "IBUPROFEN tablet [Acme]",
    ]
    assert published(published_from="2024-02-01", published_to="2024-12-31") == [
        "LISINOPRIL tablet"
    ]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"published_from": "2024-13-01"}, "published_from"),
        ({"published_to": "yesterday"}, "published_to"),
        ({"published_from": "\uff12\uff10\uff12\uff14-01-01"}, "published_from"),  # fullwidth
        ({"published_from": "2024-05-01", "published_to": "2024-04-30"}, "published_from"),
    ],
)
def test_a_bad_published_date_filter_is_refused_naming_it(client, bearer, catalogue, query, field):
    refused = client.get("/api/drugs", query_string=query, headers=bearer("viewer"))
    assert refused.status_code == 422, refused.json
    assert refused.json["error"]["details"]["field"] == field
    assert field in refused.json["error"]["message"]


def test_a_corrected_dosage_form_is_found_by_its_new_value(client, editor_headers, catalogue):
    drug = find(client, editor_headers, LISINOPRIL)
    patched = client.patch(
        f"/api/drugs/{drug['id']}",
        json={
            "dosage_form": "TABLET, FILM COATED",
            "labeler_name": "Lupin",
            "version": drug["version"],
        },
        headers=editor_headers,
    )
    assert patched.status_code == 200, patched.json
    assert patched.json["data"]["edited_fields"] == ["dosage_form", "labeler_name"]
    found = client.get(
        "/api/drugs?dosage_form=tablet, film coated&labeler=LUPIN", headers=editor_headers
    )
    assert titles(found) == ["LISINOPRIL tablet"]


def test_list_items_carry_their_classes_without_a_query_per_row(client, bearer, catalogue):
    headers = bearer("viewer")
    statements: list[str] = []

    def count(conn, cursor, statement, *args) -> None:
        statements.append(statement)

    client.get("/api/drugs", headers=headers)  # the token's first use is written once
    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        one = client.get("/api/drugs?per_page=1", headers=headers)
        one_page = len(statements)
        statements.clear()
        every = client.get("/api/drugs?per_page=100", headers=headers).json["data"]
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)

    assert one.status_code == 200 and len(every) == 4
    assert len(statements) == one_page  # the classes of a page come in one query
    ibuprofen = next(d for d in every if d["set_id"] == IBUPROFEN)
    expected = [
        ("Nonsteroidal Anti-inflammatory Drug", "EPC"),
        ("Cyclooxygenase Inhibitors", "MOA"),
    ]
    assert [(c["name"], c["class_type"]) for c in ibuprofen["classes"]] == expected
    found = client.get("/api/drugs?name=ibuprofen", headers=headers).json["data"]  # a search
    assert [(c["name"], c["class_type"]) for c in found[0]["classes"]] == expected


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("drug_class_id=kinase", "drug_class_id"),
        ("class_type=XYZ", "class_type"),
        ("sort=ssn", "sort"),
        ("labeler=123", "labeler"),
        ("labeler=123456", "labeler"),
    ],
)
def test_bad_list_arguments_are_4xx_naming_them(client, bearer, catalogue, query, field):
    response = client.get(f"/api/drugs?{query}", headers=bearer("viewer"))
    assert (
        response.status_code in (400, 422) and response.json["error"]["details"]["field"] == field
    )


def test_the_detail_has_classes_ndcs_in_both_forms_ingredients_and_the_label_url(
    client, bearer, catalogue
):
    headers = bearer("viewer")
    drug = client.get(f"/api/drugs/{find(client, headers, IBUPROFEN)['id']}", headers=headers)
    data = drug.json["data"]
    assert (data["spl_version"], data["published_date"]) == (3, "2024-11-13")
    assert data["label_url"] == (
        f"https://dailymed.nlm.nih.gov/dailymed/drugInfo.cfm?setid={IBUPROFEN}"
    )
    assert [c["name"] for c in data["classes"]] == [
        "Nonsteroidal Anti-inflammatory Drug",
        "Cyclooxygenase Inhibitors",
    ]
    package = next(n for n in data["ndcs"] if n["kind"] == "package")
    assert (package["ndc"], package["ndc11"], package["ndc11_hyphenated"]) == (
        "0002-3227-30",
        "00002322730",
        "00002-3227-30",
    )
    assert package["format"] == "4-4-2" and "BOTTLE" in package["package_description"]
    assert package["normalized"] == "00002-3227-30"
    product = [(n["ndc"], n["normalized"]) for n in data["ndcs"] if n["kind"] == "product"]
    assert product == [("0002-3227", "00002-3227")]
    assert data["ingredients"] == [
        {"product_name": "Ibuprofen", "name": "IBUPROFEN", "strength": "200 mg in 1"}
    ]


def test_an_editor_corrects_a_title_and_the_drug_is_marked_edited(
    client, editor_headers, catalogue
):
    drug = find(client, editor_headers, IMATINIB)
    response = client.patch(
        f"/api/drugs/{drug['id']}",
        json={"title": "Gleevec (imatinib) 100 mg tablet", "version": drug["version"]},
        headers=editor_headers,
    )
    assert response.status_code == 200, response.json
    data = response.json["data"]
    assert data["title"] == "Gleevec (imatinib) 100 mg tablet" and data["is_manually_edited"]
    assert data["edited_fields"] == ["title"] and data["version"] == drug["version"] + 1
    assert data["ndcs"]  # the answer is the full detail
    assert client.get("/api/drugs?edited=true", headers=editor_headers).json["total"] == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": "  "}, "title"),
        ({"published_date": "13/11/2024"}, "published_date"),
        ({"spl_version": 9}, "spl_version"),
        ({"set_id": NEW_SET_ID}, "set_id"),
        ({"manufacturer": "Acme"}, "manufacturer"),
        ({"title": "New", "version": "seven"}, "version"),
    ],
)
def test_invalid_edits_are_422_naming_the_field_and_change_nothing(
    client, editor_headers, catalogue, body, field
):
    drug = find(client, editor_headers, IMATINIB)
    body = {"version": drug["version"], **body}
    response = client.patch(f"/api/drugs/{drug['id']}", json=body, headers=editor_headers)
    assert response.status_code == 422
    assert response.json["error"]["details"]["field"] == field
    assert find(client, editor_headers, IMATINIB)["version"] == drug["version"]


def test_a_stale_version_is_409_with_the_current_drug(client, editor_headers, catalogue):
    drug = find(client, editor_headers, IMATINIB)
    path = f"/api/drugs/{drug['id']}"
    client.patch(path, json={"title": "First", "version": drug["version"]}, headers=editor_headers)
    response = client.patch(
        path, json={"title": "Second", "version": drug["version"]}, headers=editor_headers
    )
    assert response.status_code == 409
    current = response.json["error"]["details"]["current"]
    assert current["title"] == "First" and current["version"] == drug["version"] + 1


def test_an_editor_creates_a_drug_by_hand(client, editor_headers, catalogue):
    response = client.post(
        "/api/drugs",
        json={"set_id": NEW_SET_ID, "title": "Compounded cream", "published_date": "2025-01-02"},
        headers=editor_headers,
    )
    assert response.status_code == 201, response.json
    data = response.json["data"]
    assert (data["set_id"], data["title"], data["published_date"]) == (
        NEW_SET_ID,
        "Compounded cream",
        "2025-01-02",
    )
    assert data["is_manually_edited"] and data["ndcs"] == []
    history = client.get(f"/api/drugs/{data['id']}/history", headers=editor_headers).json
    assert history["data"][0]["action"] == "manual_create"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": "No set id"}, "set_id"),
        ({"set_id": "not-a-set-id", "title": "Bad set id"}, "set_id"),
        ({"set_id": NEW_SET_ID}, "title"),
        ({"set_id": NEW_SET_ID, "title": "Bad", "spl_version": 0}, "spl_version"),
    ],
)
def test_creating_a_drug_without_what_it_needs_is_422_naming_the_field(
    client, editor_headers, catalogue, body, field
):
    response = client.post("/api/drugs", json=body, headers=editor_headers)
    assert response.status_code == 422 and response.json["error"]["details"]["field"] == field


def test_a_drug_with_a_set_id_already_stored_is_409_naming_it(client, editor_headers, catalogue):
    response = client.post(
        "/api/drugs", json={"set_id": IBUPROFEN, "title": "Again"}, headers=editor_headers
    )
    assert response.status_code == 409
    assert response.json["error"]["details"]["field"] == "set_id"


def test_a_hand_made_drug_that_later_arrives_from_dailymed_asks_for_review(
    client, editor_headers, catalogue
):
    created = client.post(
        "/api/drugs", json={"set_id": NEW_SET_ID, "title": "Mine"}, headers=editor_headers
    ).json["data"]
    sync_labels(LabelSummary(NEW_SET_ID, "THEIRS tablet", 2, date(2025, 3, 1)))
    drug = client.get(f"/api/drugs/{created['id']}", headers=editor_headers).json["data"]
    assert drug["title"] == "Mine" and drug["spl_version"] == 2
    assert drug["review"] == [{"field": "title", "yours": "Mine", "source": "THEIRS tablet"}]


def test_put_replaces_every_editable_field(client, editor_headers, catalogue):
    drug = find(client, editor_headers, LISINOPRIL)
    path = f"/api/drugs/{drug['id']}"
    unversioned = client.put(path, json={"title": "Lisinopril 10 mg"}, headers=editor_headers)
    assert unversioned.status_code == 428
    assert unversioned.json["error"]["code"] == "version_required"
    replaced = client.put(
        path, json={"title": "Lisinopril 10 mg", "version": drug["version"]}, headers=editor_headers
    )
    assert replaced.status_code == 200, replaced.json
    assert replaced.headers["ETag"] == f'"{drug["version"] + 1}"'
    data = replaced.json["data"]
    assert data["title"] == "Lisinopril 10 mg" and data["published_date"] is None
    current = {**editor_headers, "If-Match": replaced.headers["ETag"]}
    moved = client.put(path, json={"set_id": NEW_SET_ID, "title": "x"}, headers=current)
    assert moved.status_code == 422 and moved.json["error"]["details"]["field"] == "set_id"
    untitled = client.put(path, json={"published_date": "2024-01-01"}, headers=current)
    assert untitled.status_code == 422 and untitled.json["error"]["details"]["field"] == "title"


def test_only_an_admin_deletes_a_drug_and_a_synced_one_is_archived_with_its_ndcs(
    client, bearer, catalogue
):
    admin = bearer("admin")
    drug = find(client, admin, IBUPROFEN)
    path = f"/api/drugs/{drug['id']}"
    assert client.delete(path, headers=bearer("viewer")).status_code == 403
    assert client.delete(path, headers=bearer("editor")).status_code == 403
    deleted = client.delete(path, headers={**admin, "If-Match": f'"{drug["version"]}"'})
    assert deleted.status_code == 200
    assert deleted.json["data"] == {"id": drug["id"], "outcome": "archived"}
    assert client.get(path, headers=admin).json["data"]["archived"] is True
    assert (
        db.session.scalar(sa.select(sa.func.count(NdcCode.id)).where(NdcCode.drug_id == drug["id"]))
        > 0
    )


def test_a_viewer_cannot_create_or_edit(client, bearer, catalogue):
    viewer = bearer("viewer")
    drug = find(client, viewer, IBUPROFEN)
    assert client.post("/api/drugs", json={}, headers=viewer).status_code == 403
    assert client.patch(f"/api/drugs/{drug['id']}", json={}, headers=viewer).status_code == 403
    assert client.put(f"/api/drugs/{drug['id']}", json={}, headers=viewer).status_code == 403


@pytest.mark.parametrize("method", ["get", "patch", "put", "delete"])
def test_an_unknown_drug_is_404(client, bearer, method):
    response = getattr(client, method)(
        "/api/drugs/999", json={"title": "x", "version": 1}, headers=bearer()
    )
    assert response.status_code == 404
    assert client.get("/api/drugs/999/history", headers=bearer()).status_code == 404


def test_history_shows_the_edit_and_revert_restores_the_source_title(
    client, editor_headers, catalogue
):
    drug = find(client, editor_headers, IBUPROFEN)
    client.patch(
        f"/api/drugs/{drug['id']}",
        json={"title": "Mine", "version": drug["version"]},
        headers=editor_headers,
    )
    history = client.get(f"/api/drugs/{drug['id']}/history", headers=editor_headers).json["data"]
    latest = history[0]
    assert (latest["action"], latest["field"], latest["old_value"], latest["new_value"]) == (
        "manual_edit",
        "title",
        "IBUPROFEN tablet [Acme]",
        "Mine",
    )
    assert history[-1]["action"] == "sync_insert"
    reverted = client.post(
        f"/api/drugs/{drug['id']}/revert",
        json={"change_id": latest["id"], "version": drug["version"] + 1},
        headers=editor_headers,
    ).json["data"]
    assert reverted["title"] == "IBUPROFEN tablet [Acme]" and not reverted["is_manually_edited"]


def test_review_takes_the_source_title(client, editor_headers, catalogue):
    drug = find(client, editor_headers, IBUPROFEN)
    client.patch(
        f"/api/drugs/{drug['id']}",
        json={"title": "Mine", "version": drug["version"]},
        headers=editor_headers,
    )
    sync_labels(LabelSummary(IBUPROFEN, "IBUPROFEN 200 mg tablet", 4, date(2025, 1, 1)))
    path = f"/api/drugs/{drug['id']}/review"
    assert client.get("/api/drugs?needs_review=true", headers=editor_headers).json["total"] == 1
    current = client.get(f"/api/drugs/{drug['id']}", headers=editor_headers)
    assert current.headers["ETag"] == f'"{current.json["data"]["version"]}"'
    decision = {"field": "title", "decision": "source"}
    taken = client.post(
        path, json=decision, headers={**editor_headers, "If-Match": current.headers["ETag"]}
    )
    assert taken.status_code == 200, taken.json
    assert taken.json["data"]["title"] == "IBUPROFEN 200 mg tablet"
    assert taken.json["data"]["needs_review"] is False


def test_csv_export_follows_the_filter(client, bearer, catalogue):
    response = client.get("/api/drugs/export.csv?class_type=EPC&sort=title", headers=bearer())
    assert response.status_code == 200 and response.mimetype == "text/csv"
    lines = response.get_data(as_text=True).strip().splitlines()
    assert lines[0].startswith("id,set_id,title,spl_version,published_date,label_url")
    assert len(lines) == 5 and "dailymed.nlm.nih.gov" in lines[1]


def test_a_name_search_counts_up_to_a_thousand_matches_and_says_so(client, bearer, catalogue):
    many = [
        LabelSummary(f"00000000-0000-4000-8000-{n:012d}", f"GENERIC TABLET {n:04d}", 1, None)
        for n in range(1001)
    ]
    sync_labels(*many)
    headers = bearer("viewer")
    common = client.get("/api/drugs?name=generic", headers=headers).json
    assert (common["total"], common["total_exact"], common["pages"]) == (1000, False, 40)
    first = [d["title"] for d in common["data"][:2]]
    assert first == ["GENERIC TABLET 0000", "GENERIC TABLET 0001"]
    rare = client.get("/api/drugs?name=tablet 0999", headers=headers).json
    assert (rare["total"], rare["total_exact"]) == (1, True)
    everything = client.get("/api/drugs", headers=headers).json
    assert (everything["total"], everything["total_exact"]) == (1005, True)
