"""Benchmark 7a: fetching 1,000 labels' packaging from a DailyMed that answers in 50 ms.

Three figures side by side, in one run, against the sandbox over real HTTP:
  - the client as configured (bounded concurrency under a rate cap),
  - the floor the rate cap allows: requests ÷ rate cap,
  - the same client one request at a time (concurrency 1, no cap).
Targets (issue 4): within 1.3× of the floor, at least 8× faster than one at a time.

    python -m bench.dailymed_fetch                        # 1,000 labels, 50 ms, 16 × 200/s
    python -m bench.dailymed_fetch --labels 200 --skip-sequential
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass
from typing import Any

from sandbox.catalogue import Catalogue
from sandbox.dailymed import DailymedState
from sandbox.portal import PortalState
from sandbox.server import DAILYMED_PREFIX, create_sandbox_app, serve_in_thread
from scraper.dailymed import DailyMedClient, LabelFailure


@dataclass(frozen=True)
class Run:
    name: str
    seconds: float
    requests: int
    failures: int
    max_in_flight: int


def fetch_all(base_url: str, state: DailymedState, name: str, **client_options: Any) -> Run:
    set_ids = [label.set_id for label in state.catalogue.labels]
    state.reset_counters()
    started = time.perf_counter()
    with DailyMedClient(base_url, **client_options) as client:
        failures = sum(isinstance(r, LabelFailure) for r in client.fetch_label_details(set_ids))
        requests = client.stats.requests
    return Run(name, time.perf_counter() - started, requests, failures, state.max_in_flight)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--labels", type=int, default=1000)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--rate-limit", type=float, default=200.0, help="requests per second")
    parser.add_argument("--skip-sequential", action="store_true", help="estimate it instead")
    args = parser.parse_args(argv)

    state = DailymedState(Catalogue(labels=args.labels), latency_ms=args.latency_ms)
    server_url, stop = serve_in_thread(create_sandbox_app(PortalState(), state))
    base_url = server_url + DAILYMED_PREFIX
    try:
        client = fetch_all(
            base_url,
            state,
            f"client ({args.concurrency} in flight, ≤ {args.rate_limit:g}/s)",
            concurrency=args.concurrency,
            rate_limit=args.rate_limit,
        )
        floor = client.requests / args.rate_limit
        if args.skip_sequential:
            sequential = Run("one at a time (estimated)", args.labels * args.latency_ms / 1000,
                             args.labels, 0, 1)  # fmt: skip
        else:
            sequential = fetch_all(base_url, state, "one at a time", concurrency=1, rate_limit=None)
    finally:
        stop()

    print(f"{args.labels} labels, {args.latency_ms:g} ms per request\n")
    print(f"{'':<36} {'wall s':>8} {'requests':>9} {'req/s':>8} {'in flight':>10}")
    for run in (client, sequential):
        rate = run.requests / run.seconds
        print(
            f"{run.name:<36} {run.seconds:>8.2f} {run.requests:>9} {rate:>8.1f} "
            f"{run.max_in_flight:>10}"
        )
    print(f"{'floor (requests ÷ rate cap)':<36} {floor:>8.2f}")
    print()
    print(f"client / floor         {client.seconds / floor:6.2f}×   (target ≤ 1.3×)")
    print(f"one at a time / client {sequential.seconds / client.seconds:6.2f}×   (target ≥ 8×)")
    if client.failures or sequential.failures:
        print(f"failures: client {client.failures}, one at a time {sequential.failures}")


if __name__ == "__main__":
    main()
