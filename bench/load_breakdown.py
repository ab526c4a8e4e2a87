"""Where a request's time goes, for the load benchmark's report: each endpoint asked one request at
a time in this process (the Flask test client, no HTTP, no other load from the benchmark), its
statements timed at the cursor. What is not SQL is Python: authentication, validation, the ORM,
the JSON."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import Flask

from bench.load_data import Endpoint
from database import db
from tests.fixtures.app import IsolatedClient


@dataclass(frozen=True)
class Breakdown:
    endpoint: str
    request_ms: float
    statements: float  # per request
    sql_ms: float
    slowest: str  # the statement that took longest in all, shortened
    slowest_ms: float  # per request

    @property
    def python_ms(self) -> float:
        return self.request_ms - self.sql_ms


@contextmanager
def _timed_statements() -> Iterator[list[tuple[str, float]]]:
    timed: list[tuple[str, float]] = []

    def before(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        conn.info["started"] = time.perf_counter()

    def after(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        timed.append((statement, time.perf_counter() - conn.info["started"]))

    sa.event.listen(db.engine, "before_cursor_execute", before)
    sa.event.listen(db.engine, "after_cursor_execute", after)
    try:
        yield timed
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", before)
        sa.event.remove(db.engine, "after_cursor_execute", after)


def breakdown(app: Flask, chosen: list[Endpoint], token: str, repeats: int = 20) -> list[Breakdown]:
    """Each endpoint's first path `repeats` times after two warm-ups; the means per request.
    Each request in a context of its own, as in a server (the benchmark holds the app's context
    open, and Flask-Login keeps the user it found in that context's `g`)."""
    client = IsolatedClient(app, app.response_class)
    results = []
    for endpoint in chosen:
        path = endpoint.paths[0]
        headers = {"Authorization": f"Bearer {token}"} if endpoint.signed_in else {}
        for _ in range(2):
            client.get(path, headers=headers)
        with _timed_statements() as timed:
            started = time.perf_counter()
            for _ in range(repeats):
                answer = client.get(path, headers=headers)
                assert answer.status_code == 200, (path, answer.status_code)
            seconds = time.perf_counter() - started
        by_statement: dict[str, float] = {}
        for statement, took in timed:
            key = " ".join(statement.split())[:70]
            by_statement[key] = by_statement.get(key, 0.0) + took
        slowest, slowest_s = max(by_statement.items(), key=lambda item: item[1], default=("", 0))
        results.append(
            Breakdown(
                endpoint.name,
                request_ms=seconds / repeats * 1000,
                statements=len(timed) / repeats,
                sql_ms=sum(took for _, took in timed) / repeats * 1000,
                slowest=slowest,
                slowest_ms=slowest_s / repeats * 1000,
            )
        )
    return results


def breakdown_table(rows: list[Breakdown]) -> str:
    table = (
        "| Endpoint | One request | SQL (statements) | Python | Costliest statement |\n"
        "|---|---:|---:|---:|---|\n"
    )
    for b in rows:
        table += (
            f"| {b.endpoint} | {b.request_ms:.1f} ms | {b.sql_ms:.1f} ms ({b.statements:.0f}) | "
            f"{b.python_ms:.1f} ms | {b.slowest_ms:.1f} ms: `{b.slowest}…` |\n"
        )
    return table
