"""Benchmark #9's report: the section of bench/README.md, one table row per measure with its
target and verdict, written from the `Results` of `bench.analytics`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bench.analytics_kept import CHANGED
from bench.common import machine

if TYPE_CHECKING:
    from bench.analytics import Results

SECTION_TITLE = "## Analytics (#9)"
TOTAL_TARGET_S = 5.0
SPEEDUP_TARGET = 50.0
P95_TARGET_MS = 300.0
MEMORY_TARGET_MB = 300.0


def _verdict(ok: bool) -> str:
    return "met" if ok else "**missed**"


def readme_section(r: Results) -> str:
    c = r.comparison
    in_order = (
        [
            (
                "— each run in order (the first after the load fills the look-alike cache)",
                ", ".join(f"{sum(run.values()):.2f} s" for run in r.runs),
                "",
            )
        ]
        if len(r.runs) > 1
        else []
    )
    rows = [
        (
            f"All {len(r.per_analyzer)} analyzers, unfiltered, stored "
            + (f"(median of {len(r.runs)} runs)" if len(r.runs) > 1 else "(one run)"),
            f"{r.total:.2f} s",
            f"≤ {TOTAL_TARGET_S:.0f} s ({_verdict(r.total <= TOTAL_TARGET_S)})",
        ),
        *((f"— {name}", f"{seconds:.2f} s", "") for name, seconds in r.per_analyzer.items()),
        *in_order,
        (
            "— kept counts (`analytics.kept`): built from the load (the first catch-up)",
            f"{r.kept.build_s:.2f} s",
            "",
        ),
        (
            f"— before each run, a sync's worth of change: {CHANGED:,} labels changed as a sync "
            "changes them (codes and memberships replaced, a flag flipped), then the catch-up "
            "the sync ends with (the sync's cost, not the run's)",
            ", ".join(f"{s:.2f} s" for s in r.kept.catch_ups_s),
            "",
        ),
        (
            "— that change's writes with the analytics triggers vs without (median of 3 each)",
            f"{r.kept.change_with_s:.2f} s vs {r.kept.change_without_s:.2f} s "
            f"({(r.kept.change_with_s / r.kept.change_without_s - 1) * 100:+.0f}%)",
            "",
        ),
        (
            f"Plain Python ({', '.join(c.plain)}): SELECT the rows, count in Python",
            f"{sum(c.plain.values()):.2f} s vs ours {sum(c.ours.values()):.2f} s: "
            f"{c.speedup:.1f}× faster",
            f"≥ {SPEEDUP_TARGET:.0f}× ({_verdict(c.speedup >= SPEEDUP_TARGET)})",
        ),
        *(
            (
                f"— {name}",
                f"{c.plain[name]:.2f} s vs {c.ours[name]:.2f} s: "
                f"{c.plain[name] / c.ours[name]:.1f}×",
                "",
            )
            for name in c.plain
        ),
        (
            "— ours with the sync's catch-up counted in (as if the run caught up itself)",
            f"{sum(c.ours.values()) + r.kept.catch_up_s:.2f} s: "
            f"{sum(c.plain.values()) / (sum(c.ours.values()) + r.kept.catch_up_s):.1f}×",
            "",
        ),
        *(
            (
                f"`GET /api/analytics/{x.analysis}`, {x.filter}",
                f"p50 {x.p50:.0f} ms, p95 {x.p95:.0f} ms",
                f"p95 < {P95_TARGET_MS:.0f} ms ({_verdict(x.p95 < P95_TARGET_MS)})",
            )
            for x in r.latencies
        ),
        (
            "Peak memory of a process doing one stored run (VmHWM)",
            f"{r.memory['peak_mb']:.0f} MB ({r.memory['before_mb']:.0f} MB before the run; "
            f"run {r.memory['seconds']:.2f} s)",
            f"< {MEMORY_TARGET_MB:.0f} MB ({_verdict(r.memory['peak_mb'] < MEMORY_TARGET_MB)})",
        ),
    ]
    table = "| Measure | Result | Target |\n|---|---:|---|\n" + "".join(
        f"| {m} | {result} | {target} |\n" for m, result, target in rows
    )
    loaded = ", ".join(f"{table} {count:,}" for table, count in r.rows.items())
    agree = "agree" if not c.differences else "DISAGREE: " + "; ".join(c.differences)
    return (
        f"{SECTION_TITLE}\n\n"
        f"`python -m bench.analytics` fills a throw-away embedded PostgreSQL with {r.labels:,} "
        f"generated labels in DailyMed's shapes ({loaded}; `bench/analytics_data.py`, COPY, "
        "not timed), runs VACUUM ANALYZE, then measures side by side in one run: an analytics "
        "run as the job does it (every registered analyzer unfiltered, each result stored); "
        "the straightforward way for the analyses the seed had (SELECT the rows as tuples, count "
        "in Python; `bench/analytics_baseline.py`); each analysis live through "
        "`GET /api/analytics/<analysis>` with a bearer token under a class filter (the class "
        "nearest 1% of the labels) and under a labeler filter (the labeler printed on most "
        f"labels), {len(r.latencies[0].milliseconds) if r.latencies else 0} requests each after "
        "one warm-up; and the resident memory high-water mark (VmHWM) of a separate process that "
        "builds the app and does one stored run. Machine: "
        f"{machine()}.\n\n"
        + table
        + f"\nThe plain implementations and the analyzers {agree} on every headline figure and "
        "top list compared. `--explain N` adds the plans (EXPLAIN ANALYZE) of a run's N slowest "
        "statements; `--keep` (with `DATABASE_URL`) keeps the filled database for the next run.\n"
    )
