"""Alerts: when a run fails (or is interrupted) or leaves records waiting for review, post a short
JSON message to NOTIFY_WEBHOOK_URL — Slack-compatible `{"text": ...}` plus structured fields.

NOTIFY_ON chooses the events (`failed`, `needs_review`). The message is built from the finished
run (one quick query) and handed to a sender thread, so sending never fails or slows a run: the
sender retries connection errors, timeouts, 429 and 5xx answers NOTIFY_RETRIES times with a
doubling pause, then gives up with one warning in the log. Webhook URLs carry secrets (Slack's
do), so no log line or message ever contains the URL.

Generic like the engine: a run's "records waiting for review" are the distinct records whose
history says this run changed a field a person had edited (`sync_source_changed`), whatever the
source — archived records left out: a sync still brings them source values and may flag them,
but nobody is asked to review what they archived. (The run's own counts are the merge rules'
and still count every record the sync flagged.)
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Any

import requests
import sqlalchemy as sa

from config import NOTIFY_EVENTS
from database import db
from models import RecordChange, Run, names_an_archived_record, utcnow

log = logging.getLogger(__name__)

EVENTS = NOTIFY_EVENTS
FAILED_STATUSES = ("failed", "interrupted")
TIMEOUT_SECONDS = 5.0
_RETRYABLE = frozenset({408, 425, 429, 500, 502, 503, 504})


@dataclass(frozen=True)
class Alert:
    run_id: int
    events: tuple[str, ...]
    payload: dict[str, Any]


def records_waiting_for_review(run_id: int) -> int:
    """Distinct records this run sent to review: a field a person edited changed at the source.
    Archived records do not count."""
    changed = (
        sa.select(RecordChange.dataset, RecordChange.record_id)
        .where(
            RecordChange.run_id == run_id,
            RecordChange.action == "sync_source_changed",
            ~names_an_archived_record(RecordChange.dataset, RecordChange.record_id),
        )
        .distinct()
        .subquery()
    )
    return db.session.scalar(sa.select(sa.func.count()).select_from(changed)) or 0


def alert_for(run: Run, wanted: tuple[str, ...]) -> Alert | None:
    """The alert a finished run calls for under NOTIFY_ON `wanted`, or None."""
    review = records_waiting_for_review(run.id) if "needs_review" in wanted else 0
    events = tuple(
        event
        for event, happened in (
            ("failed", run.status in FAILED_STATUSES),
            ("needs_review", review > 0),
        )
        if happened and event in wanted
    )
    if not events:
        return None
    return Alert(run.id, events, _payload(run, events, review))


def _payload(run: Run, events: tuple[str, ...], review: int) -> dict[str, Any]:
    words = []
    if "failed" in events:
        words.append(f"{run.status}: {run.error_message or 'no error was recorded'}")
    if "needs_review" in events:
        words.append(f"{review} record{'s' if review != 1 else ''} waiting for review")
    return {
        "text": f"MedSync: {run.source} run {run.id} " + "; ".join(words),
        "events": list(events),
        "run": {
            "id": run.id,
            "source": run.source,
            "status": run.status,
            "triggered_by": run.triggered_by,
            "started_at": run.started_at.isoformat() if run.started_at else None,
            "completed_at": run.completed_at.isoformat() if run.completed_at else None,
            "error": run.error_message,
            "records_waiting_for_review": review,
            "path": "/#/runs",
        },
        "sent_at": utcnow().isoformat(),
    }


def after_run(settings: Any, run_id: int) -> threading.Thread | None:
    """Called by the engine once a run's verdict is stored. Never raises: an alert that cannot
    be built or sent is a warning in the log, not a problem for the run. Answers the sender
    thread when there is something to send."""
    if not settings.notify_webhook_url:
        return None
    try:
        run = db.session.get(Run, run_id)
        alert = alert_for(run, settings.notify_on) if run is not None else None
    except Exception:
        log.exception("could not build the alert for run %s", run_id)
        return None
    if alert is None:
        return None
    sender = threading.Thread(
        target=deliver,
        args=(alert, settings.notify_webhook_url, settings.notify_retries),
        kwargs={"backoff": settings.notify_retry_backoff},
        name=f"alert-{run_id}",
        daemon=True,
    )
    sender.start()
    return sender


def deliver(alert: Alert, url: str, retries: int, *, backoff: float = 1.0) -> bool:
    """POST the alert, retrying what a later attempt may fix. True once delivered."""
    problem = ""
    for attempt in range(retries + 1):
        if attempt:
            time.sleep(backoff * 2 ** (attempt - 1))
        try:
            response = requests.post(url, json=alert.payload, timeout=TIMEOUT_SECONDS)
        except requests.RequestException as exc:
            problem = f"{type(exc).__name__}"
            continue
        if response.ok:
            log.info("alert for run %s (%s) delivered", alert.run_id, ", ".join(alert.events))
            return True
        problem = f"HTTP {response.status_code}"
        if response.status_code not in _RETRYABLE:
            break
    log.warning(
        "alert for run %s (%s) not delivered after %d attempt(s): %s",
        alert.run_id,
        ", ".join(alert.events),
        attempt + 1,
        problem,
    )
    return False
