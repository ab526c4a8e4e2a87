"""/api/drugs as a list: sort and paging, the filters (name, class, class type, labeler, dosage
form, ingredient, published dates), each item's classes, bad arguments, the capped count of a name
search and the CSV export."""

import pytest
import sqlalchemy as sa

from database import db
from scraper.dailymed import LabelSummary
from tests.fixtures.dailymed_sync import (
    IBUPROFEN,
    IMATINIB,
    LISINOPRIL,
    NAPROXEN,
    sync_labels,
)
from tests.fixtures.drugs_api import catalogue, editor_headers, find, titles

__all__ = ["catalogue", "editor_headers"]  # fixtures used by the tests below


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


def test_a_list_statement_is_built_once_per_query_string_and_each_filter_keeps_its_own(
    client, bearer, catalogue, monkeypatch
):
    from datasets.drugs import service

    built: list[dict[str, str]] = []
    build = service.list_query

    def spy(args):
        built.append(dict(args))
        return build(args)

    monkeypatch.setattr(service, "list_query", spy)
    headers = bearer("viewer")
    # arguments no other test asks for: the statements are kept per process, not per app
    imatinib, naproxen = "name=IMATINIB&needs_review=false", "name=NAPROXEN&needs_review=false"
    asked = [imatinib, f"{imatinib}&page=2", naproxen, f"{imatinib}&per_page=5"]
    answers = [client.get(f"/api/drugs?{query}", headers=headers).json for query in asked]

    assert [titles_of(a) for a in answers] == [
        ["Gleevec® (IMATINIB MESYLATE) tablet"],
        [],
        ["NAPROXEN SODIUM tablet"],
        ["Gleevec® (IMATINIB MESYLATE) tablet"],
    ]
    assert built == [  # paging reuses its statement; another filter gets its own
        {"name": "IMATINIB", "needs_review": "false"},
        {"name": "NAPROXEN", "needs_review": "false"},
    ]
    built.clear()  # dates in the wrong order pass the query's model and fail in list_query:
    bad = f"{imatinib}&published_from=2020-01-02&published_to=2020-01-01"
    assert [client.get(f"/api/drugs?{bad}", headers=headers).status_code for _ in "ab"] == [422] * 2
    assert len(built) == 2  # refused each time: a failed build is not kept


def test_every_page_of_a_list_runs_one_kept_statement_with_its_own_window(
    client, bearer, catalogue
):
    from api.pagination import _paged

    headers = bearer("viewer")
    everything = titles_of(client.get("/api/drugs?per_page=200", headers=headers).json)
    before = _paged.cache_info()
    # arguments no other test asks for: the statements are kept per process, not per app
    unfiltered = "sort=-published_date&archived=false"
    searched = "q=tablet&needs_review=false&sort=title"
    pages = {
        (query, page, per_page): client.get(
            f"/api/drugs?{query}&page={page}&per_page={per_page}", headers=headers
        ).json
        for query in (unfiltered, searched)
        for page, per_page in ((1, 2), (2, 2), (3, 2), (1, 3), (2, 3))
    }

    assert _paged.cache_info().misses - before.misses == 2  # one per list, not per page
    for query, order in ((unfiltered, "-published_date"), (searched, "title")):
        listed = titles_of(client.get(f"/api/drugs?{query}&per_page=200", headers=headers).json)
        assert sorted(listed) == sorted(everything)  # every label says "tablet"
        for per_page in (2, 3):
            paged = [
                titles_of(pages[(query, page, per_page)])
                for page in (1, 2, 3)
                if (query, page, per_page) in pages
            ]
            expected = [listed[i : i + per_page] for i in range(0, len(paged) * per_page, per_page)]
            assert paged == expected, (order, per_page)
        first = pages[(query, 1, 2)]
        assert (first["total"], first["total_exact"], first["pages"]) == (len(listed), True, 2)


def titles_of(answer: dict) -> list[str]:
    return [d["title"] for d in answer["data"]]


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
