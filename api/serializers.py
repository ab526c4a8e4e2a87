"""How records look in JSON. Dates are ISO 8601; secrets never appear."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from models import ApiToken, ScrapeRun, User


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


def run_summary_json(run: ScrapeRun) -> dict[str, Any]:
    return {
        "id": run.id,
        "source": run.source,
        "status": run.status,
        "triggered_by": run.triggered_by,
        "started_at": iso(run.started_at),
        "completed_at": iso(run.completed_at),
        "duration_seconds": run.duration_seconds,
        "records_found": run.records_found,
        "records_saved": run.records_saved,
        "error": run.error_message,
    }
