"""The analytics benchmark's data: a deterministic catalogue in DailyMed's shapes, written with
COPY (the load is not timed).

Shapes the analyzers care about: about 2.5 classes per label over the EPC/MOA/PE/CI types, the
labels of one generic name sharing its classes (so classes co-occur) and class sizes following a
long tail with some classes empty; ~2,000 labelers with 4- and 5-digit labeler codes, a few
very big ones, NDCs printed 4-4-2, 5-3-2, 5-4-1, as 11 digits and as product codes, with some
codes that fit no form and some printed on several labels (repackagers); titles shaped
`BRAND (GENERIC) DOSAGE FORM [LABELER]` (or without a brand) over a few thousand generic names
built on real stems (-pril, -olol, -statin, -azole, -mab, …), so look-alike names exist, and the
title parts filled by the sync's own parser; published dates over 15 years; versions 1–30; 1–4
active ingredients; change history rows.
"""

from __future__ import annotations

import math
import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from itertools import accumulate

import sqlalchemy as sa

from database import db
from merge import bulk
from models import ActiveIngredient, Drug, DrugClass, NdcCode, RecordChange, Run
from models import drug_class_memberships as memberships
from scraper.dailymed_titles import parse_title
from scraper.ndc import normalize_ndc
from sync import dailymed_store as store

# fmt: off
PREFIXES = (
    "lisino", "enala", "capto", "rami", "quina", "beno", "fosi", "trando", "meto", "aten",
    "propra", "carve", "ator", "simva", "rosuva", "prava", "lova", "flu", "keto", "itra", "vori",
    "ome", "lanso", "panto", "rabe", "esome", "ada", "inflixi", "ritu", "trastu", "beva",
    "losar", "valsar", "irbe", "telmi", "cande", "amlo", "nife", "felo", "cipro", "levo", "moxi",
    "amoxi", "ampi", "doxy", "mino", "tetra", "rani", "famo", "cime", "silde", "tada", "varde",
    "suma", "riza", "zolmi", "ondan", "grani", "sita", "saxa", "lina", "dapa", "empa", "cana",
    "enoxa", "dalte", "acyclo", "valacy", "rito", "lopi", "dasa", "ima", "nilo", "erlo", "gefi",
    "diaz", "lora", "alpra", "clona", "lido", "bupiva", "ropiva", "alen", "rise", "iban", "monte",
    "zafir", "ery", "azithro", "clari", "ibu", "napro", "furo", "bume", "torse", "salme",
    "formo", "albu", "hydro", "chloro", "isotre", "predni", "dexa", "triam", "tamsu", "doxa",
    "prazo", "rivaro", "apixa", "edoxa", "hydroxy", "hydra", "clo", "pro", "meta", "nor",
)
INFIXES = ("", "", "", "lo", "ra", "ti", "ve", "zo", "me", "na")
STEMS = (
    "pril", "olol", "statin", "azole", "mab", "sartan", "dipine", "floxacin", "cillin",
    "cycline", "tidine", "prazole", "afil", "triptan", "setron", "gliptin", "gliflozin", "parin",
    "vir", "navir", "tinib", "zepam", "zolam", "caine", "conazole", "dronate", "lukast", "mycin",
    "profen", "semide", "terol", "thiazide", "sone", "olone", "zosin", "xaban", "zine", "lazine",
    "pine", "done",
)
SALTS = ("HYDROCHLORIDE", "SODIUM", "TARTRATE", "BESYLATE", "CALCIUM", "POTASSIUM", "MALEATE",
         "SUCCINATE", "ACETATE", "MESYLATE")
DOSAGE_FORMS = (
    ("TABLET", 30), ("TABLET, FILM COATED", 14), ("CAPSULE", 12), ("INJECTION, SOLUTION", 9),
    ("SOLUTION", 4), ("TABLET, EXTENDED RELEASE", 5), ("CAPSULE, DELAYED RELEASE", 3),
    ("CREAM", 3), ("OINTMENT", 2), ("SUSPENSION", 2), ("KIT", 1), ("SPRAY", 1), ("GEL", 1),
    ("PATCH", 1), ("LOTION", 1), ("SYRUP", 1), ("AEROSOL, METERED", 1),
    ("INJECTION, POWDER, LYOPHILIZED, FOR SOLUTION", 2), ("POWDER, FOR SUSPENSION", 1),
    ("TABLET, ORALLY DISINTEGRATING", 1),
)
ONSETS = ("B", "C", "D", "F", "G", "K", "L", "M", "N", "P", "R", "S", "T", "V", "X", "Z", "BR",
          "CR", "DR", "FL", "GL", "PR", "TR", "ST", "SP", "QU", "")
