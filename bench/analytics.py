"""Benchmark #9: the analyzers on 100,000 labels, 300,000 NDCs and 2,000 classes.

Side by side, in one run, on a throw-away PostgreSQL filled by `bench.analytics_data` (COPY; the
load is not timed), then VACUUM ANALYZE as autovacuum would have by then:
  1. every analyzer of `analytics.registry.ANALYZERS`, unfiltered, computed and stored as an
     analytics run stores them: total and per analyzer (target ≤ 5 s);
  2. the straightforward way (`bench.analytics_baseline`: SELECT the rows, count in Python) for
     the analyses the seed had, checked to give the same headline figures and top lists
     (target: ours ≥ 50× faster);
  3. each analyzer live through `GET /api/analytics/<analysis>` under a class filter (a class
     holding about 1% of the labels) and under a labeler filter (the labeler with most labels):
     p50 and p95 (target p95 < 300 ms; `bench.analytics_live`);
  4. the peak memory (VmHWM) of a process that does only a stored run (target < 300 MB).
The report, a table with a verdict per target, is `bench.analytics_report`.

    python -m bench.analytics                  # 100,000 labels; writes bench/README.md
    python -m bench.analytics --labels 5000 --no-write
    DATABASE_URL=… python -m bench.analytics --keep   # reuse the filled database next time
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import psycopg2
import sqlalchemy as sa
from flask import Flask

from analytics.filters import Filters
from analytics.registry import ANALYZERS
from analytics.runs import compute_and_store
from bench.analytics_baseline import BASELINES, same_figures
from bench.analytics_data import generate
from bench.analytics_kept import KeptCosts, costs, synced, timed_catch_up
from bench.analytics_live import Latencies, chosen_filters, live
from bench.analytics_report import SECTION_TITLE, readme_section
from bench.common import benchmark_app, write_readme_section
from config import normalize_database_url
from database import db
from models import Drug, Run, utcnow
from reporting import Reporter

# -- 1. a stored run ------------------------------------------------------------------------------


class _Laps(Reporter):
    """Times each analysis of a run: the run reports progress as each one starts and once
    when all are done."""

    def __init__(self) -> None:
        self.marks: list[tuple[str, float]] = []

    def progress(self, done: int, total: int | None, step: str, **details: Any) -> None:
        self.marks.append((step, time.perf_counter()))


def stored_run() -> dict[str, float]:
    """One analytics run as the job does it (`analytics.runs.compute_and_store`: every
    registered analyzer unfiltered, each stored with its typed rows); seconds per analysis."""
    run = Run(source="analytics", status="running", triggered_by="bench", started_at=utcnow())
    db.session.add(run)
    db.session.commit()
    laps = _Laps()
    compute_and_store(run.id, laps)
    run.status, run.completed_at = "completed", utcnow()
    db.session.commit()
    return {
        name: ended - started
        for (name, started), (_, ended) in zip(laps.marks, laps.marks[1:], strict=False)
    }


# -- 2. the straightforward way ------------------------------------------------------------------


@dataclass
class Comparison:
    ours: dict[str, float] = field(default_factory=dict)
    plain: dict[str, float] = field(default_factory=dict)
    differences: list[str] = field(default_factory=list)

    @property
    def speedup(self) -> float:
        return sum(self.plain.values()) / sum(self.ours.values())


def compare_with_plain(ours: dict[str, float]) -> Comparison:
    """Time each plain implementation; check it agrees with the analyzer's result."""
    comparison = Comparison()
    for name, plain in BASELINES.items():
        if name not in ANALYZERS:
            continue
        started = time.perf_counter()
        figures = plain()
        comparison.plain[name] = time.perf_counter() - started
        comparison.ours[name] = ours[name]
        comparison.differences += same_figures(name, ANALYZERS[name](Filters()), figures)
        db.session.commit()
    return comparison


# -- 4. peak memory of a process doing only a run -------------------------------------------------


