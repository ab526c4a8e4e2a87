"""Benchmark 7c: searching 100,000 drugs by name and by NDC through the API.

Fills a throw-away PostgreSQL with the sandbox catalogue through the sync's own write path,
then times `GET /api/drugs?name=…` and `GET /api/drugs?ndc=…` through the Flask test client
with a bearer token — the whole request: authentication, the filtered count, the page of 25
sorted by title, the JSON. Name terms are brand names and pieces of real titles (rare and
common alike); NDCs are stored codes asked for in every form a person might type. Target
(issue 4): p99 < 50 ms.

    python -m bench.dailymed_search               # 100,000 labels; writes bench/README.md
    python -m bench.dailymed_search --labels 10000 --no-write
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from flask import Flask

import accounts
from bench.common import benchmark_app, machine, percentile, write_readme_section
from bench.dailymed_write import write_path
from database import db
from datasets.drugs import SEARCH_COUNT_LIMIT
from models import NdcCode
from sandbox.catalogue import Catalogue

SECTION_TITLE = "## DailyMed search (7c)"
P99_TARGET_MS = 50.0
COMMON_TERMS = ("tablet", "hydrochloride", "injection", "sodium", "acetaminophen", "capsule")


@dataclass(frozen=True)
class Latencies:
    kind: str
    milliseconds: list[float]
    matches: list[int]

    @property
    def median(self) -> float:
        return statistics.median(self.milliseconds)

    @property
    def p99(self) -> float:
        return percentile(self.milliseconds, 0.99)


def name_terms(catalogue: Catalogue, count: int, rng: random.Random) -> list[str]:
    """What people type: a few very common words, then half whole brand names (rare) and
    half 3–10 letter pieces of title words (often matching thousands)."""
    terms = list(COMMON_TERMS)
    while len(terms) < count:
        label = rng.choice(catalogue.labels)
        if len(terms) % 2 and label.brand:
            terms.append(label.brand.lower())
            continue
        words = re.findall(r"[A-Za-z]{4,}", label.title)
        word = rng.choice(words)
        length = rng.randint(3, min(10, len(word)))
        start = rng.randint(0, len(word) - length)
        terms.append(word[start : start + length].lower())
    return terms


def ndc_queries(count: int, rng: random.Random) -> list[str]:
    """Stored NDCs in every form: as printed, 11 digits with and without hyphens, 10 digits
    without hyphens, and product codes."""
    stored = db.session.execute(
        sa.select(NdcCode.ndc, NdcCode.ndc11, NdcCode.kind).order_by(sa.func.random()).limit(count)
    ).all()
    queries = []
    for printed, ndc11, kind in stored:
        forms = [printed]
        if ndc11:
            forms += [ndc11, f"{ndc11[:5]}-{ndc11[5:9]}-{ndc11[9:]}", printed.replace("-", "")]
        queries.append(rng.choice(forms) if kind == "package" else printed)
    return queries


def measure(app: Flask, headers: dict[str, str], kind: str, values: Sequence[str]) -> Latencies:
    client = app.test_client()
    for value in values[:20]:  # warm up connections and caches
        client.get("/api/drugs", query_string={kind: value}, headers=headers)
    times, matches = [], []
    for value in values:
        started = time.perf_counter()
        response = client.get("/api/drugs", query_string={kind: value}, headers=headers)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.get_json()
        matches.append(response.get_json()["total"])
    return Latencies(kind, times, matches)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.dailymed_search", description=__doc__)
    parser.add_argument("--labels", type=int, default=100_000)
    parser.add_argument("--classes", type=int, default=1500)
    parser.add_argument("--queries", type=int, default=300, help="per kind")
    parser.add_argument("--no-write", action="store_true", help="print only; leave README.md")
    args = parser.parse_args(argv)

    rng = random.Random(7)
    catalogue = Catalogue(classes=args.classes, labels=args.labels)
    with benchmark_app("medsync_bench_search") as app:
        write_path(catalogue, catalogue.labels)
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("VACUUM ANALYZE"))  # as autovacuum would have by now
        user = accounts.create_user("bench", "bench-password-123", "viewer")
        headers = {"Authorization": f"Bearer {accounts.create_token(user, 'bench').plaintext}"}
        results = [
            measure(app, headers, "name", name_terms(catalogue, args.queries, rng)),
            measure(app, headers, "ndc", ndc_queries(args.queries, rng)),
        ]
    section = readme_section(args, results)
    print(section)
    if not args.no_write:
        write_readme_section(SECTION_TITLE, section)


def readme_section(args: argparse.Namespace, results: list[Latencies]) -> str:
    rows = "".join(
        f"| `GET /api/drugs?{r.kind}=…` | {len(r.milliseconds)} | {r.median:.1f} ms | "
        f"{r.p99:.1f} ms | {max(r.milliseconds):.1f} ms | {statistics.median(r.matches):,.0f} | "
        f"{sum(m >= SEARCH_COUNT_LIMIT for m in r.matches)} | < {P99_TARGET_MS:.0f} ms "
        f"({'met' if r.p99 < P99_TARGET_MS else '**not met**'}) |\n"
        for r in results
    )
    return (
        f"{SECTION_TITLE}\n\n"
        f"`python -m bench.dailymed_search` stores {args.labels:,} sandbox labels through the "
        "sync's write path in a throw-away embedded PostgreSQL, then times whole API requests "
        "through the Flask test client with a bearer token (authentication, the filtered count, "
        "a page of 25 sorted by title, the JSON). Name terms are whole brand names and 3–10 "
        f"letter pieces of real titles, half each, plus very common words "
        f"({', '.join(COMMON_TERMS)}); NDCs are stored codes "
        "typed as printed, as 11 digits with and without hyphens, as 10 digits, or as product "
        "codes. Searches use the trigram index on titles and the indexed normalised NDC "
        f"columns. Machine: {machine()}.\n\n"
        "| Request | Queries | Median | p99 | Slowest | Median matches | Queries with "
        f"{SEARCH_COUNT_LIMIT:,}+ matches | Target p99 |\n"
        "|---|---:|---:|---:|---:|---:|---:|---|\n" + rows + "\n"
        f"A name search counts its matches up to {SEARCH_COUNT_LIMIT:,} (`total_exact` false "
        'beyond): counting the 42,000 titles holding "tablet" alone costs more than 40 ms. '
        "The count reads matches through the trigram index only (bounded by the limit); when "
        "it found them all, the page is sorted from them, otherwise PostgreSQL walks the "
        "title index (`drugs_title_order`) until the page is full.\n"
    )


if __name__ == "__main__":
    main()