VOWELS = ("A", "E", "I", "O", "U", "Y", "AE", "IA")
CODAS = ("", "", "", "N", "X", "L", "R", "S", "T", "M")
FIRM_WORDS = ("Apex", "Aurora", "Bayshore", "Cardinal", "Cedar", "Summit", "Northstar", "Pinnacle",
              "Harbor", "Meridian", "Riverside", "Granite", "Keystone", "Liberty", "Beacon",
              "Crescent", "Evergreen", "Falcon", "Golden", "Heritage", "Horizon", "Ivy", "Jade",
              "Lakeside", "Magnolia", "Noble", "Oak", "Pacific", "Prairie", "Quantum", "Redwood",
              "Sierra", "Sterling", "Trinity", "Unity", "Valley", "Vista", "Westfield", "Zenith",
              "Atlas", "Bluewater", "Coastal", "Delta", "Eagle", "Frontier", "Greenfield",
              "Highland", "Island", "Juniper", "Kingston")
FIRM_SUFFIXES = ("Pharmaceuticals, Inc.", "Laboratories", "Pharma LLC", "Health", "Rx LLC",
                 "Generics", "Biologics", "Medical Corp.", "Pharmaceuticals USA", "Labs Inc",
                 "Healthcare", "Packaging Services", "Repackagers Inc")
CLASS_TEMPLATES = {
    "EPC": ("{} Inhibitor", "{} Agonist", "{} Antagonist", "{} Blocker", "{}-class Antibacterial",
            "{} Analog", "{} Modulator"),
    "MOA": ("{} Inhibitors", "{} Receptor Agonists", "{} Receptor Antagonists",
            "{} Uptake Inhibitors", "{} Activity Alteration"),
    "PE": ("Decreased {} Activity", "Increased {} Activity", "{} Release Inhibition",
           "Decreased {} Synthesis"),
    "CI": ("{} Compounds", "{} Derivatives", "{}s"),
}
CLASS_WORDS = ("Angiotensin", "Adrenergic", "Calcium Channel", "HMG-CoA Reductase", "Kinase",
               "Serotonin", "Dopamine", "GABA", "Histamine H2", "Proton Pump", "Opioid",
               "Cyclooxygenase", "Factor Xa", "Thrombin", "DPP-4", "SGLT2", "Estrogen",
               "Androgen", "Glucocorticoid", "Mineralocorticoid", "Muscarinic", "Nicotinic",
               "Sodium Channel", "Potassium Channel", "Carbonic Anhydrase", "Phosphodiesterase 5",
               "Leukotriene", "Bisphosphonate", "Penicillin", "Cephalosporin", "Macrolide",
               "Tetracycline", "Fluoroquinolone", "Azole Antifungal", "Nucleoside", "Protease",
               "Integrase", "Tyrosine Kinase", "Tumor Necrosis Factor", "Interleukin",
               "Vitamin D", "Insulin", "Thyroid Hormone", "Prostaglandin", "Bradykinin",
               "Renin", "Aldosterone", "Vasopressin", "Oxytocin", "Melatonin")
# fmt: on
CLASS_TYPE_SHARES = (("EPC", 0.40), ("MOA", 0.25), ("PE", 0.20), ("CI", 0.15))
CLASSES_PER_GENERIC = ((0, 4), (1, 16), (2, 30), (3, 26), (4, 14), (5, 6), (6, 3), (8, 1))
INGREDIENT_COUNTS = ((1, 75), (2, 17), (3, 5), (4, 3))
EMPTY_CLASS_SHARE = 0.04
OLDEST = date(2011, 1, 1)
NEWEST = date(2025, 11, 30)
MED_RT = "2.16.840.1.113883.6.345"
MESH = "2.16.840.1.113883.6.177"


@dataclass
class Generated:
    """What was written, for the report and the filters the benchmark picks."""

    rows: dict[str, int] = field(default_factory=dict)


def _weighted(rng: random.Random, pairs: Sequence[tuple[object, float]]) -> object:
    return rng.choices([value for value, _ in pairs], [weight for _, weight in pairs])[0]


