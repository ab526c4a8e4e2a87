"""Benchmark #12 item 7: the production stack under load.

A throw-away embedded PostgreSQL filled with 100,000 DailyMed-shaped labels
(`bench.analytics_data`) and 5,000 portal authorizations (`bench.load_data`; COPY, not timed),
gunicorn with the committed gunicorn.conf.py on 127.0.0.1 (the settings' defaults for this
machine: CPUs + 1 workers of 2 threads per CPU), and locust, headless, in a process of its own,
driving each endpoint in turn with 16 and then 64 users for 60 s each, every user a viewer with a
bearer token of their own asking again as soon as an answer arrives (bench/load_locustfile.py).
/health and the lists run in three rounds, side by side (`--rounds`): their targets are ratios,
judged on the median of the rounds' ratios.

For each endpoint and number of users: requests/s answered 2xx, p50 and p99, errors (any answer
outside 2xx other than a designed 429), 429s (exports and searches are bounded per user and per
process, with Retry-After), the resident memory of gunicorn's master and workers (the sum of
VmRSS over the process tree) before and after, the load average before and after, and the CPU
the locust process and gunicorn's processes used. /health, which needs no sign-in, is the
stack's ceiling; targets: list endpoints at least half its throughput, p99 under 100 ms at 16
users, no errors, no memory growth past the warm-up. Before gunicorn starts, each endpoint is
also asked one request at a time in this process, its statements timed at the cursor
(`bench/load_breakdown.py`): where a request's time goes, SQL or Python.

    python -m bench.load                        # 100,000 labels, 60 s a run; writes bench/README.md
    python -m bench.load --duration 20 --no-write
    python -m bench.load --quick                # 200 labels, 5 s, 2 users: does it all still run?
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import subprocess
import tempfile
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path

import requests

from bench.common import benchmark_app, benchmark_server, write_readme_section
from bench.load_breakdown import Breakdown, breakdown
from bench.load_data import Endpoint, endpoints, fill, people_with_tokens
from bench.load_report import SECTION_TITLE, readme_section
from config import default_web_concurrency, default_web_threads
from database import db
from tests.fixtures.processes import BIN, ROOT, Process, gunicorn

LOCUSTFILE = Path(__file__).with_name("load_locustfile.py")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


# -- the gunicorn processes -----------------------------------------------------------------------


def process_tree(root: int) -> list[int]:
    """`root` and every process below it."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # gone meanwhile
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        parents.setdefault(parent, []).append(int(entry.name))
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo += parents.get(pid, [])
    return tree


def rss_mb(root: int) -> float:
    """Resident memory of the process tree under `root` (VmRSS summed), in MB."""
    total_kb = 0
    for pid in process_tree(root):
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total_kb += int(line.split()[1])
        except OSError:
            continue
    return total_kb / 1024


def cpu_seconds(root: int) -> float:
    """User + system CPU time of the process tree under `root`."""
    ticks = 0
    for pid in process_tree(root):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    return ticks / CLOCK_TICKS


# -- one locust run -------------------------------------------------------------------------------


@dataclass
class Measure:
    endpoint: str
    users: int
    seconds: float
    answered: int  # 2xx
    errors: int
    limited: int  # designed 429s
    p50_ms: float
    p99_ms: float
    rss_before_mb: float
    rss_after_mb: float
    load_before: float
    load_after: float
    locust_cores: float
    app_cores: float
    error_kinds: list[str] = field(default_factory=list)
    round: int = 1  # of the ceiling's and the lists' rounds (every other endpoint runs once)

    @property
    def per_second(self) -> float:
        return self.answered / self.seconds