def memory_of_a_run(database_url: str) -> dict[str, float]:
    """Start a process that builds the app on `database_url`, does one stored run and reports
    its resident memory before the run and its high-water mark (VmHWM)."""
    done = subprocess.run(
        [sys.executable, "-m", "bench.analytics", "--memory-child", database_url],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def _memory_child(database_url: str) -> None:
    with _app_on(database_url):
        before = _status_mb("VmRSS")
        started = time.perf_counter()
        stored_run()
        seconds = time.perf_counter() - started
        print(json.dumps({"before_mb": before, "peak_mb": _status_mb("VmHWM"), "seconds": seconds}))


def _app_on(database_url: str) -> Any:
    from app import create_app
    from config import load_settings

    settings = load_settings(
        {"ADMIN_PASSWORD": "bench-password-123", "SECRET_KEY": "bench", "LOG_LEVEL": "WARNING"}
    )
    app = create_app({"SETTINGS": settings, "SQLALCHEMY_DATABASE_URI": database_url})
    return app.app_context()


def _status_mb(key: str) -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(f"{key}:"):
                return int(line.split()[1]) / 1024  # kB
    raise RuntimeError(f"{key} not in /proc/self/status")


# -- where the time goes ------------------------------------------------------------------------


def explain_slowest(count: int) -> str:
    """One stored run with every statement timed; the `count` slowest with their plans
    (EXPLAIN (ANALYZE, BUFFERS)), for the report on what to change."""
    return statements_explained(
        stored_run, time.perf_counter, lambda seconds: f"{seconds * 1000:.0f} ms", count
    )


def statements_explained(
    work: Callable[[], Any],
    clock: Callable[[], float],
    shown: Callable[[float], str],
    count: int | None = None,
) -> str:
    """Every statement `work` runs, timed by `clock` (wall time, or a backend's CPU), the
    costliest first (the `count` costliest), each with its plan (EXPLAIN (ANALYZE, BUFFERS));
    a statement that is not a query, or no longer plannable, listed without one."""
    timed: list[tuple[float, str, Any]] = []

    def before(conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        conn.info["started"] = clock()

    def after(conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        timed.append((clock() - conn.info["started"], statement, parameters))

    sa.event.listen(db.engine, "before_cursor_execute", before)
    sa.event.listen(db.engine, "after_cursor_execute", after)
    try:
        work()
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", before)
        sa.event.remove(db.engine, "after_cursor_execute", after)
    report = []
    cursor = db.session.connection().connection.cursor()
    for cost, statement, parameters in sorted(timed, key=lambda t: t[0], reverse=True)[:count]:
        heading = f"-- {shown(cost)}\n{statement}\n{parameters}\n"
        # A statement with CTEs starts WITH: names' stems, the costliest, once went unexplained.
        if not statement.lstrip().upper().startswith(("SELECT", "WITH")):
            report.append(heading)
            continue
        cursor.execute("SAVEPOINT plan")
        try:
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {statement}", parameters)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        except psycopg2.Error as exc:  # a statement on a temporary table the work dropped
            cursor.execute("ROLLBACK TO SAVEPOINT plan")
            plan = f"(no plan: {str(exc).splitlines()[0]})"
        report.append(heading + plan + "\n")
    db.session.rollback()
    return "\n".join(report)


# -- the run --------------------------------------------------------------------------------------


@dataclass
class Results:
    labels: int
    rows: dict[str, int]
    runs: list[dict[str, float]]
    comparison: Comparison
    latencies: list[Latencies]
    memory: dict[str, float]
    kept: KeptCosts

    @property
    def per_analyzer(self) -> dict[str, float]:
        """Each analyzer's median over the runs."""
        return {name: statistics.median(run[name] for run in self.runs) for name in self.runs[0]}

    @property
    def total(self) -> float:
        return statistics.median(sum(run.values()) for run in self.runs)


def measure(
    app: Flask, labels: int, *, runs: int = 3, repeats: int = 20, keep: bool = False, **sizes: int
) -> Results:
    """Fill the app's empty tables with `labels` labels and take every measure. With `keep`, a
    database already holding `labels` labels (from an earlier run with `--keep`) is measured
    as it is."""
    if keep and db.session.scalar(sa.select(sa.func.count()).select_from(Drug)) == labels:
        rows = _row_counts()
    else:
        rows = generate(labels, **sizes).rows
    _vacuum()
    built = timed_catch_up()  # the kept counts (analytics.kept), of every drug the load noted
    _vacuum()
    timed, catch_ups = [], []
    for round_ in range(runs):
        catch_ups.append(synced(round_))  # a sync's worth of change, and its catch-up
        timed.append(stored_run())
    kept_costs = costs(built, catch_ups)
    comparison = compare_with_plain(
        {name: statistics.median(run[name] for run in timed) for name in timed[0]}
    )
    latencies = live(app, chosen_filters(labels), repeats)
    memory = memory_of_a_run(db.engine.url.render_as_string(hide_password=False))
    return Results(labels, rows, timed, comparison, latencies, memory, kept_costs)


def _vacuum() -> None:
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text("VACUUM ANALYZE"))


_COUNTED = ("drug_classes", "drugs", "drug_class_memberships", "ndc_codes", "active_ingredients",
            "record_changes")  # fmt: skip


def _row_counts() -> dict[str, int]:
    return {
        table: db.session.scalar(sa.text(f"SELECT count(*) FROM {table}")) or 0
        for table in _COUNTED
    }


@contextmanager
def _kept_app(database: str) -> Iterator[Flask]:
    """The app on `database` of DATABASE_URL's server, created when missing, never dropped."""
    from app import create_app
    from config import load_settings

    server = os.environ.get("DATABASE_URL")
    if not server:
        raise SystemExit("--keep needs DATABASE_URL: a server whose database outlives the run")
    url = sa.engine.make_url(normalize_database_url("DATABASE_URL", server))
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        exists = conn.scalar(
            sa.text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": database}
        )
        if not exists:
            conn.execute(sa.text(f'CREATE DATABASE "{database}"'))
    engine.dispose()
    settings = load_settings(
        {"ADMIN_PASSWORD": "bench-password-123", "SECRET_KEY": "bench", "LOG_LEVEL": "WARNING"}
    )
    uri = url.set(database=database).render_as_string(hide_password=False)
    app = create_app({"SETTINGS": settings, "SQLALCHEMY_DATABASE_URI": uri})
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.analytics", description=__doc__)
    parser.add_argument("--labels", type=int, default=100_000)
    parser.add_argument("--classes", type=int, default=2000)
    parser.add_argument("--labelers", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3, help="stored runs timed (median)")
    parser.add_argument("--repeats", type=int, default=20, help="requests per analysis, filter")
    parser.add_argument("--no-write", action="store_true", help="print only; leave README.md")
    parser.add_argument(
        "--explain", type=int, default=0, help="print the N slowest statements' plans"
    )
    parser.add_argument(
        "--keep",
        action="store_true",
        help="use the database medsync_bench_analytics on DATABASE_URL's server, keep it after "
        "the run, and skip the load when it already holds --labels labels",
    )
    parser.add_argument("--memory-child", metavar="DATABASE_URL", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.memory_child:
        _memory_child(args.memory_child)
        return
    database = "medsync_bench_analytics"
    with _kept_app(database) if args.keep else benchmark_app(database) as app:
        results = measure(
            app,
            args.labels,
            runs=args.runs,
            repeats=args.repeats,
            keep=args.keep,
            classes=args.classes,
            labelers=args.labelers,
        )
        if args.explain:
            print(explain_slowest(args.explain))
    section = readme_section(results)
    print(section)
    if results.comparison.differences:
        raise SystemExit(
            "the plain implementation disagrees: " + "; ".join(results.comparison.differences)
        )
    if not args.no_write:
        write_readme_section(SECTION_TITLE, section)


if __name__ == "__main__":
    main()