def _zipf(count: int, exponent: float) -> list[float]:
    """Cumulative weights of a long tail: rank r weighs 1 / r^exponent."""
    return list(accumulate(1 / (rank + 1) ** exponent for rank in range(count)))


def generic_names(rng: random.Random, count: int) -> list[str]:
    """`count` distinct generic names on real stems, some with a salt: look-alikes abound."""
    names: dict[str, None] = {}
    while len(names) < count:
        base = rng.choice(PREFIXES) + rng.choice(INFIXES) + rng.choice(STEMS)
        salt = f" {rng.choice(SALTS)}" if rng.random() < 0.3 else ""
        names[(base + salt).upper()] = None
    return list(names)


def brand_names(rng: random.Random, count: int) -> list[str]:
    """`count` distinct invented brand names of two or three syllables."""
    names: dict[str, None] = {}
    while len(names) < count:
        syllables = rng.randint(2, 3)
        names[
            "".join(
                rng.choice(ONSETS) + rng.choice(VOWELS) + rng.choice(CODAS)
                for _ in range(syllables)
            )
        ] = None
    return list(names)


def _labelers(rng: random.Random, count: int) -> list[tuple[str, str, str]]:
    """(labeler code as printed, its layout, name): 30% 4-digit codes (printed 4-4-2), the
    others 5 digits printed 5-3-2 or 5-4-1."""
    codes = rng.sample(range(1, 100_000), count)
    names = [
        f"{a} {b} {s}" for a in FIRM_WORDS for b in FIRM_WORDS if a != b for s in FIRM_SUFFIXES
    ]
    firms = rng.sample(names, count)
    labelers = []
    for code, name in zip(codes, firms, strict=True):
        if code < 10_000 and rng.random() < 0.6:
            labelers.append((f"{code:04d}", "4-4-2", name))
        else:
            labelers.append((f"{code:05d}", rng.choice(("5-3-2", "5-4-1")), name))
    return labelers


def _classes(rng: random.Random, count: int) -> list[tuple[int, str, str, str, str]]:
    """(id, code, coding system, type, name) of `count` classes, types by their share."""
    classes = []
    seen: set[str] = set()
    for class_id in range(1, count + 1):
        class_type = str(_weighted(rng, CLASS_TYPE_SHARES))
        name = rng.choice(CLASS_TEMPLATES[class_type]).format(rng.choice(CLASS_WORDS))
        while f"{name} [{class_type}]" in seen:
            name = f"{name} {rng.choice('ABCDEFGHJKLMNPRSTUVWXYZ')}"
        seen.add(f"{name} [{class_type}]")
        system, code = (
            (MESH, f"D{class_id:06d}") if class_type == "CI" else (MED_RT, f"N{class_id:010d}")
        )
        classes.append((class_id, code, system, class_type, f"{name} [{class_type}]"))
    return classes


def _printed(labeler: str, layout: str, product: int, package: int) -> str:
    if layout == "4-4-2":
        return f"{labeler}-{product % 10_000:04d}-{package % 100:02d}"
    if layout == "5-3-2":
        return f"{labeler}-{product % 1000:03d}-{package % 100:02d}"
    return f"{labeler}-{product % 10_000:04d}-{package % 10}"


def _product_code(code: str) -> str:
    return code.rsplit("-", 1)[0]


def _published(rng: random.Random) -> date:
    """Over ~15 years, more of them recent (labels are revised, so recent dates dominate)."""
    span = (NEWEST - OLDEST).days
    return NEWEST - timedelta(days=min(span, int(rng.expovariate(3.0 / span))))


@dataclass
class _World:
    """What labels are drawn from: names, classes, firms and their long-tail weights."""

    rng: random.Random
    generics: list[str]
    generic_weights: list[float]
    brands: list[str]
    brand_weights: list[float]
    generic_classes: list[list[int]]
    firms: list[tuple[str, str, str]]
    firm_weights: list[float]
    next_product: list[int]
    runs: list[int]
    now: datetime
    printed_packages: list[str] = field(default_factory=list)
    drugs: list[tuple[object, ...]] = field(default_factory=list)
    members: list[tuple[object, ...]] = field(default_factory=list)
    ndcs: list[tuple[object, ...]] = field(default_factory=list)
    ingredients: list[tuple[object, ...]] = field(default_factory=list)


