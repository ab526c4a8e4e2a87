"""DailyMed titles read into their parts: brand name, generic name(s), dosage form(s), labeler.

A label's title is printed `BRAND (GENERIC) FORM [LABELER]`, for example
`ALDESYN (METOPROLOL TARTRATE) TABLET, FILM COATED [DOVER PHARMACEUTICALS, INC.]`, or without
a brand `GENERIC FORM [LABELER]`. The title rule decides the name type: a name outside
parentheses before a generic in parentheses is the brand; a title without parentheses names
the generic only (DailyMed's `drugnames.json` would say the same at a request per name).
A brand printed the same as its generic (`IBUPROFEN (IBUPROFEN) TABLET`) is no brand.

A label holding several products prints them one after another
(`A (X) TABLET B (Y) CAPSULE [LABELER]`): their brands, generics and forms are collected in
order, each once. Dosage forms are recognised by the head words of FDA's SPL dosage-form list
(`TABLET`, `INJECTION`, `KIT`, …) and come back upper-case; names come back as printed, with
whitespace collapsed and the marks ®, ™ and ℠ removed; a strength printed beside a name
(`1000 µg`) is not part of it.

Tolerant: `parse_title` never raises. An odd title gives what could be read (an empty one,
nothing at all), never an error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# First words of the SPL dosage forms ("TABLET, FILM COATED", "INJECTION, POWDER, FOR
# SOLUTION", "KIT", …). Words that also begin common ingredient names (DRUG, EXTRACT, FOR) are
# left out: they are read as part of a form only after one of these.
# fmt: off
FORM_HEADS = frozenset({
    "AEROSOL", "BAR", "BEAD", "CAPSULE", "CAPSULES", "CLOTH", "CONCENTRATE", "CREAM", "CRYSTAL",
    "DISC", "DOUCHE", "DRESSING", "ELIXIR", "EMULSION", "ENEMA", "FIBER", "FILM", "GAS", "GEL",
    "GLOBULE", "GRANULE", "GRANULES", "GUM", "IMPLANT", "INHALANT", "INJECTABLE", "INJECTION",
    "INSERT", "IRRIGANT", "JELLY", "KIT", "LINIMENT", "LIPSTICK", "LIQUID", "LOTION", "LOZENGE",
    "MOUTHWASH", "OIL", "OINTMENT", "PASTE", "PASTILLE", "PATCH", "PELLET", "PELLETS", "PILL",
    "PLASTER", "POULTICE", "POWDER", "RING", "RINSE", "SALVE", "SHAMPOO", "SOAP", "SOLUTION",
    "SPONGE", "SPRAY", "STICK", "STRIP", "SUPPOSITORY", "SUSPENSION", "SWAB", "SYRUP", "SYSTEM",
    "TABLET", "TABLETS", "TAMPON", "TAPE", "TINCTURE", "TROCHE", "WAFER"
})
# Words that continue a form after its head ("FILM COATED", "EXTENDED RELEASE", "FOR SOLUTION").
FORM_MODIFIERS = frozenset({
    "AUGMENTED", "CHEWABLE", "CHEWING", "COATED", "COMPLEX", "CONCENTRATE", "CONTROLLED",
    "DELAYED", "DELIVERY", "DENTIFRICE", "DEVICE", "DISINTEGRATING", "DROPS", "EFFERVESCENT",
    "ELECTRICALLY", "EXTENDED", "FILLED", "FOAM", "FOR", "FORMING", "GELATIN", "HARD",
    "IMPLANTABLE", "LIPID", "LIPOSOMAL", "LYOPHILIZED", "METERED", "MULTILAYER", "ORAL",
    "ORALLY", "PARTICLES", "RELEASE", "SHEET", "SLUSH", "SOFT", "SOLUBLE", "SUGAR", "TOPICAL"
})
# fmt: on
_DROPPED_FORM_WORDS = frozenset({"USP", "NF"})
_MARKS = re.compile(r"[®™℠]")
_UNIT = r"(?:%|MG|MCG|[µμ]G|G|GM|KG|ML|L|MEQ|MMOL|IU|UNITS?|USP\s+UNITS?)"
_STRENGTH = re.compile(
    rf"(?:\s+\d[\d.,]*\s*{_UNIT}(?:\s*/\s*\d*[\d.,]*\s*{_UNIT})?)+$", re.IGNORECASE
)
_AND = re.compile(r"\s+AND\s+", re.IGNORECASE)
_SEPARATOR = "; "  # joins several products' values in one column (forms hold commas)


@dataclass(frozen=True)
class TitleParts:
    """What a title says. Several products' values are kept in order, each once."""

    brand_names: tuple[str, ...] = ()
    generic_texts: tuple[str, ...] = ()  # each product's generic as printed: "A AND B"
    generic_names: tuple[str, ...] = ()  # each name on its own: "A", "B"
    dosage_forms: tuple[str, ...] = ()
    labeler_name: str | None = None

    @property
    def brand_name(self) -> str | None:
        return _SEPARATOR.join(self.brand_names) or None

    @property
    def generic_name(self) -> str | None:
        return _SEPARATOR.join(self.generic_texts) or None

    @property
    def dosage_form(self) -> str | None:
        return _SEPARATOR.join(self.dosage_forms) or None

    @property
    def name_type(self) -> str | None:
        """DailyMed's name type of the title's name: "B" (brand) or "G" (generic)."""
        if self.brand_names:
            return "B"
        return "G" if self.generic_texts else None

    def fields(self) -> dict[str, str | None]:
        """The parts as the drug's columns."""
        return {
            "brand_name": self.brand_name,
            "generic_name": self.generic_name,
            "dosage_form": self.dosage_form,
            "labeler_name": self.labeler_name,
        }


