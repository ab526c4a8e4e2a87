"""The sandbox DailyMed's state: its catalogue, the misbehaviour knobs and what it served.

Misbehaviour is deterministic: faults are decided by hashing (seed, URL, attempt number), so a
run is reproducible whatever the thread interleaving, and 429 bursts open after a fixed count
of admitted requests.
"""

from __future__ import annotations

import hashlib
import math
import threading
from collections import Counter, deque
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from email.utils import formatdate
from typing import Literal

from flask import Response, jsonify

from sandbox.catalogue import NDF_RT, Catalogue, CatalogueTotals
from scraper.http import SYSTEM_CLOCK, Clock

FAULT_STATUSES = (500, 502, 503)
PER_LABEL_ENDPOINTS = {"packaging", "ndcs", "history"}


@dataclass(frozen=True)
class ServedRequest:
    at: float  # the state's clock.now() when the answer was ready
    endpoint: str
    path: str  # path and query string
    status: int


@dataclass(frozen=True)
class Reading:
    """How the sandbox reads DailyMed's documentation where it leaves room. The defaults are
    MedSync's reading; `Reading.other()` switches everything to the other one."""

    # /spls knows a class only under this drug_class_coding_system (also its default), whatever
    # codingSystem /drugclasses gave it; None: under the class's own codingSystem (default MED-RT)
    spls_coding_system: str | None = None
    # …and uses this one when drug_class_coding_system is left out (None: the known one)
    spls_default_coding_system: str | None = None
    reject_unknown_coding_system: bool = False  # answer 400, not an empty list
    versions_as_text: bool = False  # every spl_version a string ("7"), not only some
    omit_last_next_page_url: bool = False  # the last page's metadata leaves next_page_url out
    html_error_rate: float = 0.0  # share of URLs whose first request gets an HTML page, 200

    @classmethod
    def other(cls) -> Reading:
        return cls(
            spls_coding_system=NDF_RT,
            reject_unknown_coding_system=True,
            versions_as_text=True,
            omit_last_next_page_url=True,
            html_error_rate=1.0,
        )