def _world(rng: random.Random, labels: int, class_ids: list[int], labelers: int) -> _World:
    live = list(class_ids)
    rng.shuffle(live)
    live = live[: int(len(class_ids) * (1 - EMPTY_CLASS_SHARE))]
    class_weights = _zipf(len(live), 0.7)
    generics = generic_names(rng, max(50, min(4000, labels // 25)))
    per_generic = [int(str(_weighted(rng, CLASSES_PER_GENERIC))) for _ in generics]
    firms = _labelers(rng, labelers)
    brands = brand_names(rng, max(50, labels // 4))
    return _World(
        rng=rng,
        generics=generics,
        generic_weights=_zipf(len(generics), 0.8),
        brands=brands,
        brand_weights=_zipf(len(brands), 0.5),
        generic_classes=[
            sorted(set(rng.choices(live, cum_weights=class_weights, k=k))) for k in per_generic
        ],
        firms=firms,
        firm_weights=_zipf(labelers, 0.8),
        next_product=[rng.randrange(10, 900) for _ in firms],
        runs=_sync_runs(datetime.now(UTC)),
        now=datetime.now(UTC),
    )


_FORMS = [form for form, _ in DOSAGE_FORMS]
_FORM_WEIGHTS = list(accumulate(weight for _, weight in DOSAGE_FORMS))
_STRENGTHS = (1, 2.5, 5, 10, 20, 25, 40, 50, 100, 250, 500)


def _label(w: _World, drug_id: int) -> None:
    """One label: its drug row, classes, ingredients and NDCs."""
    rng = w.rng
    g = rng.choices(range(len(w.generics)), cum_weights=w.generic_weights)[0]
    parts = [w.generics[g]]
    parts += rng.choices(w.generics, k=int(str(_weighted(rng, INGREDIENT_COUNTS))) - 1)
    names = list(dict.fromkeys(parts))
    generic = " AND ".join(names)
    form = rng.choices(_FORMS, cum_weights=_FORM_WEIGHTS)[0]
    firm = rng.choices(range(len(w.firms)), cum_weights=w.firm_weights)[0]
    brand = None
    if rng.random() < 0.55:
        brand = rng.choices(w.brands, cum_weights=w.brand_weights)[0]
        brand += "®" if rng.random() < 0.05 else ""
    labeler_name = w.firms[firm][2]
    title = (
        f"{brand} ({generic}) {form} [{labeler_name}]"
        if brand
        else f"{generic} {form} [{labeler_name}]"
    )
    version = min(30, 1 + int(rng.expovariate(1 / 3.5)))
    published = _published(rng)
    edited, review, missing = rng.random() < 0.01, rng.random() < 0.003, rng.random() < 0.01
    source = {"title": title, "spl_version": version, "published_date": published.isoformat()}
    w.drugs.append(
        (drug_id, str(uuid.UUID(int=rng.getrandbits(128))), title, version, published, version,
         *parse_title(title).fields().values(), source, 1 + edited, {}, edited, review, missing,
         w.now, w.now, w.runs[0], w.runs[-1])
    )  # fmt: skip
    w.members += [(drug_id, c, w.runs[0]) for c in w.generic_classes[g] if rng.random() > 0.1]
    w.ingredients += [
        (drug_id, brand or generic, name, f"{rng.choice(_STRENGTHS)} mg") for name in names
    ]
    if rng.random() >= 0.03:  # else a label without NDCs
        _label_ndcs(w, drug_id, firm)


def _label_ndcs(w: _World, drug_id: int, firm: int) -> None:
    """A product or two, each printed as a product code and 1–3 package codes; sometimes as 11
    digits, rarely in no known form; and now and then a repackager's copy of another's code."""
    rng = w.rng
    labeler, layout, _ = w.firms[firm]
    for _ in range(1 + (rng.random() < 0.1)):
        w.next_product[firm] += rng.randint(1, 3)
        product = w.next_product[firm]
        packages = [
            _printed(labeler, layout, product, rng.randrange(100))
            for _ in range(rng.choice((1, 1, 2, 2, 3)))
        ]
        codes = [_product_code(packages[0]), *packages]
        if rng.random() < 0.08:
            codes[1:] = [normalize_ndc(p).ndc11_hyphenated or p for p in packages]
        if rng.random() < 0.005:
            codes[-1] = f"{labeler}-{product:05d}-{rng.randrange(1000):03d}"
        for code in dict.fromkeys(codes):
            kind = "package" if code.count("-") == 2 else "product"
            w.ndcs.append(_ndc_row(drug_id, code, kind, f"30 TABLET in 1 BOTTLE ({code})"))
            if kind == "package":
                w.printed_packages.append(code)
    if w.printed_packages and rng.random() < 0.04:
        code = rng.choice(w.printed_packages)
        w.ndcs.append(_ndc_row(drug_id, code, "package", f"1 BLISTER PACK in 1 CARTON ({code})"))


def generate(labels: int, classes: int = 2000, labelers: int = 2000, seed: int = 9) -> Generated:
    """Write the catalogue into the app's (empty) tables with COPY, committed."""
    rng = random.Random(seed)
    class_rows = _classes(rng, classes)
    w = _world(rng, labels, [row[0] for row in class_rows], labelers)
    for drug_id in range(1, labels + 1):
        _label(w, drug_id)
    rows = {
        "drug_classes": bulk.copy_rows(
            DrugClass.__table__,
            ("id", "code", "coding_system", "class_type", "name", "source_values", *_BOOKKEEPING),
            ((*row, {"name": row[4]}, *_fresh(w.now, w.runs, rng)) for row in class_rows),
        ),
        "drugs": bulk.copy_rows(Drug.__table__, DRUG_COLUMNS, w.drugs),
        "drug_class_memberships": bulk.copy_rows(memberships, store.MEMBERSHIP_COLUMNS, w.members),
        "ndc_codes": bulk.copy_rows(NdcCode.__table__, store.NDC_COLUMNS, w.ndcs),
        "active_ingredients": bulk.copy_rows(
            ActiveIngredient.__table__, store.INGREDIENT_COLUMNS, w.ingredients
        ),
        "record_changes": bulk.copy_rows(RecordChange.__table__, HISTORY_COLUMNS, _history(w)),
    }
    db.session.execute(sa.text(_RESET_SEQUENCES))
    db.session.commit()
    return Generated(rows)


HISTORY_COLUMNS = ("dataset", "record_id", "field", "action", "old_value", "new_value",
                   "actor_type", "run_id", "changed_at")  # fmt: skip
_BOOKKEEPING = ("version", "manual_fields", "is_manually_edited", "needs_review",
                "missing_from_source", "created_at", "updated_at", "first_seen_run_id",
                "last_seen_run_id")  # fmt: skip
DRUG_COLUMNS = ("id", "set_id", "title", "spl_version", "published_date", "details_version",
                "brand_name", "generic_name", "dosage_form", "labeler_name", "source_values",
                *_BOOKKEEPING)  # fmt: skip
_RESET_SEQUENCES = "; ".join(
    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
    f"(SELECT coalesce(max(id), 0) + 1 FROM {table}), false)"
    for table in ("drugs", "drug_classes", "ndc_codes", "active_ingredients", "record_changes")
)


def _fresh(now: datetime, runs: list[int], rng: random.Random) -> tuple[object, ...]:
    return (1, {}, False, False, rng.random() < 0.01, now, now, runs[0], runs[-1])


def _ndc_row(drug_id: int, printed: str, kind: str, description: str) -> tuple[object, ...]:
    code = normalize_ndc(printed)
    return (drug_id, printed, kind, code.format, code.ndc11, code.product_ndc, code.product_ndc9,
            code.labeler, code.labeler5, description)  # fmt: skip


def _sync_runs(now: datetime) -> list[int]:
    """A year of weekly DailyMed runs, for the change history to name."""
    runs = [
        Run(source="dailymed", status="completed", triggered_by="schedule:sync",
            started_at=now - timedelta(days=7 * week), completed_at=now - timedelta(days=7 * week))
        for week in range(52, 0, -1)
    ]  # fmt: skip
    db.session.add_all(runs)
    db.session.flush()
    return [run.id for run in runs]


def _history(w: _World) -> list[tuple[object, ...]]:
    """About one change per three labels over the year: new versions (title, version) by
    syncs, a few corrections by people."""
    changes: list[tuple[object, ...]] = []
    for _ in range(math.ceil(len(w.drugs) / 3)):
        drug = w.rng.choice(w.drugs)
        week = w.rng.randrange(len(w.runs))
        at = w.now - timedelta(days=7 * (len(w.runs) - week), minutes=w.rng.randrange(600))
        by_person = w.rng.random() < 0.05
        actor, run = ("user", None) if by_person else ("sync", w.runs[week])
        for name, position in (("spl_version", 3), ("title", 2)):
            value = drug[position]
            changes.append(("drugs", drug[0], name, "update", value, value, actor, run, at))
    return changes
