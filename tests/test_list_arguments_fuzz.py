"""Property tests over every list's filters, paging and sort: arbitrary text and integers never
give a 500, every answer is the one JSON shape, and a refusal names the argument it refused."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.audit import FILTERS as AUDIT_FILTERS
from api.runs import RUN_SORTS
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
}
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


@pytest.mark.parametrize("path", LISTS)
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