@dataclass
class _Word:
    text: str
    after_comma: bool  # the word before it ended with "," or "/" (a form goes on)

    @property
    def key(self) -> str:
        return self.text.strip(",/").upper()


@dataclass
class _Product:
    name: list[_Word] = field(default_factory=list)
    generic: str | None = None
    forms: list[str] = field(default_factory=list)


def parse_title(title: object) -> TitleParts:
    """Brand, generic name(s), dosage form(s) and labeler of a DailyMed title; see the module
    docstring. Never raises."""
    text = " ".join(_MARKS.sub("", title if isinstance(title, str) else "").split())
    body, labeler = _split_labeler(text)
    products = _read_products(_tokens(body))
    brands: dict[str, None] = {}
    generics: dict[str, None] = {}
    names: dict[str, None] = {}
    forms: dict[str, None] = {}
    for product in products:
        name = _without_strength(" ".join(w.text for w in product.name))
        generic = product.generic
        if generic is None:
            generic, name = name, ""
        generic = _without_strength(generic)
        if name and name.casefold() != generic.casefold():
            brands[name] = None
        if generic:
            generics[generic] = None
            names.update(dict.fromkeys(split_generic_names(generic)))
        forms.update(dict.fromkeys(product.forms))
    return TitleParts(
        brand_names=tuple(brands),
        generic_texts=tuple(generics),
        generic_names=tuple(names),
        dosage_forms=tuple(forms),
        labeler_name=labeler,
    )


def split_generic_names(generic: str) -> list[str]:
    """ "A, B AND C" → ["A", "B", "C"]: split at commas and "and" outside parentheses."""
    parts: list[str] = []
    depth = start = 0
    for index, char in enumerate(generic):
        depth += (char == "(") - (char == ")")
        if char == "," and depth <= 0:
            parts.append(generic[start:index])
            start = index + 1
    parts.append(generic[start:])
    names: list[str] = []
    for part in parts:
        pieces = [part] if "(" in part else _AND.split(part)
        names.extend(_without_strength(p.strip()) for p in pieces)
    return [name for name in names if name and name.upper() != "AND"]


def _split_labeler(text: str) -> tuple[str, str | None]:
    """The title without its trailing `[LABELER]`, and the labeler (None when not printed)."""
    if text.endswith("]"):
        depth = 0
        for index in range(len(text) - 1, -1, -1):
            depth += (text[index] == "]") - (text[index] == "[")
            if depth == 0:
                return text[:index].strip(), text[index + 1 : -1].strip() or None
        return text[:-1].strip(), None  # a "]" nothing opened: no labeler to read
    opened = text.rfind("[")
    if opened > text.rfind("]"):  # a title cut short inside its labeler
        return text[:opened].strip(), text[opened + 1 :].strip() or None
    return text, None


