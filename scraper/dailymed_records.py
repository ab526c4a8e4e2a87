"""DailyMed's answers as plain frozen records, and the tolerant parsing that makes them.

DailyMed's dates are human strings ("Nov 13, 2024"), `spl_version` is a number or a numeric
string, keys go missing: every parser here accepts what the API has been seen to send and never
raises on a missing or odd value. NDC codes are normalised by `scraper.ndc`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

from scraper.dailymed_titles import TitleParts, parse_title
from scraper.ndc import NdcCode, normalize_ndc

LABEL_PAGE_URL = "https://dailymed.nlm.nih.gov/dailymed/drugInfo.cfm?setid={set_id}"


@dataclass(frozen=True)
class ClassSummary:
    code: str
    coding_system: str
    class_type: str  # "EPC", "MOA", "PE", "CI"
    name: str


@dataclass(frozen=True)
class LabelSummary:
    set_id: str
    title: str
    spl_version: int | None
    published_date: date | None

    @property
    def title_parts(self) -> TitleParts:
        """Brand, generic name(s), dosage form(s) and labeler, as the title prints them."""
        return parse_title(self.title)


@dataclass(frozen=True)
class Ingredient:
    name: str
    strength: str
    product_name: str


@dataclass(frozen=True)
class LabelNdc:
    """One NDC printed on a label: a package code (with its description) or a product code."""

    code: NdcCode
    kind: Literal["package", "product"]
    product_name: str
    description: str  # package descriptions joined by "; " (empty for product codes)


@dataclass(frozen=True)
class Product:
    name: str
    generic_name: str
    product_ndc: NdcCode | None
    ingredients: tuple[Ingredient, ...]
    packages: tuple[LabelNdc, ...]


@dataclass(frozen=True)
class LabelDetail:
    set_id: str
    title: str
    spl_version: int | None
    published_date: date | None
    products: tuple[Product, ...]
    ndcs: tuple[LabelNdc, ...]  # every distinct product and package code, products first
    ingredients: tuple[Ingredient, ...]  # distinct (name, strength, product name)

    @property
    def label_url(self) -> str:
        return LABEL_PAGE_URL.format(set_id=self.set_id)


@dataclass(frozen=True)
class LabelFailure:
    """A label whose details could not be fetched even after retries."""

    set_id: str
    error: str
    status: int | None = None


# -- tolerant parsing ---------------------------------------------------------------------------

_DATE_FORMATS = ("%b %d %Y", "%B %d %Y", "%Y-%m-%d", "%m/%d/%Y", "%Y%m%d", "%d %b %Y", "%d %B %Y")
_DATE_PREFIX = re.compile(
    r"[A-Za-z]{3,9}\.? \d{1,2},? \d{4}"  # Nov 13, 2024 / November 13 2024
    r"|\d{4}-\d{1,2}-\d{1,2}"  # 2024-11-13, also the date of an ISO timestamp
    r"|\d{1,2}/\d{1,2}/\d{4}"  # 11/13/2024
    r"|\d{8}"  # 20241113
    r"|\d{1,2}[ -][A-Za-z]{3,9}[ -]\d{4}"  # 13 Nov 2024 / 13-Nov-2024
)


def parse_published_date(value: Any) -> date | None:
    """A date from DailyMed's forms ("Nov 13, 2024", with or without a time after it) and
    other common ones (ISO, US, compact); None when there is nothing readable."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        return None
    match = _DATE_PREFIX.match(value.strip())
    if not match:
        return None
    text = re.sub(r"[.,]", "", match.group()).replace("-", " ").replace("Sept ", "Sep ")
    if re.fullmatch(r"\d{4} \d{1,2} \d{1,2}", text):
        text = text.replace(" ", "-")
    for pattern in _DATE_FORMATS:
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


def parse_spl_version(value: Any) -> int | None:
    """7, "7", " 7 " and "7.0" are all version 7; anything else is None."""
    return as_whole_number(value)


