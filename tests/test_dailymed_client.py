"""The DailyMed client against the sandbox over real HTTP: complete (every class, label and page,
once), incremental, and tolerant of how DailyMed writes dates, versions and sparse answers."""

from __future__ import annotations

import math
from collections import Counter
from datetime import date
from email.utils import formatdate

import pytest

from scraper.dailymed import (
    DailyMedClient,
    parse_label_detail,
    parse_published_date,
    parse_spl_version,
)
from scraper.http import parse_retry_after
from tests.fixtures.dailymed import fetch_catalogue
from tests.fixtures.dailymed_client import FAST

# -- completeness -------------------------------------------------------------------------------


def test_a_full_walk_finds_exactly_the_catalogues_counts(sandbox_dailymed):
    base_url, state = sandbox_dailymed
    totals = state.totals

    with DailyMedClient(base_url, concurrency=4, page_size=25, **FAST) as client:
        fetched = fetch_catalogue(client)

    assert Counter(c.class_type for c in fetched.classes) == totals.classes_by_type
    assert len(fetched.details) == totals.labels
    assert len(fetched.memberships) == totals.memberships
    assert fetched.count("package") == totals.package_ndcs
    assert fetched.count("product") == totals.product_ndcs
    assert fetched.ingredients == totals.ingredients
    assert fetched.failures == {}


def test_walking_class_types_one_by_one_finds_each_class_once(sandbox_dailymed):
    base_url, state = sandbox_dailymed

    with DailyMedClient(base_url, **FAST) as client:
        classes = list(client.iter_drug_classes(["EPC", "MOA", "PE", "CI", "all"]))

    assert len(classes) == len(set(classes)) == state.totals.classes


def test_the_class_listing_announces_its_size_from_every_types_first_page(sandbox_dailymed):
    base_url, state = sandbox_dailymed
    announced: list[int] = []
    read = 0

    with DailyMedClient(base_url, page_size=10, **FAST) as client:
        for _ in client.iter_drug_classes(["epc", "moa"], on_total=announced.append):
            read += 1
            if read == 1:
                assert len(announced) == 1  # heard before the first class arrives

    types = [c.type for c in state.catalogue.classes]
    epc, moa = types.count("EPC"), types.count("MOA")
    assert announced == [epc + moa] and read == epc + moa  # once, before any class


def test_every_page_of_every_class_is_asked_for_exactly_once(sandbox_dailymed):
    base_url, state = sandbox_dailymed
    catalogue = state.catalogue
    page_size = 10
    pages = sum(max(1, math.ceil(len(m) / page_size)) for m in catalogue.class_members)

    with DailyMedClient(base_url, page_size=page_size, **FAST) as client:
        for drug_class in client.iter_drug_classes(["all"]):
            list(client.iter_class_labels(drug_class))

    assert state.counters["spls"] == pages
    assert state.counters["drugclasses"] == math.ceil(state.totals.classes / page_size)


def test_label_summaries_have_real_dates_and_whole_number_versions(sandbox_dailymed):
    base_url, state = sandbox_dailymed

    with DailyMedClient(base_url, **FAST) as client:
        drug_class = next(client.iter_drug_classes(["epc"]))
        summaries = list(client.iter_class_labels(drug_class))

    labels = state.catalogue.labels_by_set_id
    assert summaries
    for summary in summaries:
        label = labels[summary.set_id]
        assert (summary.spl_version, summary.published_date) == (label.spl_version, label.published)
        assert summary.title == label.title


def test_a_labels_detail_holds_its_ndcs_in_both_forms_and_its_ingredients(sandbox_dailymed):
    base_url, state = sandbox_dailymed
    label = state.catalogue.labels[3]  # carries one NDC that fits no layout

    with DailyMedClient(base_url, **FAST) as client:
        detail = client.fetch_label_detail(label.set_id)

    packages = [n for n in detail.ndcs if n.kind == "package"]
    assert [n.code.raw for n in packages] == state.catalogue.package_ndcs(label)
    assert all(len(n.code.ndc11) == 11 for n in packages if n.code.recognised)
    assert sum(not n.code.recognised for n in packages) == 1
    assert all(n.description for n in packages)
    assert all(n.code.product_ndc9 for n in detail.ndcs if n.kind == "product")
    assert detail.ingredients and all(i.name and i.strength for i in detail.ingredients)
    assert detail.label_url.endswith(f"setid={label.set_id}")


# -- incremental --------------------------------------------------------------------------------


