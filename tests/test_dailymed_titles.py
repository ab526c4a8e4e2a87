"""DailyMed titles read into brand, generic name(s), dosage form(s) and labeler: a table of the
shapes real titles take, every title the sandbox generates, and any text at all."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sandbox.catalogue import Catalogue
from sandbox.drug_vocabulary import DOSAGE_FORMS, INGREDIENTS
from scraper.dailymed_titles import TitleParts, parse_title

# title → (brand, generic as printed, generic names, dosage forms, labeler)
TITLES = {
    "the issue's example": (
        "ALDESYN (METOPROLOL TARTRATE) TABLET, FILM COATED [DOVER PHARMACEUTICALS, INC.]",
        ("ALDESYN", "METOPROLOL TARTRATE", ["METOPROLOL TARTRATE"], ["TABLET, FILM COATED"]),
        "DOVER PHARMACEUTICALS, INC.",
    ),
    "generic only": (
        "METOPROLOL TARTRATE TABLET [MYLAN PHARMACEUTICALS INC.]",
        (None, "METOPROLOL TARTRATE", ["METOPROLOL TARTRATE"], ["TABLET"]),
        "MYLAN PHARMACEUTICALS INC.",
    ),
    "no brackets": (
        "ALDESYN (METOPROLOL TARTRATE) TABLET, FILM COATED",
        ("ALDESYN", "METOPROLOL TARTRATE", ["METOPROLOL TARTRATE"], ["TABLET, FILM COATED"]),
        None,
    ),
    "ingredients joined by and": (
        "LOTENSIN HCT (BENAZEPRIL HYDROCHLORIDE AND HYDROCHLOROTHIAZIDE) TABLET [VALIDUS]",
        (
            "LOTENSIN HCT",
            "BENAZEPRIL HYDROCHLORIDE AND HYDROCHLOROTHIAZIDE",
            ["BENAZEPRIL HYDROCHLORIDE", "HYDROCHLOROTHIAZIDE"],
            ["TABLET"],
        ),
        "VALIDUS",
    ),
    "ingredients listed with commas": (
        "DAYQUIL (ACETAMINOPHEN, DEXTROMETHORPHAN HYDROBROMIDE, PHENYLEPHRINE HYDROCHLORIDE) "
        "CAPSULE, LIQUID FILLED [THE PROCTER & GAMBLE MANUFACTURING COMPANY]",
        (
            "DAYQUIL",
            "ACETAMINOPHEN, DEXTROMETHORPHAN HYDROBROMIDE, PHENYLEPHRINE HYDROCHLORIDE",
            ["ACETAMINOPHEN", "DEXTROMETHORPHAN HYDROBROMIDE", "PHENYLEPHRINE HYDROCHLORIDE"],
            ["CAPSULE, LIQUID FILLED"],
        ),
        "THE PROCTER & GAMBLE MANUFACTURING COMPANY",
    ),
    "generic only, two ingredients": (
        "LISINOPRIL AND HYDROCHLOROTHIAZIDE TABLET [LUPIN PHARMACEUTICALS, INC.]",
        (
            None,
            "LISINOPRIL AND HYDROCHLOROTHIAZIDE",
            ["LISINOPRIL", "HYDROCHLOROTHIAZIDE"],
            ["TABLET"],
        ),
        "LUPIN PHARMACEUTICALS, INC.",
    ),
    "registered mark and a strength in µg": (
        "ZYRATOR® (CYANOCOBALAMIN) 1000 µg INJECTION, SOLUTION [ACME LABORATORIES]",
        ("ZYRATOR", "CYANOCOBALAMIN", ["CYANOCOBALAMIN"], ["INJECTION, SOLUTION"]),
        "ACME LABORATORIES",
    ),
    "trademark, generic only with a strength": (
        "CYANOCOBALAMIN™ 500 mcg/mL INJECTION [DOVER HEALTH LLC]",
        (None, "CYANOCOBALAMIN", ["CYANOCOBALAMIN"], ["INJECTION"]),
        "DOVER HEALTH LLC",
    ),
    "a kit of several parts": (
        "PREVPAC (LANSOPRAZOLE, AMOXICILLIN AND CLARITHROMYCIN) KIT [TAKEDA PHARMACEUTICALS]",
        (
            "PREVPAC",
            "LANSOPRAZOLE, AMOXICILLIN AND CLARITHROMYCIN",
            ["LANSOPRAZOLE", "AMOXICILLIN", "CLARITHROMYCIN"],
            ["KIT"],
        ),
        "TAKEDA PHARMACEUTICALS",
    ),
    "a kit whose brand says kit": (
        "LIDOCAINE CONVENIENCE KIT (LIDOCAINE HYDROCHLORIDE, POVIDONE-IODINE) KIT [ASCLEMED]",
        (
            "LIDOCAINE CONVENIENCE KIT",
            "LIDOCAINE HYDROCHLORIDE, POVIDONE-IODINE",
            ["LIDOCAINE HYDROCHLORIDE", "POVIDONE-IODINE"],
            ["KIT"],
        ),
        "ASCLEMED",
    ),
    "several products, one label": (
        "NEXIUM 24HR (ESOMEPRAZOLE MAGNESIUM) TABLET, DELAYED RELEASE NEXIUM 24HR "
        "(ESOMEPRAZOLE MAGNESIUM) CAPSULE, DELAYED RELEASE [PFIZER]",
        (
            "NEXIUM 24HR",
            "ESOMEPRAZOLE MAGNESIUM",
            ["ESOMEPRAZOLE MAGNESIUM"],
            ["TABLET, DELAYED RELEASE", "CAPSULE, DELAYED RELEASE"],
        ),
        "PFIZER",
    ),
    "nested parentheses": (
        "TYLENOL (ACETAMINOPHEN (APAP) AND CAFFEINE) TABLET [J&J (MCNEIL CONSUMER)]",
        (
            "TYLENOL",
            "ACETAMINOPHEN (APAP) AND CAFFEINE",
            ["ACETAMINOPHEN (APAP) AND CAFFEINE"],
            ["TABLET"],
        ),
        "J&J (MCNEIL CONSUMER)",
    ),
    "brand printed as its generic": (
        "IBUPROFEN (IBUPROFEN) TABLET [PERRIGO]",
        (None, "IBUPROFEN", ["IBUPROFEN"], ["TABLET"]),
        "PERRIGO",
    ),
    "lower and mixed case": (
        "Gleevec® (imatinib mesylate) tablet, Film Coated [Novartis]",
        ("Gleevec", "imatinib mesylate", ["imatinib mesylate"], ["TABLET, FILM COATED"]),
        "Novartis",
    ),
    "extra whitespace": (
        "  ALDESYN   (METOPROLOL\tTARTRATE)  TABLET,   FILM COATED\n [ DOVER ]  ",
        ("ALDESYN", "METOPROLOL TARTRATE", ["METOPROLOL TARTRATE"], ["TABLET, FILM COATED"]),
        "DOVER",
    ),
    "a form word inside the generic": (
        "MINERAL OIL LIQUID [HARBOR LABORATORIES]",
        (None, "MINERAL OIL", ["MINERAL OIL"], ["LIQUID"]),
        "HARBOR LABORATORIES",
    ),
    "USP after the form": (
        "SODIUM CHLORIDE INJECTION, SOLUTION, USP [BAXTER]",
        (None, "SODIUM CHLORIDE", ["SODIUM CHLORIDE"], ["INJECTION, SOLUTION"]),
        "BAXTER",
    ),
    "a slash in the form": (
        "TIMOPTIC (TIMOLOL MALEATE) SOLUTION/ DROPS [BAUSCH]",
        ("TIMOPTIC", "TIMOLOL MALEATE", ["TIMOLOL MALEATE"], ["SOLUTION/ DROPS"]),
        "BAUSCH",
    ),
    "no dosage form": (
        "ALDESYN (METOPROLOL TARTRATE) [DOVER]",
        ("ALDESYN", "METOPROLOL TARTRATE", ["METOPROLOL TARTRATE"], []),
        "DOVER",
    ),
    "cut short inside the labeler": (
        "METOPROLOL TARTRATE TABLET [DOVER PHARMA",
        (None, "METOPROLOL TARTRATE", ["METOPROLOL TARTRATE"], ["TABLET"]),
        "DOVER PHARMA",
    ),
    "a parenthesis left open": (
        "ALDESYN (METOPROLOL TARTRATE",
        ("ALDESYN", "METOPROLOL TARTRATE", ["METOPROLOL TARTRATE"], []),
        None,
    ),
    "empty": ("", (None, None, [], []), None),
    "only whitespace and brackets": ("  [ ]  ", (None, None, [], []), None),
}


@pytest.mark.parametrize(("title", "expected", "labeler"), TITLES.values(), ids=list(TITLES))
def test_a_title_reads_into_its_parts(title, expected, labeler):
    parts = parse_title(title)
    brand, generic, names, forms = expected
    assert parts.brand_name == brand
    assert parts.generic_name == generic
    assert list(parts.generic_names) == names
    assert list(parts.dosage_forms) == forms
    assert parts.labeler_name == labeler


def test_the_name_type_follows_the_title_rule():
    assert parse_title("ALDESYN (METOPROLOL TARTRATE) TABLET [DOVER]").name_type == "B"
    assert parse_title("METOPROLOL TARTRATE TABLET [DOVER]").name_type == "G"
    assert parse_title("IBUPROFEN (IBUPROFEN) TABLET [PERRIGO]").name_type == "G"
    assert parse_title("").name_type is None


def test_several_forms_make_one_column_value():
    parts = parse_title("A (X) TABLET, FILM COATED B (Y) CAPSULE [L]")
    assert parts.fields() == {
        "brand_name": "A; B",
        "generic_name": "X; Y",
        "dosage_form": "TABLET, FILM COATED; CAPSULE",
        "labeler_name": "L",
    }


def test_every_sandbox_title_reads_as_the_sandbox_made_it():
    catalogue = Catalogue(classes=12, labels=600)
    for label in catalogue.labels:
        parts = parse_title(label.title)
        assert parts.brand_name == label.brand, label.title
        assert parts.generic_name == label.generic.upper(), label.title
        assert list(parts.generic_names) == [n for n, _, _ in INGREDIENTS[label.ingredient_index]]
        assert parts.dosage_form == DOSAGE_FORMS[label.form_index][0], label.title
        assert parts.labeler_name == label.labeler.name.upper(), label.title


@given(st.one_of(st.text(), st.none(), st.integers()))
def test_any_input_gives_parts_and_never_an_error(title):
    parts = parse_title(title)
    assert isinstance(parts, TitleParts)
    for value in parts.fields().values():
        assert value is None or (isinstance(value, str) and value == value.strip() and value)


@given(st.text(alphabet="AB ()[],/®µ&1mg", max_size=40))
def test_titles_made_of_the_tricky_characters_never_raise(title):
    parse_title(title)