def as_whole_number(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    try:
        number = float(value.strip() if isinstance(value, str) else value)
    except (TypeError, ValueError):
        return None
    return int(number) if number.is_integer() else None


def as_text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def as_items(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _detail_data(body: Any) -> Mapping[str, Any] | None:
    """The label object of a packaging.json answer (DailyMed sends one object; a one-item list
    is accepted too)."""
    data = body.get("data") if isinstance(body, Mapping) else None
    if isinstance(data, list) and len(data) == 1:
        data = data[0]
    return data if isinstance(data, Mapping) else None


def detail_products(body: Any) -> list[Any]:
    """The products on one page of a packaging.json answer."""
    data = _detail_data(body)
    return as_items(data.get("products")) if data is not None else []


def join_detail_pages(bodies: Sequence[Any]) -> dict[str, Any]:
    """The pages of one label's packaging.json as one answer holding every product. Raises
    ValueError when the pages disagree about the label or hold fewer products than announced."""
    labels = [_detail_data(body) for body in bodies]
    first = labels[0] if labels else None
    if first is None:
        raise ValueError("packaging.json holds no label object")
    products: list[Any] = []
    for number, label in enumerate(labels, start=1):
        if label is None or _identity(label) != _identity(first):
            raise ValueError(f"packaging.json page {number} is not of the label of page 1")
        products += as_items(label.get("products"))
    metadata = bodies[0].get("metadata") if isinstance(bodies[0], Mapping) else None
    announced = (
        as_whole_number(metadata.get("total_elements")) if isinstance(metadata, Mapping) else None
    )
    if announced is not None and announced != len(products):
        raise ValueError(
            f"packaging.json announced {announced} products but {len(products)} were read"
        )
    return {"metadata": metadata, "data": {**first, "products": products}}


def _identity(label: Mapping[str, Any]) -> tuple[str, int | None]:
    return as_text(label.get("setid")), parse_spl_version(label.get("spl_version"))


def parse_label_detail(set_id: str, body: Any) -> LabelDetail:
    """A LabelDetail from a packaging.json answer; raises ValueError if it holds no label."""
    data = _detail_data(body)
    if data is None:
        raise ValueError("packaging.json holds no label object")
    products = tuple(
        _parse_product(p) for p in as_items(data.get("products")) if isinstance(p, Mapping)
    )
    product_codes = [
        LabelNdc(p.product_ndc, "product", p.name, "") for p in products if p.product_ndc
    ]
    package_codes = [pkg for p in products for pkg in p.packages]
    ndcs: dict[tuple[str, str], LabelNdc] = {}
    for ndc in product_codes + package_codes:
        ndcs.setdefault((ndc.kind, ndc.code.raw.strip()), ndc)
    ingredients = dict.fromkeys(i for p in products for i in p.ingredients)
    return LabelDetail(
        set_id=as_text(data.get("setid")) or set_id,
        title=as_text(data.get("title")),
        spl_version=parse_spl_version(data.get("spl_version")),
        published_date=parse_published_date(data.get("published_date")),
        products=products,
        ndcs=tuple(ndcs.values()),
        ingredients=tuple(ingredients),
    )


def _parse_product(product: Mapping[str, Any]) -> Product:
    name = as_text(product.get("product_name")) or as_text(product.get("product_name_generic"))
    code = as_text(product.get("product_code"))
    ingredients = [
        Ingredient(as_text(i.get("name")), as_text(i.get("strength")), name)
        for holder in [
            product,
            *(p for p in as_items(product.get("parts")) if isinstance(p, Mapping)),
        ]
        for i in as_items(holder.get("active_ingredients"))
        if isinstance(i, Mapping) and as_text(i.get("name"))
    ]
    packages = []
    for package in as_items(product.get("packaging")):
        raw = package.get("ndc") if isinstance(package, Mapping) else package
        if not isinstance(raw, str) or not raw.strip():
            continue
        descriptions = package.get("package_descriptions") if isinstance(package, Mapping) else None
        if isinstance(descriptions, str):
            descriptions = [descriptions]
        description = "; ".join(as_text(d) for d in as_items(descriptions) if as_text(d))
        packages.append(LabelNdc(normalize_ndc(raw), "package", name, description))
    return Product(
        name=name,
        generic_name=as_text(product.get("product_name_generic")),
        product_ndc=normalize_ndc(code) if code else None,
        ingredients=tuple(dict.fromkeys(ingredients)),
        packages=tuple(packages),
    )
