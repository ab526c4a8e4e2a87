"""The sandbox DailyMed speaks the contract of docs/dailymed.md: the envelope and paging, the
filters, one label's packaging, NDCs and history, and a catalogue as varied as DailyMed's."""

from __future__ import annotations

import math
import re

import pytest
import requests

from sandbox.catalogue import MED_RT, Catalogue

METADATA_KEYS = {
    "total_elements",
    "elements_per_page",
    "total_pages",
    "current_page",
    "current_url",
    "next_page_url",
    "previous_page",
    "previous_page_url",
    "next_page",
    "db_published_date",
}
HUMAN_DATE = re.compile(r"[A-Z][a-z]{2} \d{1,2}, \d{4}")


def get(base_url, path, **params):
    return requests.get(base_url + path, params=params, timeout=10)


# -- the envelope and paging --------------------------------------------------------------------


def test_list_answers_carry_the_real_envelope(sandbox_dailymed):
    base_url, _ = sandbox_dailymed

    body = get(base_url, "/drugclasses.json", pagesize=7).json()

    assert set(body) == {"metadata", "data"}
    assert set(body["metadata"]) == METADATA_KEYS
    assert set(body["data"][0]) == {"code", "codingSystem", "type", "name"}


def test_pages_are_numbered_from_one_and_link_to_each_other(sandbox_dailymed):
    base_url, state = sandbox_dailymed
    total = state.totals.classes

    first = get(base_url, "/drugclasses.json", pagesize=15).json()["metadata"]
    last_page = math.ceil(total / 15)
    last = get(base_url, "/drugclasses.json", pagesize=15, page=last_page).json()

    assert (first["current_page"], first["total_pages"], first["total_elements"]) == (
        1,
        last_page,
        total,
    )
    assert first["previous_page_url"] is None
    assert first["next_page"] == 2 and "page=2" in first["next_page_url"]
    assert last["metadata"]["next_page_url"] is None
    assert len(last["data"]) == total - 15 * (last_page - 1)


def test_following_next_page_url_visits_every_item_once(sandbox_dailymed):
    base_url, state = sandbox_dailymed
    url, seen = base_url + "/spls.json?pagesize=100", []

    while url:
        body = requests.get(url, timeout=10).json()
        seen += [item["setid"] for item in body["data"]]
        url = body["metadata"]["next_page_url"]

    assert len(seen) == len(set(seen)) == state.totals.labels


@pytest.mark.parametrize(
    "params",
    [{"pagesize": 101}, {"pagesize": 0}, {"page": 0}, {"page": "two"}, {"class_code_type": "xyz"}],
)
def test_bad_parameters_get_a_400_with_a_json_error(sandbox_dailymed, params):
    base_url, _ = sandbox_dailymed

    response = get(base_url, "/drugclasses.json", **params)

    assert response.status_code == 400
    assert response.json()["error"]["status"] == 400
    assert response.json()["error"]["message"]


def test_an_unknown_set_id_is_a_404(sandbox_dailymed):
    base_url, _ = sandbox_dailymed

    assert get(base_url, "/spls/no-such-label/packaging.json").status_code == 404


# -- filters ------------------------------------------------------------------------------------


@pytest.mark.parametrize("class_type", ["EPC", "MOA", "PE", "CI"])
def test_classes_can_be_listed_by_type(sandbox_dailymed, class_type):
    base_url, state = sandbox_dailymed

    body = get(base_url, "/drugclasses.json", class_code_type=class_type.lower()).json()

    assert body["metadata"]["total_elements"] == state.totals.classes_by_type[class_type]
    assert {item["type"] for item in body["data"]} == {class_type}


def test_class_members_summed_over_all_classes_are_the_memberships(sandbox_dailymed):
    base_url, state = sandbox_dailymed
    classes = get(base_url, "/drugclasses.json").json()["data"]

    members = sum(
        get(
            base_url,
            "/spls.json",
            drug_class_code=c["code"],
            drug_class_coding_system=c["codingSystem"],
        ).json()["metadata"]["total_elements"]
        for c in classes
    )

    assert members == state.totals.memberships


def test_a_class_is_found_only_under_its_own_coding_system(sandbox_dailymed):
    base_url, state = sandbox_dailymed
    chemical = next(
        c for c in state.catalogue.classes if c.type == "CI" and c.coding_system != MED_RT
    )
    code = chemical.code

    right = get(
        base_url,
        "/spls.json",
        drug_class_code=code,
        drug_class_coding_system=chemical.coding_system,
    )
    default = get(base_url, "/spls.json", drug_class_code=code)

    assert right.json()["metadata"]["total_elements"] > 0
    assert default.json()["metadata"]["total_elements"] == 0


