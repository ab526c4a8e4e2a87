"""The load benchmark's section of bench/README.md: the table of runs, a verdict per target, and
where one request's time goes."""

from __future__ import annotations

from statistics import median
from typing import TYPE_CHECKING

from bench.common import machine
from bench.load_breakdown import breakdown_table

if TYPE_CHECKING:
    from bench.load import Results

SECTION_TITLE = "## Load (#12)"
CEILING_SHARE_TARGET = 0.5  # a list endpoint's throughput, against /health's
P99_TARGET_MS = 100.0  # list endpoints, at the fewest users
MEMORY_GROWTH_ALLOWED = 0.10  # past the warm-up: allocator noise, not a leak


def _verdict(ok: bool) -> str:
    return "met" if ok else "**missed**"


def _spread(values: list[float], form: str) -> str:
    """ ", the median of 3 rounds: 48%, 52%, 55%" (nothing for a single run)."""
    if len(values) < 2:
        return ""
    return f", the median of {len(values)} rounds: " + ", ".join(form.format(v) for v in values)


def _targets(r: Results, fewest: int) -> list[str]:
    """A verdict per target. A list's share of /health's throughput is the median of its
    rounds' shares (each against /health in the same round), its p99 the median of theirs."""
    lines = []
    for endpoint in (e for e in r.endpoints if e.is_list):
        for users in r.users:
            runs = r.rounds_of(endpoint.name, users)
            shares = [m.per_second / (r.ceiling(users, m.round) or 1) for m in runs]
            share = median(shares)
            lines.append(
                f"- {endpoint.name}, {users} users: {share:.0%} of /health's throughput"
                f"{_spread(shares, '{:.0%}')} — target ≥ {CEILING_SHARE_TARGET:.0%} "
                f"({_verdict(share >= CEILING_SHARE_TARGET)})"
            )
            if users == fewest:
                p99s = [m.p99_ms for m in runs]
                p99 = median(p99s)
                lines.append(
                    f"- {endpoint.name}, {users} users: p99 {p99:.0f} ms"
                    f"{_spread(p99s, '{:.0f} ms')} — target < {P99_TARGET_MS:.0f} ms "
                    f"({_verdict(p99 < P99_TARGET_MS)})"
                )
    errors = sum(m.errors for m in r.measures)
    lines.append(f"- Errors: {errors} — target 0 ({_verdict(errors == 0)})")
    lines.append(
        f"- Memory of gunicorn's processes: {r.rss_warm_mb:.0f} MB after the warm-up, "
        f"{r.rss_end_mb:.0f} MB after the last run ({r.growth:+.0%}) — target no growth "
        f"beyond {MEMORY_GROWTH_ALLOWED:.0%} ({_verdict(r.growth <= MEMORY_GROWTH_ALLOWED)})"
    )
    return lines


def readme_section(r: Results, command: str = "python -m bench.load") -> str:
    table = (
        "| Endpoint | Users | Round | Requests/s (2xx) | p50 | p99 | Errors | 429s "
        "| Memory before → after | Load before → after | CPUs used: app, locust |\n"
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n"
    )
    for m in r.measures:
        paired = next(e for e in r.endpoints if e.name == m.endpoint).in_rounds
        table += (
            f"| {m.endpoint} | {m.users} | {m.round if paired else ''} | {m.per_second:,.0f} | "
            f"{m.p50_ms:.0f} ms | "
            f"{m.p99_ms:.0f} ms | {m.errors} | {m.limited} | "
            f"{m.rss_before_mb:.0f} → {m.rss_after_mb:.0f} MB | "
            f"{m.load_before:.1f} → {m.load_after:.1f} | "
            f"{m.app_cores:.2f}, {m.locust_cores:.2f} |\n"
        )
    kinds = [f"{m.endpoint} ({m.users}): {kind}" for m in r.measures for kind in m.error_kinds]
    loaded = ", ".join(f"{name} {count:,}" for name, count in r.rows.items())
    return (
        f"{SECTION_TITLE}\n\n"
        f"`{command}` fills a throw-away embedded PostgreSQL ({loaded}; COPY, not timed; "
        "`bench/analytics_data.py`, `bench/load_data.py`), runs VACUUM ANALYZE, starts gunicorn "
        f"with `gunicorn.conf.py` on 127.0.0.1 ({r.workers} gthread workers × {r.threads} "
        "threads: this machine's defaults), warms every endpoint up with every thread of every "
        "worker busy (as many requests at once as threads, three times over, each a person of "
        "its own), reads the memory, then runs "
        "locust headless (`bench/load_locustfile.py`, FastHttpUser, no think time) in a process "
        f"of its own, {r.seconds:g} s per endpoint and number of users "
        f"({', '.join(map(str, r.users))}), "
        "each user a viewer with a bearer token of their own. Requests/s counts 2xx answers; "
        "errors are any other answer but 429, which exports and searches give by design past "
        "their per-user and per-process bounds (counted apart). Memory is VmRSS summed over "
        "gunicorn's master and workers; load is the 1-minute load average; CPUs used are the "
        "CPU seconds per wall second of gunicorn's processes and of locust (PostgreSQL's own "
        f"are not counted). Machine: {machine()}; load average "
        f"{r.load_start[0]:.1f} (5 min: {r.load_start[1]:.1f}) when the first run started.\n\n"
        + table
        + "\n"
        + "\n".join(_targets(r, min(r.users)))
        + "\n"
        + ("\nErrors seen: " + "; ".join(kinds) + "\n" if kinds else "")
        + "\nWhere a request's time goes, one request at a time (in this process through the "
        "Flask test client, before gunicorn starts: no HTTP, no concurrency; the mean of 20 "
        "after two warm-ups, statements timed at the cursor; Python is the rest: "
        "authentication, validation, the ORM, the JSON; an export's rows are read on the exports' "
        "own engine, which is not timed here):\n\n" + breakdown_table(r.breakdown)
    )
