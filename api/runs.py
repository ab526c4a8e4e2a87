"""Sync jobs: trigger, poll, cancel, and the run history."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Response, jsonify, request
from flask_login import current_user

from accounts.access import require_role
from api import bp
from api.pagination import paginate, sort_clause
from api.serializers import run_json
from api.validation import json_body
from database import db
from datasets.listing import flag_arg
from errors import BadRequest
from jobs import engine, run_log
from models import RUN_STATUSES, RecordChange, Run

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


@bp.post("/scrape-runs/<int:run_id>/rerun")
@require_role("editor")
def rerun(run_id: int):
    """Run a failed, cancelled or interrupted run's job again: 202 with the new job id."""
    run = engine.rerun(run_id, current_user.username, current_user.id)
    message = f"{run.source.capitalize()} sync started again (repeating run {run_id})."
    return jsonify({"success": True, "job_id": run.id, "message": message}), 202


@bp.get("/scrape-runs/<int:run_id>/log")
def run_log_lines(run_id: int):
    """The lines the run's job logged (bounded per run); `?format=text` downloads them."""
    engine.get_run(run_id)  # 404 for an unknown run
    fmt = request.args.get("format", "json")
    if fmt not in ("json", "text"):
        raise BadRequest("format must be json or text.", field="format")
    lines = db.session.scalars(run_log.lines_query(run_id)).all()
    if fmt == "text":
        body = "".join(run_log.as_text(line) + "\n" for line in lines)
        response = Response(body, mimetype="text/plain")
        response.headers["Content-Disposition"] = f'attachment; filename="run-{run_id}.log"'
        return response
    return jsonify(
        {
            "success": True,
            "run_id": run_id,
            "limit": run_log.MAX_LINES,
            "data": [
                {
                    "at": line.logged_at.isoformat(),
                    "level": line.level,
                    "logger": line.logger,
                    "message": line.message,
                }
                for line in lines
            ],
        }
    )


@bp.get("/scrape-runs/<int:run_id>/changes")
def run_changes(run_id: int):
    """What the run changed, per dataset: records and field changes (from the history). Each
    dataset's list takes `changed_by_run=<id>` to show those records."""
    engine.get_run(run_id)
    rows = db.session.execute(
        sa.select(
            RecordChange.dataset,
            sa.func.count(sa.distinct(RecordChange.record_id)).label("records"),
            sa.func.count().label("changes"),
        )
        .where(RecordChange.run_id == run_id)
        .group_by(RecordChange.dataset)
        .order_by(RecordChange.dataset)
    )
    data = [{"dataset": r.dataset, "records": r.records, "changes": r.changes} for r in rows]
    return jsonify({"success": True, "run_id": run_id, "data": data})
