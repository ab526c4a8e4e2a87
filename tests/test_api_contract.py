"""The one contract of every list and every record write under /api: paging with a stated
maximum and links, sorting that names the allowed keys, and `version` (or If-Match) required
on every write of a record."""

from urllib.parse import parse_qs, urlsplit

import pytest

from api.pagination import MAX_PER_PAGE, page_links
from tests.test_record_archive import NEW_RECORDS, SYNCED

LISTS = (
    "/api/authorizations",
    "/api/drugs",
    "/api/drug-classes",
    "/api/scrape-runs",
    "/api/users",
    "/api/tokens",
    "/api/audit",
    "/api/analytics/results",
)


def query_of(link: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(link).query)


def test_a_list_answers_page_per_page_total_and_links_keeping_the_other_arguments(client, bearer):
    headers = bearer()
    for _ in range(4):
        bearer("viewer")  # five users in all
    response = client.get("/api/users?per_page=2&page=2&sort=-username", headers=headers)
    assert response.status_code == 200
    body = response.json
    assert (body["page"], body["per_page"], body["total"], body["pages"]) == (2, 2, 5, 3)
    assert body["max_per_page"] == MAX_PER_PAGE
    links = body["links"]
    assert set(links) == {"self", "first", "prev", "next", "last"}
    assert all(link.startswith("/api/users?") for link in links.values())
    pages = {name: query_of(link)["page"] for name, link in links.items()}
    assert pages == {"self": ["2"], "first": ["1"], "prev": ["1"], "next": ["3"], "last": ["3"]}
    assert query_of(links["next"])["sort"] == ["-username"]
    assert query_of(links["next"])["per_page"] == ["2"]
    following = client.get(links["next"], headers=headers).json
    assert following["count"] == 1 and "next" not in following["links"]
    assert "prev" not in client.get("/api/users", headers=headers).json["links"]


def test_an_approximate_total_has_no_last_link(app):
    with app.test_request_context("/api/drugs?name=tab&page=3"):
        links = page_links(3, None, has_next=True)
    assert "last" not in links
    assert query_of(links["next"]) == {"name": ["tab"], "page": ["4"]}


@pytest.mark.parametrize("path", LISTS)
def test_per_page_beyond_the_maximum_is_422_naming_it_not_clamped(client, bearer, path):
    response = client.get(f"{path}?per_page={MAX_PER_PAGE + 1}", headers=bearer())
    assert response.status_code == 422
    error = response.json["error"]
    assert error["details"]["field"] == "per_page"
    assert str(MAX_PER_PAGE) in error["message"]


@pytest.mark.parametrize("value", ["0", "-1", "²", "٣", "2147483648", "1.5", " "])
def test_bad_page_and_per_page_are_422_naming_them(client, bearer, value):
    headers = bearer()
    for name in ("page", "per_page"):
        response = client.get("/api/drugs", query_string={name: value}, headers=headers)
        if value == " ":  # blank is the default, as the dashboard sends it
            assert response.status_code in (200, 422)
            continue
        assert response.status_code == 422, (name, value)
        assert response.json["error"]["details"]["field"] == name


@pytest.mark.parametrize("path", LISTS)
def test_an_unknown_sort_field_is_422_listing_the_allowed_ones(client, bearer, path):
    response = client.get(f"{path}?sort=-nonsense", headers=bearer())
    assert response.status_code == 422
    error = response.json["error"]
    assert error["code"] == "validation_error"
    assert error["details"]["field"] == "sort"
    allowed = error["details"]["allowed"]
    assert allowed and all(name in error["message"] for name in allowed)
    ok = client.get(f"{path}?sort=-{allowed[0]}", headers=bearer())
    assert ok.status_code == 200, ok.json


WRITES = (
    ("patch", ""),
    ("delete", ""),
    ("post", "/restore"),
    ("post", "/review"),
    ("post", "/revert"),
)


