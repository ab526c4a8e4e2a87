"""Prometheus metrics at `/metrics`, for admins only: a signed-in admin, or Prometheus with an
admin's API token (`authorization: credentials_file` in its scrape config).

Two kinds of figures:

- **Runs**, read from PostgreSQL at scrape time by `RunsCollector` (real runs; samples left out):
  every replica and process reports the same truth, whoever executed the runs.
- **Request latency** (`medsync_http_request_duration_seconds`, by method, route rule — never
  the raw URL, so ids do not explode the series — and status class), measured in each process.
  Under gunicorn the workers write it to files in PROMETHEUS_MULTIPROC_DIR (prometheus-client's
  multiprocess mode, set up by gunicorn.conf.py), and a scrape of any worker adds them all up.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator

import sqlalchemy as sa
from flask import Blueprint, Flask, Response, g, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector

from accounts.access import require_role
from database import db
from models import Run

bp = Blueprint("metrics", __name__)

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
RUN_DURATION_BUCKETS = (1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200, 14400)

# Not in prometheus-client's global registry: each scrape builds its own (`exposition`).
REQUEST_SECONDS = Histogram(
    "medsync_http_request_duration_seconds",
    "Seconds to answer an HTTP request (to its headers: a streamed export's body is not timed), "
    "by method, route rule and status class.",
    ["method", "route", "status"],
    buckets=LATENCY_BUCKETS,
    registry=None,
)


def multiprocess_dir() -> str | None:
    """Set (by gunicorn.conf.py, or by hand) when several processes share the figures."""
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


class RunsCollector:
    """The runs' figures, from the runs table at scrape time (needs an app context)."""

    def collect(self) -> Iterator[Metric]:
        real = Run.is_sample.is_(False)
        stored = GaugeMetricFamily(
            "medsync_runs",
            "Runs stored, by source and status (retention may lower it: RUN_RETENTION_DAYS).",
            labels=["source", "status"],
        )
        running = GaugeMetricFamily(
            "medsync_jobs_running", "Runs executing now, by source.", labels=["source"]
        )
        queued = 0
        for source, status, count in db.session.execute(
            sa.select(Run.source, Run.status, sa.func.count())
            .where(real)
            .group_by(Run.source, Run.status)
        ):
            stored.add_metric([source, status], count)
            if status == "running":
                running.add_metric([source], count)
            elif status == "queued":
                queued += count
        yield stored
        yield GaugeMetricFamily(
            "medsync_job_queue_depth",
            "Runs waiting to start (queued: for a worker, or for the run before them).",
            value=queued,
        )
        yield running
        yield self._durations(real)
        yield self._last_completed(real)

    def _durations(self, real: sa.ColumnElement[bool]) -> Metric:
        family = HistogramMetricFamily(
            "medsync_run_duration_seconds",
            "Seconds finished runs took, by source.",
            labels=["source"],
        )
        duration = Run.duration_seconds
        columns = [sa.func.count().filter(duration <= bound) for bound in RUN_DURATION_BUCKETS]
        query = (
            sa.select(Run.source, sa.func.count(), sa.func.coalesce(sa.func.sum(duration), 0))
            .add_columns(*columns)
            .where(real, duration.is_not(None))
            .group_by(Run.source)
        )
        for source, count, total, *within in db.session.execute(query):
            buckets = [
                (str(float(b)), n) for b, n in zip(RUN_DURATION_BUCKETS, within, strict=True)
            ]
            family.add_metric([source], [*buckets, ("+Inf", count)], float(total))
        return family

    def _last_completed(self, real: sa.ColumnElement[bool]) -> Metric:
        family = GaugeMetricFamily(
            "medsync_last_completed_run_timestamp_seconds",
            "When the latest completed run of each source ended (Unix time): alert on its age.",
            labels=["source"],
        )
        for source, ended in db.session.execute(
            sa.select(Run.source, sa.func.max(Run.completed_at))
            .where(real, Run.status == "completed")
            .group_by(Run.source)
        ):
            if ended is not None:
                family.add_metric([source], ended.timestamp())
        return family


def exposition() -> bytes:
    """Every figure, in Prometheus' text format: this scrape's own registry."""
    registry = CollectorRegistry()
    registry.register(RunsCollector())
    directory = multiprocess_dir()
    if directory:
        MultiProcessCollector(registry, path=directory)
    else:
        registry.register(REQUEST_SECONDS)
    return generate_latest(registry)


@bp.get("/metrics")
@require_role("admin")
def metrics() -> Response:
    return Response(exposition(), content_type=CONTENT_TYPE_LATEST)


def _start_timer() -> None:
    g.metrics_started = time.perf_counter()


def _observe(response: Response) -> Response:
    started = g.pop("metrics_started", None)
    if started is not None:
        route = request.url_rule.rule if request.url_rule is not None else "<unmatched>"
        REQUEST_SECONDS.labels(request.method, route, f"{response.status_code // 100}xx").observe(
            time.perf_counter() - started
        )
    return response


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    # First of all before-request functions, so the sign-in gate's own answers are timed too.
    # (A scraper without valid credentials gets the gate's 401, not the sign-in page.)
    app.before_request_funcs.setdefault(None, []).insert(0, _start_timer)
    app.after_request(_observe)
