"""A polite HTTP session for JSON APIs: pooled, rate-capped, bounded, retrying.

One `requests.Session` whose connection pool matches the number of requests allowed in flight;
a token bucket caps the request rate; 429, 5xx and connection errors are retried with
exponential backoff and jitter, and a Retry-After answer pauses *every* caller until the server
is ready again, not just the one that was told.
"""

from __future__ import annotations

import logging
import math
import random
import threading
import time
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter

RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})
RETRYABLE_ERRORS = (
    requests.ConnectionError,
    requests.Timeout,
    requests.exceptions.ChunkedEncodingError,
)
RATE_WINDOW_SECONDS = 5.0

log = logging.getLogger(__name__)


class FetchError(Exception):
    """A request that failed for good: not retryable, or still failing after its retries."""

    failure = "The source answered with an error, even after retrying"

    def __init__(self, message: str, *, url: str, status: int | None = None) -> None:
        super().__init__(message)
        self.url = url
        self.status = status


class FetchCancelled(FetchError):
    """The caller asked to stop while the request was waiting to be (re)sent."""


class SourceUnreachable(FetchError):
    """No answer at all, even after the retries. The message says so in plain words; `detail`
    keeps the library's own text (also logged)."""

    failure = "Could not reach the source: no answer, even after retrying"

    def __init__(self, message: str, *, url: str, detail: str) -> None:
        super().__init__(message, url=url)
        self.detail = detail


def no_answer_reason(error: Exception) -> str:
    """Why a request got no answer, in plain words (requests' own text names urllib3 internals)."""
    text = str(error)
    if isinstance(error, requests.exceptions.SSLError):
        return "the secure (TLS) connection failed"
    if isinstance(error, requests.Timeout):
        return "it did not answer in time"
    if isinstance(error, requests.exceptions.ChunkedEncodingError):
        return "the connection broke off in the middle of an answer"
    if "NameResolutionError" in text or "Failed to resolve" in text:
        return "the name did not resolve"
    if "Connection refused" in text:
        return "the connection was refused"
    if "Network is unreachable" in text or "No route to host" in text:
        return "the network is unreachable"
    return "the connection failed"