def run_locust(
    server: Process,
    endpoint: Endpoint,
    users: int,
    seconds: float,
    tokens_file: Path,
    round_number: int = 1,
) -> Measure:
    """`endpoint` under `users` users for `seconds`, locust in its own process."""
    prefix = Path(tempfile.mkdtemp(prefix="medsync-load-")) / "run"
    env = {
        **os.environ,
        "LOAD_NAME": endpoint.name,
        "LOAD_PATHS": json.dumps(endpoint.paths),
        **({"LOAD_TOKENS_FILE": str(tokens_file)} if endpoint.signed_in else {}),
    }
    argv = [
        str(BIN / "locust"), "-f", str(LOCUSTFILE), "--headless", "--host", server.url,
        "-u", str(users), "-r", str(users), "--run-time", f"{seconds:g}s", "--csv", str(prefix),
        "--only-summary", "--loglevel", "WARNING", "--exit-code-on-error", "0",
    ]  # fmt: skip
    rss_before, load_before = rss_mb(server.pid), os.getloadavg()[0]
    app_cpu, locust_cpu = cpu_seconds(server.pid), _children_cpu()
    started = time.monotonic()
    subprocess.run(argv, cwd=ROOT, env=env, check=True, capture_output=True, timeout=seconds + 120)
    wall = time.monotonic() - started
    locust_cpu, app_cpu = _children_cpu() - locust_cpu, cpu_seconds(server.pid) - app_cpu
    stats = _stats(Path(f"{prefix}_stats.csv"))
    main, limited = stats.get(endpoint.name, {}), stats.get(f"{endpoint.name} 429", {})
    count, failures = int(main.get("Request Count", 0)), int(main.get("Failure Count", 0))
    return Measure(
        endpoint=endpoint.name,
        users=users,
        seconds=seconds,
        answered=count - failures,
        errors=failures,
        limited=int(limited.get("Request Count", 0)),
        p50_ms=float(main.get("50%", "nan")),
        p99_ms=float(main.get("99%", "nan")),
        rss_before_mb=rss_before,
        rss_after_mb=rss_mb(server.pid),
        load_before=load_before,
        load_after=os.getloadavg()[0],
        locust_cores=locust_cpu / wall,
        app_cores=app_cpu / wall,
        error_kinds=_failures(Path(f"{prefix}_failures.csv")),
        round=round_number,
    )


def _children_cpu() -> float:
    """CPU time of this process's ended children (locust, once its run returns)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _stats(path: Path) -> dict[str, dict[str, str]]:
    with path.open(newline="") as rows:
        return {row["Name"]: row for row in csv.DictReader(rows)}


def _failures(path: Path) -> list[str]:
    if not path.exists():
        return []
    with path.open(newline="") as rows:
        return [f"{row['Occurrences']} × {row['Error']}" for row in csv.DictReader(rows)]


# -- the run --------------------------------------------------------------------------------------


@dataclass
class Results:
    rows: dict[str, int]
    workers: int
    threads: int
    users: list[int]
    seconds: float
    measures: list[Measure]
    rss_warm_mb: float
    rss_end_mb: float
    load_start: tuple[float, float, float]
    endpoints: list[Endpoint]
    breakdown: list[Breakdown] = field(default_factory=list)
    rounds: int = 1

    def ceiling(self, users: int, round_number: int = 1) -> float:
        """/health's requests/s with `users` users in that round."""
        return next(
            m.per_second
            for m in self.measures
            if m.users == users and m.round == round_number and not _signed(m)
        )

    def rounds_of(self, endpoint: str, users: int) -> list[Measure]:
        return [m for m in self.measures if m.endpoint == endpoint and m.users == users]

    @property
    def growth(self) -> float:
        return self.rss_end_mb / self.rss_warm_mb - 1


def _signed(measure: Measure) -> bool:
    return not measure.endpoint.startswith("/health")


def warm_up(server: Process, chosen: list[Endpoint], tokens: list[str], concurrency: int) -> None:
    """Each endpoint in turn, `concurrency` requests at once (every thread of every worker busy,
    as under load), three times over, each request a person of its own: the caches, pools and
    imports a process fills on first use — an export's pool opens a connection and a cursor per
    export running at once, up to its bound — are filled before memory is read, so that what
    the runs add is growth, not first use."""

    def call(number: int, path: str) -> None:
        headers = {"Authorization": f"Bearer {tokens[number % len(tokens)]}"}
        requests.get(server.url + path, headers=headers, timeout=120).content  # noqa: B018

    with ThreadPoolExecutor(concurrency) as pool:
        for endpoint in chosen:
            paths = [endpoint.paths[n % len(endpoint.paths)] for n in range(concurrency * 3)]
            list(pool.map(call, range(len(paths)), paths))


