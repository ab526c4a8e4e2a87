"""Schedules: read by anyone signed in; paused, resumed and run now by admins."""

from __future__ import annotations

from typing import Any

from flask import jsonify
from flask_login import current_user

from accounts.access import require_role
from api import bp, schemas
from api.openapi import validate
from api.serializers import iso, run_summary_json
from jobs import schedules


def schedule_json(state: schedules.ScheduleState) -> dict[str, Any]:
    return {
        "name": state.spec.name,
        "jobs": list(state.spec.jobs),
        "setting": state.spec.setting,
        "cron": state.cron,
        "cron_in_words": state.cron_in_words,
        "next_fire_at": iso(state.next_fire_at),
        "paused": state.paused,
        "available": state.available,
        "last": {
            "fire_at": iso(state.last_fire_at),
            "outcome": state.last_outcome,
            "message": state.last_message,
            "runs": [run_summary_json(run) for run in state.last_runs],
        }
        if state.last_outcome
        else None,
    }


@bp.get("/schedules")
@validate(answer=schemas.Many)
def list_schedules():
    """The schedules: cron, next fire, paused, the last outcome."""
    return jsonify({"success": True, "data": [schedule_json(s) for s in schedules.states()]})


@bp.post("/schedules/<name>/pause")
@require_role("admin")
@validate(answer=schemas.One)
def pause_schedule(name: str):
    """Pause a schedule (admin)."""
    return jsonify({"success": True, "data": schedule_json(schedules.set_paused(name, True))})


@bp.post("/schedules/<name>/resume")
@require_role("admin")
@validate(answer=schemas.One)
def resume_schedule(name: str):
    """Resume a paused schedule (admin)."""
    return jsonify({"success": True, "data": schedule_json(schedules.set_paused(name, False))})


@bp.post("/schedules/<name>/run")
@require_role("admin")
@validate(answer=schemas.JobsStarted, status=202)
def run_schedule_now(name: str):
    """Run a schedule's jobs now (admin): 202 with their job ids."""
    fired = schedules.run_now(name, current_user.username, current_user.id)
    message = f"The {name} schedule's jobs started."
    return jsonify({"success": True, "job_ids": list(fired.run_ids), "message": message}), 202