@dataclass(frozen=True)
class HttpStats:
    requests: int  # attempts sent, retries included
    retries: int
    failures: int  # requests given up on
    throttled: int  # 429 answers received
    current_rate: float  # requests per second over the last few seconds


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header: delay-seconds or an HTTP date. None if absent
    or unreadable; never negative."""
    if not value or not value.strip():
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
        seconds = when.timestamp() - (time.time() if now is None else now)
    return max(0.0, seconds) if math.isfinite(seconds) else None


class Clock:
    """The time the rate limiter and the retries go by. Tests pass one that only pretends to
    wait and remembers what it was asked, so they can assert the waits instead of timing them."""

    def now(self) -> float:
        """Seconds on a clock that never goes back (for intervals only)."""
        return time.monotonic()

    def wall(self) -> float:
        """Seconds since the epoch (to read a Retry-After date)."""
        return time.time()

    def sleep(self, seconds: float, cancel: threading.Event | None = None) -> bool:
        """Wait `seconds`, or less if `cancel` is set meanwhile; True if it was."""
        if cancel is None:
            time.sleep(seconds)
            return False
        return cancel.wait(seconds)


SYSTEM_CLOCK = Clock()


class RateLimiter:
    """A token bucket: at most `rate` starts per second (None = unlimited), plus a shared pause
    that a Retry-After answer sets for everyone."""

    def __init__(self, rate: float | None, burst: int = 1, clock: Clock = SYSTEM_CLOCK) -> None:
        self.rate = rate if rate and rate > 0 else None
        self.burst = max(1, burst)
        self.clock = clock
        self._tokens = float(self.burst)
        self._updated = clock.now()
        self._paused_until = 0.0
        self._lock = threading.Lock()

    def acquire(self, cancel: threading.Event | None = None) -> None:
        """Block until this caller may start a request."""
        with self._lock:
            now = self.clock.now()
            start = now
            if self.rate:
                self._tokens = min(self.burst, self._tokens + (now - self._updated) * self.rate)
                self._updated = now
                self._tokens -= 1  # reserve a token now; a negative balance is a queue
                start = now + max(0.0, -self._tokens / self.rate)
        _sleep_until(self.clock, start, cancel)
        while True:  # a pause may have begun (or grown) while we waited for our turn
            with self._lock:
                paused_until = self._paused_until
            if self.clock.now() >= paused_until:
                return
            _sleep_until(self.clock, paused_until, cancel)

    def pause(self, seconds: float) -> None:
        """Nobody starts a request for `seconds` from now."""
        with self._lock:
            self._paused_until = max(self._paused_until, self.clock.now() + seconds)


def _sleep_until(clock: Clock, deadline: float, cancel: threading.Event | None) -> None:
    delay = deadline - clock.now()
    if delay > 0 and clock.sleep(delay, cancel):
        raise FetchCancelled("cancelled while waiting to send", url="")


@dataclass(frozen=True)
class _Outcome:
    """What one attempt gave: a body, or a problem with its status and Retry-After."""

    body: Any = None
    problem: str | None = None
    detail: str | None = None  # the library's text when there was no answer at all
    status: int | None = None  # None: no answer at all (connection error, timeout)
    retry_after: float | None = None

    @property
    def retryable(self) -> bool:
        # a 200 with a broken body is a transient failure too
        return self.status in RETRYABLE_STATUSES or self.status in (None, 200)


class PoliteSession:
    """GET JSON politely. Thread-safe; share one per source."""

    def __init__(
        self,
        *,
        user_agent: str,
        concurrency: int = 4,
        rate_limit: float | None = 8.0,
        timeout: float = 30.0,
        max_retries: int = 5,
        backoff_base: float = 0.5,
        backoff_max: float = 30.0,
        max_retry_after: float = 120.0,
        clock: Clock = SYSTEM_CLOCK,
        name: str = "the server",
        setting: str | None = None,
    ) -> None:
        """`name` and `setting` word the error when nothing answers ("Could not reach DailyMed
        at …. Check DAILYMED_BASE_URL …")."""
        self.name = name
        self.setting = setting
        self.concurrency = max(1, concurrency)
        self.timeout = (min(timeout, 10.0), timeout)  # (connect, read)
        self.max_retries = max(0, max_retries)
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self.max_retry_after = max_retry_after
        self.clock = clock
        self.limiter = RateLimiter(rate_limit, clock=clock)
        self._in_flight = threading.BoundedSemaphore(self.concurrency)
        self._session = requests.Session()
        self._session.headers.update({"User-Agent": user_agent, "Accept": "application/json"})
        adapter = HTTPAdapter(
            pool_connections=1, pool_maxsize=self.concurrency, max_retries=0, pool_block=True
        )
        self._session.mount("http://", adapter)
        self._session.mount("https://", adapter)
        self._jitter = random.Random()
        self._lock = threading.Lock()
        self._requests = self._retries = self._failures = self._throttled = 0
        self._recent: deque[float] = deque()
        self._first_start: float | None = None

    @property
    def stats(self) -> HttpStats:
        with self._lock:
            now = self.clock.now()
            self._forget_old_starts(now)
            return HttpStats(
                requests=self._requests,
                retries=self._retries,
                failures=self._failures,
                throttled=self._throttled,
                current_rate=len(self._recent) / self._rate_window(now),
            )

    def close(self) -> None:
        self._session.close()

    def get_json(
        self,
        url: str,
        params: Mapping[str, Any] | None = None,
        cancel: threading.Event | None = None,
    ) -> Any:
        """The decoded JSON body of a 200 answer, retrying what is worth retrying."""
        attempt = 0
        while True:
            self.limiter.acquire(cancel)
            outcome = self._attempt(url, params)
            if outcome.problem is None:
                return outcome.body
            if attempt >= self.max_retries or not outcome.retryable:
                with self._lock:
                    self._failures += 1
                tries = f" (gave up after {attempt + 1} attempts)" if attempt else ""
                if outcome.detail is not None:
                    raise self._unreachable(url, outcome.problem + tries, outcome.detail)
                raise FetchError(outcome.problem + tries, url=url, status=outcome.status)
            delay = self._backoff(attempt)
            if outcome.retry_after is not None:
                delay = min(outcome.retry_after, self.max_retry_after)
                self.limiter.pause(delay)
            with self._lock:
                self._retries += 1
            _sleep_until(self.clock, self.clock.now() + delay, cancel)
            attempt += 1

    def _attempt(self, url: str, params: Mapping[str, Any] | None) -> _Outcome:
        with self._in_flight:
            with self._lock:
                self._requests += 1
                now = self.clock.now()
                self._recent.append(now)
                self._first_start = self._first_start or now
                self._forget_old_starts(now)
            try:
                response = self._session.get(url, params=params, timeout=self.timeout)
            except RETRYABLE_ERRORS as error:
                detail = f"{type(error).__name__}: {error}"
                return _Outcome(problem=no_answer_reason(error), detail=detail)
            with response:
                status = response.status_code
                if status == 200:
                    try:
                        return _Outcome(body=response.json())
                    except ValueError:
                        return _Outcome(problem="the answer was not valid JSON", status=status)
                if status == 429:
                    with self._lock:
                        self._throttled += 1
                return _Outcome(
                    problem=f"HTTP {status} from {response.url}",
                    status=status,
                    retry_after=parse_retry_after(
                        response.headers.get("Retry-After"), now=self.clock.wall()
                    ),
                )

    def _unreachable(self, url: str, reason: str, detail: str) -> SourceUnreachable:
        parts = urlsplit(url)
        check = self.setting or "the address"
        log.warning("no answer from %s: %s", url, detail)
        return SourceUnreachable(
            f"Could not reach {self.name} at {parts.scheme}://{parts.netloc}: {reason}. "
            f"Check {check} and this machine's network access.",
            url=url,
            detail=detail,
        )

    def _backoff(self, attempt: int) -> float:
        """Exponential with "equal jitter": half fixed, half random, so callers spread out."""
        ceiling = min(self.backoff_max, self.backoff_base * 2**attempt)
        return ceiling / 2 + self._jitter.uniform(0, ceiling / 2)

    def _rate_window(self, now: float) -> float:
        """Seconds the current rate is averaged over: the last few, or since the first start."""
        since_first = now - (self._first_start or now)
        return max(1.0, min(RATE_WINDOW_SECONDS, since_first))

    def _forget_old_starts(self, now: float) -> None:
        while self._recent and now - self._recent[0] > RATE_WINDOW_SECONDS:
            self._recent.popleft()
