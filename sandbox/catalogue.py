"""A deterministic, generated DailyMed catalogue for the sandbox.

Everything derives from a seed and a label's index, so the same options always give the same
catalogue. Label summaries (set id, title, version, date, classes) are built up front; products,
ingredients and packages are generated only when asked for, which keeps a 100,000-label
catalogue quick to start.

Built to exercise a client honestly: labels belong to several classes, chemical classes use a
different coding system (MeSH), NDCs come in the 4-4-2, 5-3-2 and 5-4-1 layouts plus a few that
fit none, one package NDC appears on two labels (a repackager), titles carry ®, ™ and µ, and
`spl_version` is sometimes a number and sometimes a numeric string.
"""

from __future__ import annotations

import math
import random
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sandbox.drug_vocabulary import (
    CLASS_NAMES,
    DOSAGE_FORMS,
    INGREDIENTS,
    LABELER_NAMES,
    TRADEMARKS,
    brand_name,
)

MED_RT = "2.16.840.1.113883.6.345"
MESH = "2.16.840.1.113883.6.177"
NDF_RT = "2.16.840.1.113883.3.26.1.5"  # the one value the /spls docs list for a class's system
CLASS_TYPES = ("EPC", "MOA", "PE", "CI")
CLASS_TYPE_SHARES = {"EPC": 0.40, "MOA": 0.25, "PE": 0.20, "CI": 0.15}
MEMBERSHIP_CHANCE = {"EPC": 0.95, "MOA": 0.70, "PE": 0.50, "CI": 0.35}
OLDEST_LABEL = date(2006, 1, 1)
NEWEST_LABEL = date(2024, 12, 31)
LABELS_PER_LABELER = 250
PRODUCT_SLOTS_PER_LABEL = 3
PRODUCT_CAPACITY = {"4-4-2": 10_000, "5-3-2": 1_000, "5-4-1": 10_000}
PRODUCT_WIDTH = {"4-4-2": 4, "5-3-2": 3, "5-4-1": 4}
PACKAGE_CODES = {
    "4-4-2": ("30", "90", "10", "01", "05", "60", "11", "20", "50", "99"),
    "5-3-2": ("30", "90", "10", "01", "05", "60", "11", "20", "50", "99"),
    "5-4-1": ("1", "2", "3", "4", "5", "6", "7", "8", "9"),
}
SEGMENT_LAYOUTS: dict[tuple[int, ...], str] = {
    (4, 4, 2): "4-4-2",
    (5, 3, 2): "5-3-2",
    (5, 4, 1): "5-4-1",
}
UNRECOGNISED_SHARE = 0.01


def format_published(day: date) -> str:
    """DailyMed's human date: "Nov 13, 2024"."""
    return f"{day:%b} {day.day}, {day.year}"


def ndc_layout(ndc: str) -> str:
    """The 10-digit layout the sandbox printed `ndc` in, or "unrecognised"."""
    return SEGMENT_LAYOUTS.get(tuple(len(s) for s in ndc.split("-")), "unrecognised")


@dataclass(frozen=True)
class SandboxClass:
    code: str
    coding_system: str
    type: str
    name: str

    def as_json(self) -> dict[str, str]:
        return {
            "code": self.code,
            "codingSystem": self.coding_system,
            "type": self.type,
            "name": self.name,
        }


@dataclass(frozen=True)
class Labeler:
    code: str
    layout: str
    name: str
    product_offset: int


@dataclass(slots=True)
class Label:
    index: int
    set_id: str
    title: str
    brand: str | None
    generic: str
    ingredient_index: int
    form_index: int
    labeler: Labeler
    class_indexes: tuple[int, ...]
    spl_version: int
    version_as_text: bool
    published: date
    revision: int = 0  # new versions published in the sandbox; each adds a package

    def summary_json(self) -> dict[str, Any]:
        return {
            "setid": self.set_id,
            "title": self.title,
            "spl_version": str(self.spl_version) if self.version_as_text else self.spl_version,
            "published_date": format_published(self.published),
        }


