"""Sync jobs: trigger, poll, cancel, and the run history."""

from __future__ import annotations

from flask import jsonify, request
from flask_login import current_user

from accounts.access import require_role
from api import bp
from api.pagination import paginate, sort_clause
from api.serializers import run_json
from api.validation import json_body
from datasets.records import flag_arg
from errors import BadRequest
from jobs import engine
from models import RUN_STATUSES, Run

RUN_SORTS = {
    "id": Run.id,
    "created_at": Run.created_at,
    "started_at": Run.started_at,
    "duration_seconds": Run.duration_seconds,
    "status": Run.status,
    "source": Run.source,
}


@bp.post("/scrape")
@require_role("editor")
def trigger_scrape():
    source = json_body().get("source", "portal")
    run = engine.start(str(source), f"user:{current_user.username}", current_user.id)
    message = f"{run.source.capitalize()} sync started."
    return jsonify({"success": True, "job_id": run.id, "message": message}), 202


@bp.get("/scrape/status/<int:job_id>")
def scrape_status(job_id: int):
    return jsonify({"success": True, **run_json(engine.get_run(job_id))})


@bp.post("/scrape/<int:job_id>/cancel")
@require_role("editor")
def cancel_scrape(job_id: int):
    run = engine.request_cancel(job_id)
    message = "Cancel requested; the job stops at its next checkpoint."
    return jsonify(
        {"success": True, "job_id": run.id, "status": run.status, "message": message}
    ), 202


@bp.get("/scrape-runs")
def scrape_runs():
    status = request.args.get("status")
    if status and status not in RUN_STATUSES:
        raise BadRequest(f"status must be one of {', '.join(RUN_STATUSES)}.", field="status")
    sample = flag_arg(request.args, "sample")  # true: only sample runs; false: only real ones
    query = engine.runs_query(request.args.get("source"), status, sample)
    return paginate(query.order_by(*sort_clause(RUN_SORTS, "-created_at")), run_json)
