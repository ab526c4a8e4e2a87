"""How records look in JSON. Dates are ISO 8601; secrets never appear."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from models import ApiToken, RecordChange, Run, User, utcnow


def iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def user_json(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "username": user.username,
        "role": user.role,
        "is_active": user.is_active,
        "created_at": iso(user.created_at),
        "last_login_at": iso(user.last_login_at),
    }


def token_json(token: ApiToken) -> dict[str, Any]:
    return {
        "id": token.id,
        "name": token.name,
        "user_id": token.user_id,
        "username": token.user.username,
        "prefix": token.prefix,
        "created_at": iso(token.created_at),
        "last_used_at": iso(token.last_used_at),
        "revoked_at": iso(token.revoked_at),
    }


def run_summary_json(run: Run) -> dict[str, Any]:
    return {
        "id": run.id,
        "source": run.source,
        "status": run.status,
        "triggered_by": run.triggered_by,
        "is_sample": run.is_sample,
        "started_at": iso(run.started_at),
        "completed_at": iso(run.completed_at),
        "duration_seconds": run.duration_seconds,
        "records_found": run.records_found,
        "records_saved": run.records_saved,
        "records_kept_manual": run.records_kept_manual,
        "failure": run.failure,
        "error": run.error_message,
        "warnings": run.warnings or [],
    }


def run_json(run: Run) -> dict[str, Any]:
    """A run with live progress: done / total, percent, rate per second and ETA."""
    elapsed = None
    if run.started_at is not None:
        end = run.completed_at or utcnow()
        elapsed = max((end - run.started_at).total_seconds(), 0.0)
    done, total = run.progress_done, run.progress_total
    details = run.progress_details or {}
    rate = details.get("rate_per_second")  # measured per phase by the job
    eta = details.get("eta_seconds") if run.status == "running" else None
    return {
        **run_summary_json(run),
        "job_id": run.id,
        "triggered_by_user_id": run.triggered_by_user_id,
        "created_at": iso(run.created_at),
        "heartbeat_at": iso(run.heartbeat_at),
        "cancel_requested": run.cancel_requested,
        "progress": {
            "done": done,
            "total": total,
            "percent": round(100 * done / total, 1) if total else None,
            "step": run.current_step,
            "rate_per_second": rate,
            "eta_seconds": eta,
            "elapsed_seconds": round(elapsed, 1) if elapsed is not None else None,
            "details": details,
        },
        "records_inserted": run.records_inserted,
        "records_updated": run.records_updated,
        "records_unchanged": run.records_unchanged,
        "records_kept_manual": run.records_kept_manual,
        "records_missing": run.records_missing,
    }


def change_json(change: RecordChange) -> dict[str, Any]:
    return {
        "id": change.id,
        "field": change.field,
        "action": change.action,
        "old_value": change.old_value,
        "new_value": change.new_value,
        "actor_type": change.actor_type,
        "user_id": change.user_id,
        "username": change.user.username if change.user else None,
        "run_id": change.run_id,
        "changed_at": iso(change.changed_at),
    }