class DailymedState:
    """The catalogue, the misbehaviour knobs and what was served. Knobs may change any time.

    Latency, 429 windows and Retry-After dates go by `clock`; a test that hands the client and
    this state one pretend clock sees every wait asked for and waits for none of them."""

    def __init__(
        self,
        catalogue: Catalogue | None = None,
        *,
        latency_ms: float = 0.0,
        fault_rate: float = 0.0,
        fault_seed: int = 0,
        max_consecutive_faults: int = 2,
        burst_every: int = 0,
        burst_seconds: float = 1.0,
        retry_after_format: Literal["seconds", "http-date"] = "seconds",
        failing_set_ids: Iterable[str] = (),
        clock: Clock = SYSTEM_CLOCK,
        reading: Reading | None = None,
    ) -> None:
        self.catalogue = catalogue or Catalogue()
        self.reading = reading or Reading()
        self.clock = clock
        self.latency_ms = latency_ms
        # Share of requests answered 500/502/503. Decided by hashing (seed, URL, attempt), so a
        # run is reproducible whatever the thread interleaving; after `max_consecutive_faults`
        # in a row the same URL succeeds, so a client with enough retries always gets through.
        self.fault_rate = fault_rate
        self.fault_seed = fault_seed
        self.max_consecutive_faults = max_consecutive_faults
        # Every `burst_every`-th admitted request opens a window of `burst_seconds` during
        # which everything is answered 429 with Retry-After (0 = never).
        self.burst_every = burst_every
        self.burst_seconds = burst_seconds
        self.retry_after_format = retry_after_format
        self.failing_set_ids: set[str] = set(failing_set_ids)
        self._lock = threading.Lock()
        self._attempts: Counter[str] = Counter()
        self._consecutive_faults: Counter[str] = Counter()
        self._throttled_until = 0.0
        self._admitted = 0
        self.in_flight = 0
        # The gate: after `_details_before_gate` label details, further detail requests wait
        # until `open_gate()` (a test holds a sync at a known point, whatever the machine's speed).
        self._details_before_gate: int | None = None
        self._details_admitted = 0
        self._gate_open = threading.Event()
        self._gate_open.set()
        self.reset_counters()

    # -- what was served -----------------------------------------------------------------

    def reset_counters(self) -> None:
        """Forget requests served so far (not the fault pattern's per-URL attempt numbers)."""
        with self._lock:
            self.counters: Counter[str] = Counter()
            self.status_counts: Counter[int] = Counter()
            self.user_agents: Counter[str] = Counter()
            self.bursts = 0  # 429 windows opened by `burst_every`
            self.max_in_flight = self.in_flight
            self.log: deque[ServedRequest] = deque(maxlen=200_000)

    # -- changes between syncs -----------------------------------------------------------

    def publish_new_versions(self, count: int, on: date | None = None) -> list[str]:
        """Give `count` labels a new version (one more package) published today; their ids."""
        return self.catalogue.publish_new_versions(count, on)

    def add_labels(self, count: int, on: date | None = None) -> list[str]:
        """Add `count` new labels published today; returns their set ids."""
        return self.catalogue.add_labels(count, on)

    def fail_permanently(self, set_id: str) -> None:
        """Answer 500 to every request about `set_id`, however often it is retried."""
        self.failing_set_ids.add(set_id)

    def throttle(self, seconds: float | None = None) -> None:
        """Answer 429 to everything for `seconds` (default `burst_seconds`) from now."""
        with self._lock:
            self._throttled_until = self.clock.now() + (seconds or self.burst_seconds)

    def hold_details_after(self, count: int) -> None:
        """Answer `count` more label detail requests, then hold the rest until `open_gate()`."""
        with self._lock:
            self._details_before_gate = self._details_admitted + count
            self._gate_open.clear()

    def open_gate(self) -> None:
        """Let held detail requests (and every later one) through."""
        self._gate_open.set()

    def wait_at_gate(self, endpoint: str, timeout: float = 120.0) -> None:
        """Called before answering: holds a detail request while the gate is shut."""
        if endpoint != "packaging":
            return
        with self._lock:
            self._details_admitted += 1
            held = (
                self._details_before_gate is not None
                and self._details_admitted > self._details_before_gate
            )
        if held:
            self._gate_open.wait(timeout)

    @property
    def totals(self) -> CatalogueTotals:
        """Counts a complete fetch must reproduce (classes per type, labels, memberships...)."""
        return self.catalogue.totals

    # -- called by the blueprint around every request ------------------------------------

    def request_started(self) -> None:
        with self._lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)

    def request_finished(self, endpoint: str, path: str, status: int, user_agent: str) -> None:
        with self._lock:
            self.in_flight -= 1
            self.counters[endpoint] += 1
            self.status_counts[status] += 1
            self.user_agents[user_agent] += 1
            self.log.append(ServedRequest(self.clock.now(), endpoint, path, status))

    def misbehaviour_for(self, endpoint: str, path: str, set_id: str | None) -> Response | None:
        """The error answer this request gets instead of data, if any."""
        with self._lock:
            now = self.clock.now()
            if now < self._throttled_until:
                return self._too_many_requests(self._throttled_until - now)
            self._admitted += 1
            if self.burst_every and self._admitted % self.burst_every == 0:
                self._throttled_until = now + self.burst_seconds
                self.bursts += 1
                return self._too_many_requests(self.burst_seconds)
            if set_id in self.failing_set_ids and endpoint in PER_LABEL_ENDPOINTS:
                return error_response(500, f"Internal error while reading SPL {set_id}")
            attempt = self._attempts[path]
            self._attempts[path] += 1
            if attempt == 0 and _unit_hash("html", path) < self.reading.html_error_rate:
                return html_error_page()
            draw = _unit_hash(self.fault_seed, path, attempt)
            if self._consecutive_faults[path] < self.max_consecutive_faults and (
                draw < self.fault_rate
            ):
                self._consecutive_faults[path] += 1
                status = FAULT_STATUSES[int(draw * 1_000_003) % len(FAULT_STATUSES)]
                return error_response(status, "The server is temporarily unable to answer")
            self._consecutive_faults[path] = 0
            return None

    def _too_many_requests(self, remaining: float) -> Response:
        response = error_response(429, "Too many requests")
        if self.retry_after_format == "http-date":
            response.headers["Retry-After"] = formatdate(
                math.ceil(self.clock.wall() + remaining), usegmt=True
            )
        else:
            response.headers["Retry-After"] = str(max(1, math.ceil(remaining)))
        return response


def _unit_hash(*parts: object) -> float:
    digest = hashlib.blake2b("|".join(map(str, parts)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


def html_error_page() -> Response:
    """What a proxy or a maintenance page may send: HTML, with status 200."""
    page = (
        "<!DOCTYPE html><html><head><title>DailyMed</title></head><body><h1>Service "
        "temporarily unavailable</h1><p>Please try again later.</p></body></html>"
    )
    return Response(page, status=200, mimetype="text/html")


def error_response(status: int, message: str) -> Response:
    """The one error shape of the sandbox DailyMed: {"error": {"status", "message"}}."""
    response = jsonify({"error": {"status": status, "message": message}})
    response.status_code = status
    return response
