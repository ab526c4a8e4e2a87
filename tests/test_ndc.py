"""NDC normalisation as docs/ndc.md describes it, and the keys a search on any form uses."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scraper.ndc import NdcCode, hyphenated, labeler_code, ndc_search_keys, normalize_ndc

# raw, format, ndc11, labeler as printed, labeler5, product NDC as printed, product_ndc9, package
RECOGNISED = [
    ("0002-3227-30", "4-4-2", "00002322730", "0002", "00002", "0002-3227", "000023227", "30"),
    ("50580-506-02", "5-3-2", "50580050602", "50580", "50580", "50580-506", "505800506", "02"),
    ("68180-0517-1", "5-4-1", "68180051701", "68180", "68180", "68180-0517", "681800517", "1"),
    ("00002-3227-30", "11-digit", "00002322730", "00002", "00002", "00002-3227", "000023227", "30"),
    ("00002322730", "11-digit", "00002322730", "00002", "00002", "00002-3227", "000023227", "30"),
    ("0002-3227", "product-4-4", None, "0002", "00002", "0002-3227", "000023227", None),
    ("50580-506", "product-5-3", None, "50580", "50580", "50580-506", "505800506", None),
    ("68180-0517", "product-5-4", None, "68180", "68180", "68180-0517", "681800517", None),
]


@pytest.mark.parametrize(
    "raw, code_format, ndc11, labeler, labeler5, product_ndc, product_ndc9, package", RECOGNISED
)
def test_each_printed_form_normalises_to_the_hipaa_form(
    raw, code_format, ndc11, labeler, labeler5, product_ndc, product_ndc9, package
):
    code = normalize_ndc(raw)

    assert code.raw == raw
    assert code.format == code_format
    assert code.ndc11 == ndc11
    assert code.labeler == labeler
    assert code.labeler5 == labeler5
    assert code.product_ndc == product_ndc
    assert code.product_ndc9 == product_ndc9
    assert code.package == package
    assert code.recognised


@pytest.mark.parametrize(
    "raw, hyphenated",
    [
        ("0002-3227-30", "00002-3227-30"),
        ("50580-506-02", "50580-0506-02"),
        ("68180-0517-1", "68180-0517-01"),
        ("00002322730", "00002-3227-30"),
    ],
)
def test_the_11_digit_form_is_also_given_hyphenated_5_4_2(raw, hyphenated):
    assert normalize_ndc(raw).ndc11_hyphenated == hyphenated


def test_a_product_code_has_no_package_and_no_11_digit_form():
    code = normalize_ndc("0002-3227")

    assert code.ndc11 is None and code.ndc11_hyphenated is None and code.package is None
    assert not code.is_package


def test_labeler_0002_and_00002_are_the_same_labeler_once_normalised():
    short, long = normalize_ndc("0002-3227-30"), normalize_ndc("00002-3227-30")

    assert (short.labeler, long.labeler) == ("0002", "00002")
    assert short.labeler5 == long.labeler5 == "00002"


def test_surrounding_whitespace_is_ignored_but_the_raw_text_kept():
    code = normalize_ndc(" 0002-3227-30\n")

    assert code.ndc11 == "00002322730"
    assert code.raw == " 0002-3227-30\n"


@pytest.mark.parametrize(
    "raw",
    [
        "1234-5678-9012",  # FDA's future 12-digit format
        "123456789012",
        "0002-3227-300",  # a 3-digit package
        "0002322730",  # 10 digits without hyphens: which layout?
        "0002--3227-30",
        "0002-3227-30-1",
        "NDC 0002-3227-30",
        "0002-3227-3O",  # letter O
        "٠٠٠٢-٣٢٢٧-٣٠",  # Arabic-Indic digits
        "",
        "   ",
        "-",
        "not an ndc",
    ],
)
def test_codes_that_fit_no_form_are_kept_and_counted_as_unrecognised(raw):
    code = normalize_ndc(raw)

    assert code.format == "unrecognised"
    assert not code.recognised
    assert code.raw == raw
    assert (code.ndc11, code.labeler5, code.product_ndc9) == (None, None, None)


def test_the_digits_of_an_unrecognised_code_are_still_recorded():
    assert normalize_ndc("1234-5678-9012").digits == "123456789012"


@given(st.text())
def test_normalising_never_raises_and_recognised_codes_have_11_digits(raw):
    code = normalize_ndc(raw)

    assert isinstance(code, NdcCode)
    if code.ndc11 is not None:
        assert len(code.ndc11) == 11 and code.ndc11.isdigit()


LAYOUTS = {"4-4-2": (4, 4, 2), "5-3-2": (5, 3, 2), "5-4-1": (5, 4, 1)}


@st.composite
def printed_ndcs(draw):
    layout = draw(st.sampled_from(sorted(LAYOUTS)))
    digits = "0123456789"
    segments = [draw(st.text(digits, min_size=n, max_size=n)) for n in LAYOUTS[layout]]
    return layout, segments


@given(printed_ndcs())
def test_every_10_digit_code_pads_exactly_its_short_segment(printed):
    layout, segments = printed
    code = normalize_ndc("-".join(segments))

    assert code.format == layout
    assert code.ndc11_hyphenated.split("-") == [
        s.zfill(w) for s, w in zip(segments, (5, 4, 2), strict=True)
    ]


# -- search keys --------------------------------------------------------------------------------

SEARCHES = [
    ("0002-3227-30", ["00002322730"]),  # 4-4-2
    ("50580-506-02", ["50580050602"]),  # 5-3-2
    ("68180-0517-1", ["68180051701"]),  # 5-4-1
    ("00002-3227-30", ["00002322730"]),  # 11 digits, hyphenated
    ("00002322730", ["00002322730"]),  # 11 digits, bare: unambiguous
    ("0002-3227", ["000023227"]),  # product 4-4
    ("50580-506", ["505800506"]),  # product 5-3
    ("68180-0517", ["681800517"]),  # product 5-4
    ("000023227", ["000023227"]),  # product, normalised 9 digits
    ("0002 3227 30", ["00002322730"]),  # spaces typed for hyphens
    ("0002–3227–30", ["00002322730"]),  # en dashes from a word processor
    ("  0002-3227-30 ", ["00002322730"]),
]


@pytest.mark.parametrize("query, keys", SEARCHES)
def test_a_search_in_any_printed_form_gives_the_normalised_key(query, keys):
    assert ndc_search_keys(query) == keys


def test_ten_bare_digits_could_be_any_10_digit_layout_so_every_candidate_is_searched():
    assert ndc_search_keys("0002322730") == [
        "00002322730",  # read as 4-4-2: 0002-3227-30
        "00023022730",  # read as 5-3-2: 00023-227-30
        "00023227300",  # read as 5-4-1: 00023-2273-0
    ]


def test_eight_bare_digits_could_be_either_product_layout():
    assert ndc_search_keys("00023227") == ["000023227", "000230227"]


@pytest.mark.parametrize("query", ["", "aspirin", "1234-5678-9012", "123", "0002-3227-300"])
def test_something_that_cannot_be_an_ndc_gives_no_keys(query):
    assert ndc_search_keys(query) == []


@given(printed_ndcs())
def test_every_form_of_one_code_finds_it(printed):
    _, segments = printed
    code = normalize_ndc("-".join(segments))
    forms = ["-".join(segments), "".join(segments), code.ndc11, code.ndc11_hyphenated]

    for form in forms:
        assert code.ndc11 in ndc_search_keys(form)
    assert ndc_search_keys(code.product_ndc) == [code.product_ndc9]


@pytest.mark.parametrize(
    ("stored", "shown"),
    [("00002322730", "00002-3227-30"), ("000023227", "00002-3227"), (None, None), ("", None)],
)
def test_a_stored_normalised_code_is_shown_hyphenated(stored, shown):
    assert hyphenated(stored) == shown


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("0002", "00002"),
        ("00002", "00002"),
        ("50580", "50580"),
        ("002", None),
        ("123456", None),
        ("Lilly", None),
        ("", None),
    ],
)
def test_a_labeler_code_as_printed_is_normalised_to_five_digits(text, code):
    assert labeler_code(text) == code