@pytest.mark.parametrize("dataset", list(NEW_RECORDS))
def test_every_write_of_a_record_without_a_version_is_428_naming_version(admin, dataset):
    record_id = SYNCED[dataset]()
    for method, rule in (*WRITES, *((("put", ""),) if dataset != "authorizations" else ())):
        call = admin.delete if method == "delete" else getattr(admin, method, None)
        if call is None:  # Person has no put: send it through the client
            response = admin.client.put(
                f"/api/{dataset}/{record_id}{rule}", json={}, headers=admin.headers()
            )
        else:
            response = call(f"/api/{dataset}/{record_id}{rule}", json={})
        assert response.status_code == 428, (method, rule, response.json)
        error = response.json["error"]
        assert error["code"] == "version_required" and error["details"]["field"] == "version"
        assert "version" in error["message"] and "If-Match" in error["message"]
    assert admin.get(f"/api/{dataset}/{record_id}").json["data"]["version"] == 1  # unchanged


def test_if_match_is_the_same_version_spelt_as_a_header(editor):
    record_id = SYNCED["authorizations"]()
    path = f"/api/authorizations/{record_id}"
    read = editor.get(path)
    assert read.headers["ETag"] == '"1"'
    edited = editor.patch(path, json={"payer": "Cigna"}, headers={"If-Match": read.headers["ETag"]})
    assert edited.status_code == 200, edited.json
    assert edited.headers["ETag"] == '"2"' and edited.json["data"]["version"] == 2
    stale = editor.patch(path, json={"payer": "Aetna"}, headers={"If-Match": '"1"'})
    assert stale.status_code == 409
    assert stale.json["error"]["details"]["current"]["payer"] == "Cigna"
    both = editor.patch(path, json={"payer": "Aetna", "version": 2}, headers={"If-Match": '"1"'})
    assert both.status_code == 422 and both.json["error"]["details"]["field"] == "version"


@pytest.mark.parametrize(
    ("body", "headers"),
    [
        ({"version": "2"}, {}),
        ({"version": True}, {}),
        ({"version": 1.5}, {}),
        ({"version": -1}, {}),
        ({}, {"If-Match": "*"}),
        ({}, {"If-Match": '"²"'}),
        ({}, {"If-Match": '"2147483648"'}),
    ],
)
def test_a_version_that_is_not_a_whole_number_is_422(editor, body, headers):
    record_id = SYNCED["authorizations"]()
    response = editor.patch(
        f"/api/authorizations/{record_id}", json={"payer": "Cigna", **body}, headers=headers
    )
    assert response.status_code == 422, response.json
    assert response.json["error"]["details"]["field"] == "version"


@pytest.mark.parametrize("dataset", list(NEW_RECORDS))
def test_a_write_without_a_version_to_a_record_that_does_not_exist_is_404(admin, dataset):
    for method, rule in WRITES:
        call = admin.delete if method == "delete" else getattr(admin, method)
        response = call(f"/api/{dataset}/999999{rule}", json={})
        assert response.status_code == 404, (method, rule, response.json)
        assert response.json["error"]["code"] == "not_found"


def test_a_method_a_route_does_not_take_is_405_even_with_a_long_query(client, bearer):
    """Found by schemathesis: the query-length check answered a TRACE with a 422."""
    response = client.open(
        "/api/analytics/ndc", method="TRACE", query_string={"labeler": "x" * 500}, headers=bearer()
    )
    assert response.status_code == 405
    assert response.json["error"]["code"] == "method_not_allowed"


@pytest.mark.parametrize(
    "args", [{"published_to": ""}, {"ids": " "}, {"drug_class_id": ""}, {"edited": ""}]
)
def test_a_blank_typed_parameter_means_not_given(client, bearer, args):
    """Found by schemathesis: the document said a date or an id list; a blank one is no filter,
    as it always was, and the document now says so."""
    response = client.get("/api/drugs", query_string=args, headers=bearer("viewer"))
    assert response.status_code == 200, response.json
    document = client.get("/api/openapi.json", headers=bearer("viewer")).json
    parameters = document["paths"]["/api/drugs"]["get"]["parameters"]
    (name,) = args
    schema = next(p["schema"] for p in parameters if p["name"] == name)
    assert {"type": "string", "pattern": r"^\s*$", "description": "Blank: not given."} in (
        schema["anyOf"]
    )
