"""What a stem is (shared by `analytics.stems`, which counts them, and `analytics.kept`, which
keeps their counts): an ending (suffix) or beginning (prefix) of STEM_LENGTHS letters of an
active moiety, leaving at least MIN_REST letters of it."""

from __future__ import annotations

STEM_LENGTHS = range(3, 8)  # letters in a stem
MIN_REST = 3  # letters of the moiety a stem must leave: a stem is a part, not the name
KINDS = ("prefix", "suffix")
EXAMPLES = 5  # first names shown per stem

# SQL: (kind, length) of every stem, as a VALUES list; and a moiety's stem of that kind and
# length (`moiety` the column's name), when the moiety is long enough (`LONG_ENOUGH`).
CUTS = "(VALUES " + ", ".join(f"('{k}', {n})" for k in KINDS for n in STEM_LENGTHS) + ")"


def cut_sql(moiety: str, kind: str = "l.kind", length: str = "l.length") -> str:
    return (
        f"CASE {kind} WHEN 'prefix' THEN left({moiety}, {length}) "
        f"ELSE right({moiety}, {length}) END"
    )


def long_enough_sql(moiety: str, length: str = "l.length") -> str:
    return f"char_length({moiety}) >= {length} + {MIN_REST}"