def test_published_since_asks_only_for_labels_published_since(sandbox_dailymed):
    base_url, state = sandbox_dailymed
    changed = set(state.publish_new_versions(5)) | set(state.add_labels(3))
    state.reset_counters()

    with DailyMedClient(base_url, **FAST) as client:
        classes = list(client.iter_drug_classes(["all"]))
        newer = {
            summary.set_id: summary
            for drug_class in classes
            for summary in client.iter_class_labels(drug_class, published_since=date.today())
        }
        details = list(client.fetch_label_details(newer))

    assert set(newer) == changed
    assert all(summary.published_date == date.today() for summary in newer.values())
    assert state.counters["spls"] == len(classes)  # one short page per class
    assert state.counters["packaging"] == len(changed) == len(details)
    label_lists = [r.path for r in state.log if r.endpoint == "spls"]
    assert all(f"published_date={date.today()}" in path for path in label_lists)
    assert all("published_date_comparison=gte" in path for path in label_lists)


# -- tolerant parsing ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Nov 13, 2024", date(2024, 11, 13)),
        ("Sep 5, 2019", date(2019, 9, 5)),
        ("Sept 5, 2019", date(2019, 9, 5)),
        ("November 13, 2024", date(2024, 11, 13)),
        ("Mar 18, 2016 09:17:53AM EST", date(2016, 3, 18)),
        ("2024-11-13", date(2024, 11, 13)),
        ("2024-11-13T08:00:00Z", date(2024, 11, 13)),
        ("11/13/2024", date(2024, 11, 13)),
        ("20241113", date(2024, 11, 13)),
        ("13 Nov 2024", date(2024, 11, 13)),
        ("13-Nov-2024", date(2024, 11, 13)),
        ("  Nov 13, 2024  ", date(2024, 11, 13)),
        ("Feb 30, 2024", None),
        ("soon", None),
        ("", None),
        (None, None),
        (20241113, None),
    ],
)
def test_published_dates_are_read_from_every_common_form(text, expected):
    assert parse_published_date(text) == expected


@pytest.mark.parametrize(
    "value, expected",
    [(7, 7), ("7", 7), (" 7 ", 7), ("7.0", 7), (7.0, 7), ("7.5", None), ("seven", None),
     (None, None), (True, None), ("", None)],
)  # fmt: skip
def test_spl_version_is_a_whole_number_whether_sent_as_number_or_string(value, expected):
    assert parse_spl_version(value) == expected


@pytest.mark.parametrize(
    "header, expected",
    [
        ("3", 3.0),
        ("0", 0.0),
        ("-4", 0.0),
        ("0.25", 0.25),
        ("", None),
        ("later", None),
        (None, None),
    ],
)
def test_retry_after_in_seconds(header, expected):
    assert parse_retry_after(header) == expected


def test_retry_after_as_an_http_date_is_the_time_left_until_then():
    now = 1_700_000_000.0

    assert parse_retry_after(formatdate(now + 30, usegmt=True), now=now) == pytest.approx(30)
    assert parse_retry_after(formatdate(now - 30, usegmt=True), now=now) == 0.0


def test_a_sparse_or_odd_packaging_answer_still_gives_a_label():
    body = {
        "data": [
            {
                "setid": "abc",
                "spl_version": "3",
                "products": [
                    {
                        "product_name": "ZYRATOR",
                        "packaging": [
                            {
                                "ndc": "0002-3227-30",
                                "package_descriptions": "30 TABLET in 1 BOTTLE",
                            },
                            {"ndc": None},
                            "0002-3227-31",
                            {"ndc": "0002-3227-30"},
                        ],
                        "active_ingredients": [{"name": "X", "strength": None}, {"strength": "1"}],
                        "parts": [{"active_ingredients": [{"name": "Y", "strength": "2 mg"}]}],
                    },
                    "not a product",
                ],
            }
        ]
    }

    detail = parse_label_detail("abc", body)

    assert (detail.set_id, detail.title, detail.spl_version, detail.published_date) == (
        "abc",
        "",
        3,
        None,
    )
    assert [n.code.ndc11 for n in detail.ndcs] == ["00002322730", "00002322731"]
    assert detail.ndcs[0].description == "30 TABLET in 1 BOTTLE"
    assert [(i.name, i.strength) for i in detail.ingredients] == [("X", ""), ("Y", "2 mg")]


def test_an_answer_without_a_label_is_refused():
    with pytest.raises(ValueError):
        parse_label_detail("abc", {"data": []})
