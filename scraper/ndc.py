"""National Drug Codes: recognise the printed form, normalise to the 11-digit HIPAA form.

An NDC is labeler-product-package. Printed 10-digit codes come in three layouts (4-4-2, 5-3-2,
5-4-1); the 11-digit form (5-4-2) pads the short segment with a leading zero. A product NDC is
the first two segments. Anything else (the future 12-digit format, typos) is kept as received
and classified "unrecognised" — normalising never raises.

Normalised values are digits only: `ndc11` is 11 digits, `product_ndc9` is 9 digits (5-4);
`ndc_search_keys` returns values of those two kinds, so a search compares like with like.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

NdcFormat = Literal[
    "4-4-2",
    "5-3-2",
    "5-4-1",
    "11-digit",
    "product-4-4",
    "product-5-3",
    "product-5-4",
    "unrecognised",
]

# Segment lengths of each hyphenated layout, and the (labeler, product, package) widths of the
# 5-4-2 target each segment is padded to.
_HYPHENATED_LAYOUTS: dict[tuple[int, ...], NdcFormat] = {
    (4, 4, 2): "4-4-2",
    (5, 3, 2): "5-3-2",
    (5, 4, 1): "5-4-1",
    (5, 4, 2): "11-digit",
    (4, 4): "product-4-4",
    (5, 3): "product-5-3",
    (5, 4): "product-5-4",
}
_TARGET_WIDTHS = (5, 4, 2)
_SEGMENTED = re.compile(r"[0-9]+(?:-[0-9]+)*")
_DIGITS = re.compile(r"[0-9]+")
# Characters people type between segments: spaces and the dashes word processors substitute.
_USER_SEPARATORS = re.compile(r"[\s\u2010-\u2015\u2212]+")


@dataclass(frozen=True)
class NdcCode:
    """One NDC as received plus, when its layout is known, its normalised forms."""

    raw: str
    digits: str
    format: NdcFormat
    ndc11: str | None = None
    ndc11_hyphenated: str | None = None
    labeler: str | None = None
    labeler5: str | None = None
    product_ndc: str | None = None
    product_ndc9: str | None = None
    package: str | None = None

    @property
    def recognised(self) -> bool:
        return self.format != "unrecognised"

    @property
    def is_package(self) -> bool:
        """True for a full package NDC (three segments), False for a product NDC or garbage."""
        return self.ndc11 is not None


def normalize_ndc(raw: str) -> NdcCode:
    """Classify `raw` and derive its 11-digit, labeler and product forms. Never raises."""
    text = raw if isinstance(raw, str) else ("" if raw is None else str(raw))
    stripped = text.strip()
    digits = "".join(ch for ch in stripped if ch.isascii() and ch.isdigit())
    unrecognised = NdcCode(raw=text, digits=digits, format="unrecognised")
    if not _SEGMENTED.fullmatch(stripped):
        return unrecognised
    segments = stripped.split("-")
    if len(segments) == 1 and len(digits) == 11:
        segments = [digits[:5], digits[5:9], digits[9:]]
    layout = _HYPHENATED_LAYOUTS.get(tuple(len(s) for s in segments))
    if layout is None:
        return unrecognised
    padded = [s.zfill(width) for s, width in zip(segments, _TARGET_WIDTHS, strict=False)]
    labeler5, product4 = padded[0], padded[1]
    is_package = len(segments) == 3
    return NdcCode(
        raw=text,
        digits=digits,
        format=layout,
        ndc11="".join(padded) if is_package else None,
        ndc11_hyphenated="-".join(padded) if is_package else None,
        labeler=segments[0],
        labeler5=labeler5,
        product_ndc=f"{segments[0]}-{segments[1]}",
        product_ndc9=labeler5 + product4,
        package=segments[2] if is_package else None,
    )


def ndc_search_keys(query: str) -> list[str]:
    """The normalised codes a search for `query` should match, most likely first.

    Returns 11-digit keys (compare with `NdcCode.ndc11`) for a package code and 9-digit keys
    (compare with `NdcCode.product_ndc9`) for a product code. Hyphenated input and 11 digits
    without hyphens are unambiguous; 10 digits without hyphens may be any of the three 10-digit
    layouts and 8 digits either 4-4 or 5-3, so every candidate is returned. Input that cannot be
    an NDC gives an empty list.
    """
    cleaned = _USER_SEPARATORS.sub("-", (query or "").strip()).strip("-")
    if not _DIGITS.fullmatch(cleaned):
        code = normalize_ndc(cleaned)
        if code.ndc11:
            return [code.ndc11]
        return [code.product_ndc9] if code.product_ndc9 else []
    if len(cleaned) in (9, 11):
        return [cleaned]
    layouts: list[tuple[int, ...]]
    if len(cleaned) == 10:
        layouts = [(4, 4, 2), (5, 3, 2), (5, 4, 1)]
    elif len(cleaned) == 8:
        layouts = [(4, 4), (5, 3)]
    else:
        return []
    return list(dict.fromkeys(_split_and_pad(cleaned, layout) for layout in layouts))


def labeler_code(text: str) -> str | None:
    """A labeler segment as printed (4 or 5 digits) in its normalised 5-digit form, or None when
    `text` is not one: 0002 and 00002 are one labeler."""
    return text.zfill(5) if re.fullmatch(r"\d{4,5}", text) else None


def hyphenated(normalised: str | None) -> str | None:
    """A stored normalised code as people read it: 11 digits as 5-4-2, 9 digits as 5-4."""
    if not normalised:
        return None
    return "-".join(
        normalised[start : start + width]
        for start, width in zip((0, 5, 9), _TARGET_WIDTHS, strict=False)
        if start < len(normalised)
    )


def _split_and_pad(digits: str, layout: tuple[int, ...]) -> str:
    segments: list[str] = []
    start = 0
    for length, width in zip(layout, _TARGET_WIDTHS, strict=False):
        segments.append(digits[start : start + length].zfill(width))
        start += length
    return "".join(segments)
