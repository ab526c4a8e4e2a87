"""Words the generated DailyMed catalogue is made of: class names, ingredients, forms, firms."""

from __future__ import annotations

import random

CLASS_NAMES = {
    "EPC": (
        "Kinase Inhibitor",
        "HMG-CoA Reductase Inhibitor",
        "Angiotensin Converting Enzyme Inhibitor",
        "Calcium Channel Blocker",
        "beta-Adrenergic Blocker",
        "Proton Pump Inhibitor",
        "Opioid Agonist",
        "Corticosteroid",
        "Vitamin B12",
        "Biguanide",
        "Sulfonylurea",
        "Thiazide Diuretic",
        "Serotonin Reuptake Inhibitor",
        "Benzodiazepine",
        "Penicillin-class Antibacterial",
        "Nonsteroidal Anti-inflammatory Drug",
    ),
    "MOA": (
        "Protein Kinase Inhibitors",
        "Hydroxymethylglutaryl-CoA Reductase Inhibitors",
        "Angiotensin-converting Enzyme Inhibitors",
        "Calcium Channel Antagonists",
        "Adrenergic beta-Antagonists",
        "Proton Pump Inhibitors",
        "Full Opioid Agonists",
        "Cyclooxygenase Inhibitors",
        "Serotonin Uptake Inhibitors",
        "GABA A Receptor Modulators",
    ),
    "PE": (
        "Decreased Blood Pressure",
        "Decreased Cholesterol Synthesis",
        "Increased Diuresis",
        "Central Nervous System Depression",
        "Decreased Platelet Aggregation",
        "Decreased Gastric Acid Secretion",
        "Bronchodilation",
        "Decreased Prostaglandin Production",
    ),
    "CI": (
        "Dihydropyridines",
        "Benzodiazepines",
        "Sulfonamides",
        "Penicillins",
        "Steroids",
        "Vitamin B 12",
        "Biguanides",
        "Thiazides",
    ),
}
# (name, unit, strengths); several entries are combination products.
INGREDIENTS: tuple[tuple[tuple[str, str, tuple[int, ...]], ...], ...] = (
    (("CYANOCOBALAMIN", "µg", (1000, 500, 100)),),
    (("ATORVASTATIN CALCIUM TRIHYDRATE", "mg", (10, 20, 40, 80)),),
    (("LISINOPRIL", "mg", (2, 5, 10, 20, 40)),),
    (("AMLODIPINE BESYLATE", "mg", (2, 5, 10)),),
    (("METFORMIN HYDROCHLORIDE", "mg", (500, 850, 1000)),),
    (("LEVOTHYROXINE SODIUM", "µg", (25, 50, 75, 100, 125)),),
    (("OMEPRAZOLE", "mg", (10, 20, 40)),),
    (("SERTRALINE HYDROCHLORIDE", "mg", (25, 50, 100)),),
    (("IBUPROFEN", "mg", (200, 400, 600, 800)),),
    (("FENTANYL CITRATE", "µg", (50, 100)),),
    (("IMATINIB MESYLATE", "mg", (100, 400)),),
    (("HYDROCHLOROTHIAZIDE", "mg", (12, 25, 50)),),
    (("AMOXICILLIN", "mg", (250, 500, 875)),),
    (("PREDNISONE", "mg", (1, 5, 10, 20)),),
    (("ALPRAZOLAM", "mg", (1, 2)),),
    (("METOPROLOL TARTRATE", "mg", (25, 50, 100)),),
    (("AMLODIPINE BESYLATE", "mg", (5, 10)), ("BENAZEPRIL HYDROCHLORIDE", "mg", (10, 20))),
    (("LISINOPRIL", "mg", (10, 20)), ("HYDROCHLOROTHIAZIDE", "mg", (12, 25))),
)
# (form as printed in a title, unit counted in a package, container)
DOSAGE_FORMS = (
    ("TABLET", "TABLET", "BOTTLE"),
    ("TABLET, FILM COATED", "TABLET", "BOTTLE"),
    ("TABLET, EXTENDED RELEASE", "TABLET", "BLISTER PACK"),
    ("CAPSULE", "CAPSULE", "BOTTLE"),
    ("INJECTION, SOLUTION", "mL", "VIAL"),
    ("SOLUTION", "mL", "BOTTLE"),
    ("CREAM", "g", "TUBE"),
)
LABELER_NAMES = tuple(
    f"{place} {kind}"
    for kind in ("Pharmaceuticals, Inc.", "Laboratories", "Health LLC", "Pharma USA", "Rx Corp.")
    for place in (
        "Acme",
        "Bluefield",
        "Cedar",
        "Dover",
        "Evergreen",
        "Fairmont",
        "Granite",
        "Harbor",
        "Ironwood",
        "Juniper",
        "Keystone",
        "Lakeside",
        "Meridian",
        "Northwind",
        "Oakridge",
        "Pinecrest",
        "Quarry",
        "Riverside",
        "Summit",
        "Tidewater",
    )
)
TRADEMARKS = ("®", "™")
_BRAND_HEADS = ("ZY", "LO", "VA", "CRE", "NEX", "AL", "TRI", "OM", "DU", "FLO", "XA", "PRA")
_BRAND_MIDDLES = ("RA", "VI", "TO", "LE", "MI", "NO", "SA", "DE", "QUI", "")
_BRAND_TAILS = ("TOR", "ZAC", "VIX", "LIN", "RAN", "DEX", "MAX", "TRA", "SYN", "PHEN")


def brand_name(rng: random.Random) -> str:
    return rng.choice(_BRAND_HEADS) + rng.choice(_BRAND_MIDDLES) + rng.choice(_BRAND_TAILS)
