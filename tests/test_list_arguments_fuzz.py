"""Property tests over every list's filters, paging and sort: arbitrary text and integers never
give a 500, every answer is the one JSON shape, a refusal names the argument it refused, and every
sort a list allows, either way, works under any filters. `LISTS` holds every paged list of the
API (a test below proves it against the OpenAPI document)."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.audit import FILTERS as AUDIT_FILTERS
from api.analytics import RESULT_SORTS
from api.runs import RUN_SORTS
from api.users import TOKEN_SORTS, USER_SORTS
from datasets import authorizations, drug_classes, drugs
from datasets.listing import BOOKKEEPING_FILTERS
from tests.test_record_archive import SYNCED

RECORD_ARGS = (*BOOKKEEPING_FILTERS, "ids", "archived", "page", "per_page")
LISTS = {
    "/api/authorizations": (
        (*authorizations.service.filters, *RECORD_ARGS),
        authorizations.service.sortable,
    ),
    "/api/drugs": (
        (*drugs.service.filters, "ingredient", "published_from", "published_to", *RECORD_ARGS),
        drugs.service.sortable,
    ),
    "/api/drug-classes": (
        (*drug_classes.service.filters, *RECORD_ARGS),
        drug_classes.service.sortable,
    ),
    "/api/scrape-runs": (("source", "status", "sample", "page", "per_page"), RUN_SORTS),
    "/api/audit": ((*AUDIT_FILTERS, "page", "per_page"), {"at": None}),
    "/api/users": (("page", "per_page"), USER_SORTS),
    "/api/tokens": (("page", "per_page"), TOKEN_SORTS),
    "/api/analytics/results": (("analysis", "run_id", "page", "per_page"), RESULT_SORTS),
    # A record's history (record 1 of each dataset: the fixture's), newest first, not sortable.
    **{
        f"/api/{dataset}/1/history": (("page", "per_page"), {})
        for dataset in ("authorizations", "drugs", "drug-classes")
    },
}
SORTED = [path for path, (_, sortable) in LISTS.items() if sortable]
FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
values = st.one_of(
    st.text(max_size=40),
    st.integers(min_value=-(2**63), max_value=2**63).map(str),
    st.sampled_from(["true", "false", "all", "0", "²", "٣", "2147483648", "2024-02-30", "-1"]),
)


@pytest.fixture
def admin_headers(bearer):
    for make in SYNCED.values():  # one record in each dataset, so filters have rows to match
        make()
    return bearer("admin")


def assert_contract(response, sent: dict[str, str]) -> None:
    assert response.status_code < 500, (sent, response.get_data(as_text=True)[:300])
    body = response.get_json()
    assert isinstance(body, dict), sent
    if response.status_code == 200:
        assert body["success"] is True and isinstance(body["data"], list)
        return
    assert body["success"] is False
    assert set(body["error"]) == {"code", "message", "details"}, body
    field = body["error"]["details"].get("field")
    assert field in sent, (sent, body["error"])  # the refusal names what was wrong


@pytest.mark.parametrize("path", LISTS)
@FUZZ
@given(data=st.data())
def test_arbitrary_filters_never_give_a_500_and_refusals_name_the_field(
    client, admin_headers, path, data
):
    names, _ = LISTS[path]
    sent = data.draw(st.dictionaries(st.sampled_from(names), values, max_size=3), label="args")
    assert_contract(client.get(path, query_string=sent, headers=admin_headers), sent)


@pytest.mark.parametrize("path", SORTED)
@FUZZ
@given(data=st.data())
def test_every_allowed_sort_either_way_answers_under_any_filters(client, admin_headers, path, data):
    names, sortable = LISTS[path]
    field = data.draw(st.sampled_from(sorted(sortable)), label="field")
    sort = data.draw(st.sampled_from([field, f"-{field}"]), label="sort")
    sent = {
        **data.draw(st.dictionaries(st.sampled_from(names), values, max_size=2), label="args"),
        "sort": sort,
    }
    response = client.get(path, query_string=sent, headers=admin_headers)
    assert_contract(response, sent)
    if response.status_code != 200:  # a filter's value refused, never the sort
        assert response.json["error"]["details"]["field"] != "sort", response.json


@pytest.mark.parametrize("path", SORTED)
@FUZZ
@given(data=st.data())
def test_an_unknown_sort_field_is_a_422_listing_the_allowed_ones(client, admin_headers, path, data):
    _, sortable = LISTS[path]
    field = data.draw(
        st.text(min_size=1, max_size=30).filter(
            lambda text: text.removeprefix("-") not in sortable and "\x00" not in text
        ),
        label="sort",
    )
    response = client.get(path, query_string={"sort": field}, headers=admin_headers)
    assert_contract(response, {"sort": field})
    assert response.status_code == 422, response.json
    assert response.json["error"]["details"]["allowed"] == sorted(sortable)


def test_every_paged_list_of_the_api_is_fuzzed_here(client, admin_headers):
    """A list added later joins LISTS, or this fails: every GET whose answer is a page."""
    document = client.get("/api/openapi.json", headers=admin_headers).json
    schemas = document["components"]["schemas"]
    paged = set()
    for path, operations in document["paths"].items():
        answer = operations.get("get", {}).get("responses", {}).get("200", {})
        ref = answer.get("content", {}).get("application/json", {}).get("schema", {}).get("$ref")
        if ref and "total" in schemas[ref.rsplit("/", 1)[1]].get("properties", {}):
            paged.add(path.replace("{record_id}", "1"))
    assert paged == set(LISTS)
