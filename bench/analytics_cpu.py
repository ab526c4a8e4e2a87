"""Benchmark #9, what each analysis costs in CPU: the seconds the PostgreSQL backend and this
Python process spend on one analysis, unfiltered and under the live benchmark's two filters
(`bench.analytics_live.chosen_filters`), the lowest of a few tries. On a machine other work
shares, CPU seconds move far less than wall times; the plain-Python baseline is counted the
same way, beside the analyses it matches.

It reads the database `bench.analytics --keep` filled and kept (DATABASE_URL's server, on this
machine: the backend's CPU is read from /proc). Parallel workers are off, so the backend's CPU
is all of it.

    DATABASE_URL=… python -m bench.analytics --keep --no-write   # fill it once
    DATABASE_URL=… python -m bench.analytics_cpu                  # every analysis, 3 tries
    DATABASE_URL=… python -m bench.analytics_cpu names --explain  # and its statements' plans
    DATABASE_URL=… python -m bench.analytics_cpu --answers out.json   # to compare two versions
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from analytics import registry
from analytics.filters import Filters
from bench.analytics import _kept_app, statements_explained
from bench.analytics_baseline import BASELINES
from bench.analytics_live import chosen_filters
from database import db
from models import Drug

DATABASE = "medsync_bench_analytics"


def _cpu_seconds(backend_pid: int) -> float:
    """The backend's user + system CPU (from /proc, in clock ticks) plus this process's."""
    with open(f"/proc/{backend_pid}/stat", encoding="ascii") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat(5))
    return ticks / _TICKS + time.process_time()


_TICKS = 100  # os.sysconf("SC_CLK_TCK") on Linux


def cpu_of(work: Callable[[], Any], tries: int) -> tuple[float, Any]:
    """The lowest CPU seconds of `tries` runs of `work` in its own transaction, and its answer."""
    best, answer = float("inf"), None
    for _ in range(tries):
        db.session.execute(sa.text("SET max_parallel_workers_per_gather = 0"))
        pid = db.session.scalar(sa.text("SELECT pg_backend_pid()"))
        before = _cpu_seconds(pid)
        answer = work()
        best = min(best, _cpu_seconds(pid) - before)
        db.session.rollback()
    return best, answer


def explain(analysis: str, filters: Filters) -> str:
    """Every statement of one analysis with the CPU seconds its backend spent and its plan
    (EXPLAIN (ANALYZE, BUFFERS)), costliest first."""
    db.session.execute(sa.text("SET max_parallel_workers_per_gather = 0"))
    pid = db.session.scalar(sa.text("SELECT pg_backend_pid()"))
    return statements_explained(
        partial(registry.compute, analysis, filters),
        partial(_cpu_seconds, pid),
        lambda seconds: f"{seconds:.2f} CPU s",
    )


def measure(analyses: Sequence[str], tries: int) -> tuple[str, dict[str, Any]]:
    """A markdown table of CPU seconds per analysis and filter, and every answer computed."""
    labels = db.session.scalar(sa.select(sa.func.count()).select_from(Drug)) or 0
    scopes = {"unfiltered": Filters()}
    for described, query in chosen_filters(labels).items():  # "class (id 681, …)": {"class_id": …}
        scopes[f"{described.split()[0]} {next(iter(query.values()))}"] = Filters.from_args(query)
    db.session.rollback()
    lines = [
        "| Analysis (CPU s) | " + " | ".join(scopes) + " |",
        "|---|" + "---:|" * len(scopes),
    ]
    answers: dict[str, Any] = {}
    for analysis in analyses:
        cells = []
        for scope, filters in scopes.items():
            seconds, answer = cpu_of(partial(registry.compute, analysis, filters), tries)
            answers[f"{analysis} {scope}"] = answer
            cells.append(f"{seconds:.2f}")
        if analysis in BASELINES:
            seconds, _ = cpu_of(BASELINES[analysis], tries)
            cells[0] += f" (plain {seconds:.2f})"
        lines.append(f"| {analysis} | " + " | ".join(cells) + " |")
    return "\n".join(lines), answers


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.analytics_cpu", description=__doc__)
    parser.add_argument("analyses", nargs="*", help="default: every analysis")
    parser.add_argument("--tries", type=int, default=3, help="the lowest of this many counts")
    parser.add_argument("--explain", action="store_true", help="print the plans, unfiltered")
    parser.add_argument("--answers", type=Path, help="write every answer computed here (JSON)")
    args = parser.parse_args(argv)
    analyses = args.analyses or list(registry.ANALYZERS)
    with _kept_app(DATABASE):
        if args.explain:
            for analysis in analyses:
                print(explain(analysis, Filters()))
        table, answers = measure(analyses, args.tries)
    print(table)
    if args.answers:
        args.answers.write_text(json.dumps(answers, indent=1, sort_keys=True, default=str))


if __name__ == "__main__":
    main()