@contextmanager
def _tokens_file(tokens: list[str]) -> Iterator[Path]:
    """The bearer tokens, one a line, in a file only this user can read."""
    directory = Path(tempfile.mkdtemp(prefix="medsync-load-tokens-"))
    path = directory / "tokens"
    path.touch(mode=0o600)
    path.write_text("\n".join(tokens), encoding="ascii")
    try:
        yield path
    finally:
        path.unlink()
        directory.rmdir()


def measure(
    drugs: int,
    authorizations: int,
    users: Sequence[int],
    seconds: float,
    workers: int,
    threads: int,
    server_url: str | None = None,
    rounds: int = 1,
) -> Results:
    """Fill a fresh database on `server_url` (by default a throw-away embedded PostgreSQL),
    serve it with gunicorn and run locust at each endpoint with each number of users.

    /health and the list endpoints, whose targets are ratios, run in `rounds` rounds, each
    round /health then every list at one number of users, minutes apart at most: each ratio
    compares runs side by side, and the rounds show how far one run can be trusted. The other
    endpoints run once, after them."""
    with benchmark_server() if server_url is None else nullcontext(server_url) as postgres:
        with benchmark_app("medsync_bench_load", postgres) as app:
            rows = fill(drugs, authorizations)
            tokens = people_with_tokens(max(users))
            chosen = endpoints(drugs)
            one_at_a_time = breakdown(app, chosen, tokens[0])
            database_url = db.engine.url.render_as_string(hide_password=False)
        load_start = os.getloadavg()
        with (
            gunicorn(database_url, workers, WEB_THREADS=str(threads)) as server,
            _tokens_file(tokens) as tokens_path,
        ):
            warm_up(server, chosen, tokens, workers * threads)
            rss_warm = rss_mb(server.pid)
            measures = [
                run_locust(server, endpoint, count, seconds, tokens_path, number)
                for number in range(1, rounds + 1)
                for count in users
                for endpoint in chosen
                if endpoint.in_rounds
            ] + [
                run_locust(server, endpoint, count, seconds, tokens_path)
                for endpoint in chosen
                if not endpoint.in_rounds
                for count in users
            ]
            rss_end = rss_mb(server.pid)
    return Results(
        rows,
        workers,
        threads,
        list(users),
        seconds,
        measures,
        rss_warm,
        rss_end,
        load_start,
        chosen,
        one_at_a_time,
        rounds,
    )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__)
    parser.add_argument("--drugs", type=int, help="labels generated (100,000)")
    parser.add_argument("--authorizations", type=int, help="authorizations generated (5,000)")
    parser.add_argument("--duration", type=float, help="seconds per endpoint and users (60)")
    parser.add_argument("--users", type=int, nargs="+", help="users per run (16 64)")
    parser.add_argument("--workers", type=int, default=default_web_concurrency())
    parser.add_argument("--threads", type=int, default=default_web_threads())
    parser.add_argument(
        "--quick", action="store_true", help="200 labels, 50 authorizations, 5 s, 2 users"
    )
    parser.add_argument(
        "--rounds", type=int, help="rounds of /health and the lists, side by side (3)"
    )
    parser.add_argument("--no-write", action="store_true", help="print only; leave README.md")
    args = parser.parse_args(argv)
    full = {
        "drugs": 100_000,
        "authorizations": 5000,
        "duration": 60.0,
        "users": [16, 64],
        "rounds": 3,
    }
    quick = {"drugs": 200, "authorizations": 50, "duration": 5.0, "users": [2], "rounds": 1}
    for name, value in (quick if args.quick else full).items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    results = measure(
        args.drugs,
        args.authorizations,
        args.users,
        args.duration,
        args.workers,
        args.threads,
        rounds=args.rounds,
    )
    section = readme_section(results, "python -m bench.load" + (" --quick" if args.quick else ""))
    print(section)
    if not (args.no_write or args.quick):
        write_readme_section(SECTION_TITLE, section)


if __name__ == "__main__":
    main()