def _tokens(body: str) -> list[_Word | str]:
    """Words outside parentheses (as _Word) and the text of each outermost group (as str);
    a group left open runs to the end."""
    tokens: list[_Word | str] = []
    depth = 0
    outside: list[str] = []
    group: list[str] = []
    for char in body:
        if char == "(":
            depth += 1
            if depth == 1:
                tokens.extend(_words("".join(outside)))
                outside = []
                continue
        elif char == ")" and depth > 0:
            depth -= 1
            if depth == 0:
                tokens.append(" ".join("".join(group).split()))
                group = []
                continue
        (group if depth else outside).append(char)
    tokens.extend(_words("".join(outside)))
    if depth:
        tokens.append(" ".join("".join(group).split()))
    return tokens


def _words(text: str) -> list[_Word]:
    words: list[_Word] = []
    for raw in text.replace("/", "/ ").split():
        after_comma = bool(words) and words[-1].text.endswith((",", "/"))
        words.append(_Word(raw, after_comma))
    return words


def _read_products(tokens: list[_Word | str]) -> list[_Product]:
    """Walk the tokens: name words, then a generic in parentheses, then forms; a name after a
    form starts the next product. With no group ahead, the name is a generic and its form is
    the last run of form words (`METOPROLOL TARTRATE TABLET`)."""
    products = [_Product()]
    index = 0
    while index < len(tokens):
        token, product = tokens[index], products[-1]
        if isinstance(token, str):
            if product.forms:  # a group after this product's form: the next product's
                products.append(_Product(generic=token))
            else:
                product.generic = token if product.generic is None else f"{product.generic} {token}"
            index += 1
        elif product.generic is None and not any(isinstance(t, str) for t in tokens[index:]):
            words = [t for t in tokens[index:] if isinstance(t, _Word)]
            product.name.extend(words[: _generic_form_start(words)])
            product.forms.extend(_forms_of(words[_generic_form_start(words) :]))
            break
        elif product.generic is None:
            product.name.append(token)
            index += 1
        else:
            index = _read_forms(tokens, index, products)
    return [p for p in products if p.name or p.generic or p.forms]


def _generic_form_start(words: list[_Word]) -> int:
    """Where the form begins in `GENERIC [STRENGTH] FORM`: the last head word that does not
    continue a form after a comma (`INJECTION, SOLUTION` starts at INJECTION); none → the end."""
    starts = [i for i, w in enumerate(words) if w.key in FORM_HEADS and not w.after_comma and i]
    return starts[-1] if starts else len(words)


def _read_forms(tokens: list[_Word | str], index: int, products: list[_Product]) -> int:
    """After a product's generic: skip what precedes its form (a strength), read the form
    words; a word that is no form word starts the next product. Returns the next index."""
    product = products[-1]
    words: list[_Word] = []
    while index < len(tokens):
        token = tokens[index]
        if not isinstance(token, _Word):
            break
        words.append(token)
        index += 1
    head = next((i for i, w in enumerate(words) if w.key in FORM_HEADS), None)
    if head is None:
        return index  # a strength or stray words, and no form: nothing to keep
    end = head + 1
    while end < len(words) and (
        words[end].after_comma or words[end].key in FORM_HEADS | FORM_MODIFIERS
    ):
        end += 1
    product.forms.extend(_forms_of(words[head:end]))
    if end < len(words):
        following = _Product(name=words[end:])
        has_group_next = index < len(tokens)
        if not has_group_next:  # a product without parentheses: `… TABLET ATENOLOL TABLET`
            start = _generic_form_start(following.name)
            following = _Product(
                name=following.name[:start], forms=_forms_of(following.name[start:])
            )
            if not following.forms:
                return index  # stray words after the last form: nothing to keep
        products.append(following)
    return index


def _forms_of(words: list[_Word]) -> list[str]:
    kept = [w.text.upper() for w in words if w.key not in _DROPPED_FORM_WORDS]
    form = " ".join(kept).replace("/ ", "/").strip(" ,/")
    return [form.replace("/", "/ ")] if form else []


def _without_strength(name: str) -> str:
    return _STRENGTH.sub("", name).strip(" ,")
