"""Sync jobs: trigger, poll, cancel, and the run history."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Response, jsonify
from flask_login import current_user

from accounts.access import require_role
from api import bp, params, schemas
from api.openapi import valid_body, valid_query, validate
from api.pagination import each, paginate, sort_clause
from api.serializers import run_json
from database import db
from jobs import engine, run_log
from models import RecordChange, Run

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
@validate(json=schemas.ScrapeBody, answer=schemas.JobStarted, status=202)
def trigger_scrape():
    """Start a sync (Valer-Sync's endpoint): 202 with job_id; 409 while one runs."""
    source = valid_body().source
    run = engine.start(source, f"user:{current_user.username}", current_user.id)
    message = f"{run.source.capitalize()} sync started."
    return jsonify({"success": True, "job_id": run.id, "message": message}), 202


@bp.get("/scrape/status/<int:job_id>")
@validate(answer=schemas.JobStatus)
def scrape_status(job_id: int):
    """A job's status (completed when done), progress and counts."""
    return jsonify({"success": True, **run_json(engine.get_run(job_id))})


@bp.post("/scrape/<int:job_id>/cancel")
@require_role("editor")
@validate(answer=schemas.Answer, status=202)
def cancel_scrape(job_id: int):
    """Ask a running job to stop at its next checkpoint."""
    run = engine.request_cancel(job_id)
    message = "Cancel requested; the job stops at its next checkpoint."
    return jsonify(
        {"success": True, "job_id": run.id, "status": run.status, "message": message}
    ), 202


@bp.get("/scrape-runs")
@validate(query=params.runs_query(tuple(RUN_SORTS)), answer=schemas.Page)
def scrape_runs():
    """The run history, newest first: source, status, sample (true: only sample runs)."""
    args = valid_query()
    query = engine.runs_query(args.source, args.status, args.sample)
    return paginate(query.order_by(*sort_clause(RUN_SORTS, "-created_at")), each(run_json))


@bp.post("/scrape-runs/<int:run_id>/rerun")
@require_role("editor")
@validate(answer=schemas.JobStarted, status=202)
def rerun(run_id: int):
    """Run a failed, cancelled or interrupted run's job again: 202 with the new job id."""
    run = engine.rerun(run_id, current_user.username, current_user.id)
    message = f"{run.source.capitalize()} sync started again (repeating run {run_id})."
    return jsonify({"success": True, "job_id": run.id, "message": message}), 202


@bp.get("/scrape-runs/<int:run_id>/log")
@validate(query=params.RunLogQuery, answer=schemas.Many)
def run_log_lines(run_id: int):
    """The lines the run's job logged (bounded per run); `?format=text` downloads them."""
    engine.get_run(run_id)  # 404 for an unknown run
    fmt = valid_query().format or "json"
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
@validate(answer=schemas.Many)
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