def test_published_date_comparisons_split_the_labels(sandbox_dailymed):
    base_url, state = sandbox_dailymed
    day = "2015-06-30"

    def count(comparison):
        body = get(base_url, "/spls.json", published_date=day, published_date_comparison=comparison)
        return body.json()["metadata"]["total_elements"]

    assert count("lt") + count("gte") == state.totals.labels
    assert count("lte") + count("gt") == state.totals.labels
    assert count("lte") - count("lt") == count("eq")


def test_a_malformed_published_date_is_rejected(sandbox_dailymed):
    base_url, _ = sandbox_dailymed

    assert get(base_url, "/spls.json", published_date="13/11/2024").status_code == 400


def test_drug_name_finds_labels_by_brand_or_generic_name(sandbox_dailymed):
    base_url, state = sandbox_dailymed
    branded = next(label for label in state.catalogue.labels if label.brand)

    by_brand = get(base_url, "/spls.json", drug_name=branded.brand.lower()).json()["data"]
    names = get(base_url, "/drugnames.json", drug_name=branded.brand, name_type="brand").json()

    assert branded.set_id in {item["setid"] for item in by_brand}
    assert {"drug_name": branded.brand, "name_type": "B"} in names["data"]


# -- one label ----------------------------------------------------------------------------------


def test_packaging_lists_products_with_ingredients_and_packages(sandbox_dailymed):
    base_url, state = sandbox_dailymed
    label = state.catalogue.labels[0]

    data = get(base_url, f"/spls/{label.set_id}/packaging.json").json()["data"]
    product = data["products"][0]

    assert data["setid"] == label.set_id and HUMAN_DATE.fullmatch(data["published_date"])
    assert product["product_code"] and product["active_ingredients"][0].keys() == {
        "name",
        "strength",
    }
    assert product["packaging"][0]["ndc"].startswith(product["product_code"] + "-")
    assert product["packaging"][0]["package_descriptions"]


def test_ndcs_and_packaging_agree_on_a_labels_package_codes(sandbox_dailymed):
    base_url, state = sandbox_dailymed
    set_id = state.catalogue.labels[5].set_id

    ndcs = get(base_url, f"/spls/{set_id}/ndcs.json").json()["data"]["ndcs"]
    products = get(base_url, f"/spls/{set_id}/packaging.json").json()["data"]["products"]

    assert [n["ndc"] for n in ndcs] == [pkg["ndc"] for p in products for pkg in p["packaging"]]


def test_history_lists_every_version_newest_first(sandbox_dailymed):
    base_url, state = sandbox_dailymed
    label = state.catalogue.labels[1]

    data = get(base_url, f"/spls/{label.set_id}/history.json").json()["data"]

    assert data["spl"]["setid"] == label.set_id
    versions = [entry["spl_version"] for entry in data["history"]]
    assert versions == list(range(label.spl_version, 0, -1))


# -- realism ------------------------------------------------------------------------------------


def test_the_catalogue_has_every_ndc_layout_and_a_few_unrecognised_codes():
    totals = Catalogue().totals

    assert {"4-4-2", "5-3-2", "5-4-1"} <= totals.ndc_layouts.keys()
    assert 0 < totals.unrecognised_ndcs < totals.package_ndcs / 50


def test_one_package_ndc_sits_on_two_labels_like_a_repackager_s():
    catalogue = Catalogue()
    totals = catalogue.totals
    first_labels_ndc = catalogue.package_ndcs(catalogue.labels[0])[0]
    holders = [
        label for label in catalogue.labels if first_labels_ndc in catalogue.package_ndcs(label)
    ]

    assert totals.package_ndcs - totals.distinct_package_ndcs == 1
    assert len(holders) == 2


def test_titles_versions_and_dates_vary_the_way_dailymed_s_do(sandbox_dailymed):
    base_url, _ = sandbox_dailymed

    labels = get(base_url, "/spls.json", pagesize=100).json()["data"]
    titles = " ".join(label["title"] for label in labels)

    assert {"®", "™", "µ"} <= set(titles)
    assert {type(label["spl_version"]) for label in labels} == {int, str}
    assert all(HUMAN_DATE.fullmatch(label["published_date"]) for label in labels)


def test_labels_belong_to_several_classes():
    catalogue = Catalogue()

    assert max(len(label.class_indexes) for label in catalogue.labels) >= 3
    assert catalogue.totals.memberships > 2 * catalogue.totals.labels


def test_the_same_seed_gives_the_same_catalogue_and_another_seed_another():
    first, again, other = Catalogue(seed=7), Catalogue(seed=7), Catalogue(seed=8)

    assert first.totals == again.totals
    assert [label.summary_json() for label in first.labels] == [
        label.summary_json() for label in again.labels
    ]
    assert first.labels[0].set_id != other.labels[0].set_id


def test_a_100_000_label_catalogue_makes_label_details_only_when_asked():
    catalogue = Catalogue(labels=100_000)
    last = catalogue.labels[99_999]

    assert len(catalogue.labels) == 100_000
    first, again = catalogue.products(last), catalogue.products(last)
    assert first and first == again
    assert first is not again  # generated on each request, never stored