@dataclass(frozen=True)
class CatalogueTotals:
    """What a complete, correct fetch of the catalogue must find.

    Pairs are counted per label: a package NDC on two labels counts twice in `package_ndcs`
    and once in `distinct_package_ndcs`; `ingredients` counts distinct
    (product name, ingredient, strength) rows per label.
    """

    classes_by_type: dict[str, int]
    classes: int
    labels: int
    memberships: int
    package_ndcs: int
    distinct_package_ndcs: int
    unrecognised_ndcs: int
    ndc_layouts: dict[str, int]
    product_ndcs: int
    ingredients: int
    labelers: int


class Catalogue:
    """Classes and labels generated from `seed`; label details generated on demand."""

    def __init__(
        self, *, seed: int = 1, classes: int = 40, labels: int = 600, big_label_products: int = 0
    ) -> None:
        if classes < len(CLASS_TYPES) or labels < 4:
            raise ValueError("a catalogue needs at least 4 classes and 4 labels")
        self.seed = seed
        self.classes = self._generate_classes(classes)
        self.classes_by_type = {
            kind: [i for i, c in enumerate(self.classes) if c.type == kind] for kind in CLASS_TYPES
        }
        self.labelers = self._generate_labelers(max(24, math.ceil(labels / LABELS_PER_LABELER)))
        self.labels: list[Label] = []
        self.labels_by_set_id: dict[str, Label] = {}
        self.class_members: list[list[int]] = [[] for _ in self.classes]
        self.repackaged_label = 0
        self.repackager_label = labels // 2
        # With big_label_products, label 1 has that many products (more than a page of 100).
        self.big_label = 1
        self.big_label_products = big_label_products
        self.publish_rounds = 0
        self.last_published = OLDEST_LABEL
        self._totals: CatalogueTotals | None = None
        for index in range(labels):
            self._append(self._generate_label(index, published_on=None))

    def _rng(self, *parts: object) -> random.Random:
        return random.Random(":".join(str(p) for p in (self.seed, *parts)))

    # -- generation ----------------------------------------------------------------------

    def _generate_classes(self, count: int) -> list[SandboxClass]:
        rng = self._rng("classes")
        per_type = {kind: max(1, round(count * share)) for kind, share in CLASS_TYPE_SHARES.items()}
        per_type["EPC"] += count - sum(per_type.values())
        numbers = iter(rng.sample(range(100_000, 1_000_000), count))
        classes = []
        for kind in CLASS_TYPES:
            names = CLASS_NAMES[kind]
            for k in range(per_type[kind]):
                repeat = k // len(names)
                name = names[k % len(names)] + (f" {repeat + 1}" if repeat else "")
                if kind == "CI":  # chemical classes come from MeSH, as some of DailyMed's do
                    classes.append(SandboxClass(f"D{next(numbers):06d}", MESH, kind, name))
                else:
                    classes.append(SandboxClass(f"N0000{next(numbers):06d}", MED_RT, kind, name))
        return classes

    def _generate_labelers(self, count: int) -> list[Labeler]:
        rng = self._rng("labelers")
        short_codes = iter(rng.sample(range(1, 10_000), count))  # printed 0002-style
        long_codes = iter(rng.sample(range(10_000, 100_000), count))
        labelers = []
        for k in range(count):
            layout = ("4-4-2", "5-3-2", "5-4-1")[k % 3]
            code = f"{next(short_codes):04d}" if layout == "4-4-2" else str(next(long_codes))
            repeat = k // len(LABELER_NAMES)
            name = LABELER_NAMES[k % len(LABELER_NAMES)] + (f" {repeat + 1}" if repeat else "")
            offset = rng.randrange(PRODUCT_CAPACITY[layout])
            labelers.append(Labeler(code, layout, name, offset))
        return labelers

    def _generate_label(self, index: int, published_on: date | None) -> Label:
        rng = self._rng("label", index)
        set_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        # The first three labels make sure ®, ™ and µ turn up even in a tiny catalogue.
        ingredient_index = 0 if index == 2 else rng.randrange(len(INGREDIENTS))
        ingredients = INGREDIENTS[ingredient_index]
        generic = " and ".join(name.lower() for name, _, _ in ingredients)
        brand = brand_name(rng) if index < 3 or rng.random() < 0.45 else None
        mark = TRADEMARKS[index] if index < len(TRADEMARKS) else rng.choice(("", "", *TRADEMARKS))
        form_index = rng.randrange(len(DOSAGE_FORMS))
        labeler = self.labelers[index % len(self.labelers)]
        _name, unit, strengths = ingredients[0]
        shown_strength = f" {strengths[0]} {unit}" if unit == "µg" else ""
        title = (
            f"{brand}{mark} ({generic.upper()})" if brand else generic.upper()
        ) + f"{shown_strength} {DOSAGE_FORMS[form_index][0]} [{labeler.name.upper()}]"
        class_indexes = tuple(
            rng.choice(self.classes_by_type[kind])
            for kind in CLASS_TYPES
            if rng.random() < MEMBERSHIP_CHANCE[kind]
        )
        if not class_indexes:
            epc = self.classes_by_type["EPC"]
            class_indexes = (epc[index % len(epc)],)
        span = (NEWEST_LABEL - OLDEST_LABEL).days
        published = published_on or OLDEST_LABEL + timedelta(days=rng.randrange(span + 1))
        version = 1 if published_on else rng.randint(1, 30)
        return Label(
            index=index,
            set_id=set_id,
            title=title,
            brand=brand,
            generic=generic,
            ingredient_index=ingredient_index,
            form_index=form_index,
            labeler=labeler,
            class_indexes=class_indexes,
            spl_version=version,
            version_as_text=rng.random() < 0.3,
            published=published,
        )

    def _append(self, label: Label) -> None:
        products_needed = (label.index // len(self.labelers) + 1) * PRODUCT_SLOTS_PER_LABEL
        if products_needed > PRODUCT_CAPACITY[label.labeler.layout]:
            raise ValueError("catalogue is full: its labelers have no product codes left")
        self.labels.append(label)
        self.labels_by_set_id[label.set_id] = label
        self.last_published = max(self.last_published, label.published)
        for class_index in label.class_indexes:
            self.class_members[class_index].append(label.index)
        self._totals = None

    # -- label details -------------------------------------------------------------------

    def products(self, label: Label) -> list[dict[str, Any]]:
        """The `products` list of a label's packaging.json, shaped as DailyMed shapes it."""
        products = self._own_products(label)
        if label.index == self.repackager_label:
            original = self._own_products(self.labels[self.repackaged_label])[0]
            products.append({**original, "packaging": original["packaging"][:1]})
        return products

    def _own_products(self, label: Label) -> list[dict[str, Any]]:
        ingredients = INGREDIENTS[label.ingredient_index]
        _, unit, container = DOSAGE_FORMS[label.form_index]
        per_unit = "" if unit in ("TABLET", "CAPSULE") else f" {unit}"
        strengths = ingredients[0][2]
        rng = self._rng("products", label.index)
        chosen = sorted(rng.sample(range(len(strengths)), min(len(strengths), rng.randint(1, 3))))
        if label.index == self.big_label and self.big_label_products:
            chosen = [slot % len(strengths) for slot in range(self.big_label_products)]
        products = []
        for slot, strength_index in enumerate(chosen):
            product_ndc = self._product_ndc(label, slot)
            rng = self._rng("packages", label.index, slot)
            layout_codes = PACKAGE_CODES[label.labeler.layout]
            codes = rng.sample(layout_codes, rng.choice((1, 1, 2, 3)))
            if slot == 0:  # each new version adds a package to the first product
                codes += [c for c in layout_codes if c not in codes][: label.revision]
            ndcs = [f"{product_ndc}-{code}" for code in codes]
            if slot == 0 and self._has_unrecognised_ndc(label):
                ndcs.append(f"{product_ndc}-{rng.randrange(1000):03d}")  # a 3-digit package
            products.append(
                {
                    "product_name": label.brand or label.generic.upper(),
                    "product_name_generic": label.generic.upper(),
                    "product_code": product_ndc,
                    "active_ingredients": [
                        {
                            "name": name,
                            "strength": f"{options[strength_index % len(options)]} {unit_text}"
                            f" in 1{per_unit}",
                        }
                        for name, unit_text, options in ingredients
                    ],
                    "packaging": [_package(ndc, unit, container) for ndc in ndcs],
                    "parts": [],
                }
            )
        return products

    def _product_ndc(self, label: Label, slot: int) -> str:
        labeler = label.labeler
        serial = (label.index // len(self.labelers)) * PRODUCT_SLOTS_PER_LABEL + slot
        product_code = (labeler.product_offset + serial) % PRODUCT_CAPACITY[labeler.layout]
        return f"{labeler.code}-{product_code:0{PRODUCT_WIDTH[labeler.layout]}d}"

    def _has_unrecognised_ndc(self, label: Label) -> bool:
        return label.index == 3 or self._rng("odd", label.index).random() < UNRECOGNISED_SHARE

    def package_ndcs(self, label: Label) -> list[str]:
        ndcs = (pkg["ndc"] for product in self.products(label) for pkg in product["packaging"])
        return list(dict.fromkeys(ndcs))

    def history(self, label: Label) -> list[dict[str, Any]]:
        """Every version, newest first, older versions spaced back in time."""
        return [
            {
                "spl_version": label.spl_version - back,
                "published_date": format_published(label.published - timedelta(days=41 * back)),
            }
            for back in range(label.spl_version)
        ]

    # -- changes between two syncs -------------------------------------------------------

    def publish_new_versions(self, count: int, on: date | None = None) -> list[str]:
        """Give `count` existing labels a new version published `on` (default today)."""
        self.publish_rounds += 1
        chosen = self._rng("publish", self.publish_rounds).sample(
            self.labels, min(count, len(self.labels))
        )
        for label in chosen:
            label.spl_version += 1
            label.revision += 1
            label.published = on or date.today()
            self.last_published = max(self.last_published, label.published)
        self._totals = None
        return [label.set_id for label in chosen]

    def add_labels(self, count: int, on: date | None = None) -> list[str]:
        """Append `count` new labels at version 1, published `on` (default today)."""
        added = []
        for _ in range(count):
            label = self._generate_label(len(self.labels), published_on=on or date.today())
            self._append(label)
            added.append(label.set_id)
        return added

    # -- expectations --------------------------------------------------------------------

    @property
    def totals(self) -> CatalogueTotals:
        """Counts a full fetch must reproduce; computed on first use after each change."""
        if self._totals is None:
            self._totals = self._count()
        return self._totals

    def _count(self) -> CatalogueTotals:
        package_pairs = product_pairs = ingredient_rows = 0
        distinct: set[str] = set()
        layouts: Counter[str] = Counter()
        for label in self.labels:
            products = self.products(label)
            ndcs = list(dict.fromkeys(pkg["ndc"] for p in products for pkg in p["packaging"]))
            package_pairs += len(ndcs)
            distinct.update(ndcs)
            layouts.update(ndc_layout(ndc) for ndc in ndcs)
            product_pairs += len({p["product_code"] for p in products})
            ingredient_rows += len(
                {
                    (p["product_name"], i["name"], i["strength"])
                    for p in products
                    for i in p["active_ingredients"]
                }
            )
        return CatalogueTotals(
            classes_by_type={kind: len(v) for kind, v in self.classes_by_type.items()},
            classes=len(self.classes),
            labels=len(self.labels),
            memberships=sum(len(label.class_indexes) for label in self.labels),
            package_ndcs=package_pairs,
            distinct_package_ndcs=len(distinct),
            unrecognised_ndcs=layouts["unrecognised"],
            ndc_layouts=dict(layouts),
            product_ndcs=product_pairs,
            ingredients=ingredient_rows,
            labelers=len({label.labeler.code for label in self.labels}),
        )


def _package(ndc: str, unit: str, container: str) -> dict[str, Any]:
    rng = random.Random(ndc)
    count = rng.choice((10, 30, 60, 90, 100, 500) if unit == "TABLET" else (1, 5, 10))
    if rng.random() < 0.3:
        descriptions = [f"1 {container} in 1 CARTON ({ndc})", f"{count} {unit} in 1 {container}"]
    else:
        descriptions = [f"{count} {unit} in 1 {container} ({ndc})"]
    return {"ndc": ndc, "package_descriptions": descriptions}
