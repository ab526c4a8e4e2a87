"""gunicorn's settings for MedSync: `gunicorn --config gunicorn.conf.py "app:create_app()"`
(what `make serve` runs). Everything comes from the one settings reader (config.py):

- FLASK_HOST:FLASK_PORT (127.0.0.1:5000; set FLASK_HOST=0.0.0.0 in a container);
- WEB_CONCURRENCY worker processes (default: CPUs + 1, 2 to 8), each with WEB_THREADS threads
  (default: 2 per CPU, 4 to 8) — gthread workers, since requests mostly wait on PostgreSQL;
- with no DATABASE_URL, the embedded PostgreSQL starts once, here in the master, before any
  worker, and stops when the master exits; the workers inherit its DATABASE_URL.

A worker told to stop (a deploy's SIGTERM, or a recycle after --max-requests) stops taking
requests, lets those in flight finish, and asks its running jobs to stop at their next
checkpoint (a fraction of a second in every job): the run ends "interrupted" (JOBS_MODE=threads)
or goes back to the queue (JOBS_MODE=queue) — never left running. A worker killed outright is
replaced, and its replacement marks the dead worker's runs interrupted as it starts (their pid
is gone); on another host, the reapers do after JOB_STALE_AFTER.
"""

from __future__ import annotations

import os
import shutil
import signal
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))  # config, database and jobs, whatever directory gunicorn runs in

from config import ConfigError, load_settings  # noqa: E402  (after the path above)

try:
    settings = load_settings()
except ConfigError as exc:
    raise SystemExit(f"medsync: configuration error: {exc}") from None

_host = f"[{settings.flask_host}]" if ":" in settings.flask_host else settings.flask_host
bind = [f"{_host}:{settings.flask_port}"]
worker_class = "gthread"
workers = settings.web_concurrency
threads = settings.web_threads
# gthread's main loop tells the master it is alive while requests run, so a long poll or a
# streamed export is never cut by this: only a worker whose loop is stuck this long is killed.
timeout = 60
# After SIGTERM: requests in flight get this long to finish, jobs to reach a checkpoint.
graceful_timeout = 30
JOB_STOP_SECONDS = 20.0  # of those, what a job gets (then the worker exits regardless)
keepalive = 5
# No gunicornc control socket: it would be one fixed path per user (two servers on one host
# would fight over it) and a write outside the instance on a read-only file system.
control_socket_disable = True

accesslog = "-"
errorlog = "-"
loglevel = settings.log_level.lower()
# Client, request line, status, bytes, milliseconds, user agent, <worker pid>. No cookies, no
# Authorization header: never a secret in the log.
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s" %(p)s'


if settings.log_format == "json":  # LOG_FORMAT: the app's lines and gunicorn's alike
    logger_class = "observability.gunicorn_logs.JsonLogger"  # imported by the master only

# Prometheus' request figures from every worker (observability/metrics.py): each worker writes
# its own files in this directory, a scrape of any worker adds them up (see on_starting).
METRICS_DIR: Path | None = None
_metrics_dir_is_ours = False


def _share_metrics() -> None:
    """PROMETHEUS_MULTIPROC_DIR: the one given, emptied (a previous server's figures would add
    up wrongly), or a temporary one; set before the app (and prometheus-client) is imported, so
    prometheus-client starts in multiprocess mode in the master and every worker."""
    global METRICS_DIR, _metrics_dir_is_ours
    if settings.prometheus_multiproc_dir:
        METRICS_DIR = Path(settings.prometheus_multiproc_dir)
        METRICS_DIR.mkdir(parents=True, exist_ok=True)
        for stale in METRICS_DIR.glob("*.db"):
            stale.unlink()
    else:
        METRICS_DIR, _metrics_dir_is_ours = Path(tempfile.mkdtemp(prefix="medsync-metrics-")), True
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(METRICS_DIR)


def on_starting(server: Any) -> None:
    """Once, in the master: the application's code imported (not built: no connections, no
    threads), so every worker forks with it loaded and boots in a fraction of the time; and
    the embedded PostgreSQL, when no database is configured."""
    _share_metrics()
    import app  # noqa: F401

    if settings.database_url:
        return

    from database import DatabaseUnavailable, start_embedded_postgres

    try:
        url = start_embedded_postgres(settings.instance_path or str(ROOT / "instance"))
    except DatabaseUnavailable as exc:
        raise SystemExit(f"medsync: {exc}") from None
    os.environ["DATABASE_URL"] = url  # what every worker's settings reader then finds
    server.log.info("embedded PostgreSQL started for the workers")


def post_worker_init(worker: Any) -> None:
    """SIGTERM also tells this worker's jobs to stop at their next checkpoint, at once, while
    gunicorn lets the requests in flight finish."""
    from jobs import engine

    graceful = signal.getsignal(signal.SIGTERM)

    def stop(signum: int, frame: Any) -> None:
        engine.stopping().set()
        if callable(graceful):
            graceful(signum, frame)

    signal.signal(signal.SIGTERM, stop)


def worker_exit(server: Any, worker: Any) -> None:
    """In the exiting worker (stopped, or recycled after --max-requests): its jobs stop at a
    checkpoint and are recorded before the process goes."""
    from jobs import engine

    left = engine.stop_jobs(JOB_STOP_SECONDS)
    if left:
        server.log.warning("worker %s exits with %d job(s) still running", worker.pid, left)


def child_exit(server: Any, worker: Any) -> None:
    """In the master, once a worker is gone: its live gauges leave the figures (its counters and
    histograms stay, as Prometheus expects of counters)."""
    from prometheus_client import multiprocess

    if METRICS_DIR is not None:
        multiprocess.mark_process_dead(worker.pid, str(METRICS_DIR))


def on_exit(server: Any) -> None:
    from database import stop_embedded_postgres

    stop_embedded_postgres()
    if METRICS_DIR is not None and _metrics_dir_is_ours:
        shutil.rmtree(METRICS_DIR, ignore_errors=True)
