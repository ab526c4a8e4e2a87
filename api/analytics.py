"""The analytics API: run analytics (a job), the stored results (list, get, note, delete), one
analysis (the latest stored run, a given run, or live under filters) and two runs compared.
Each route validates, calls one function of `analytics`, shapes the JSON."""

from __future__ import annotations

from flask import jsonify, request
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from accounts.access import require_role
from analytics import compare, job, results
from api import bp, params, schemas
from api.openapi import validate
from api.pagination import each, paginate, sort_clause
from api.validation import json_body
from models import AnalyticsResult

RESULT_SORTS = {
    "computed_at": AnalyticsResult.computed_at,
    "analysis": AnalyticsResult.analysis,
    "run_id": AnalyticsResult.run_id,
}


@bp.post("/analytics/run")
@require_role("editor")
@validate(answer=schemas.JobStarted, status=202)
def run_analytics():
    """202 `{"job_id"}`; 409 with `details.job_id` while an analytics run is running."""
    run = job.start(f"user:{current_user.username}", current_user.id)
    return jsonify({"success": True, "job_id": run.id, "message": "Analytics run started."}), 202


@bp.get("/analytics/results")
@validate(query=params.ResultListQuery, answer=schemas.Page)
def list_results():
    """Stored results, newest first (`sort`); `analysis` and `run_id` narrow them (422 when
    bad)."""
    order = sort_clause(RESULT_SORTS, "-computed_at")
    filters = MultiDict([(k, v) for k, v in request.args.items(multi=True) if k != "sort"])
    query = results.list_query(filters).order_by(None).order_by(*order)
    return paginate(query, each(results.listed_json))


@bp.get("/analytics/results/<int:result_id>")
@validate(answer=schemas.Answer)
def get_result(result_id: int):
    """One stored result: the analysis, its run, summary, data and note."""
    return jsonify({"success": True, **results.result_json(results.get(result_id))})


@bp.put("/analytics/results/<int:result_id>")
@require_role("editor")
@validate(json=schemas.NoteBody, answer=schemas.Answer)
def update_result(result_id: int):
    """Body `{"note": text or null}`."""
    result = results.set_note(result_id, json_body())
    return jsonify({"success": True, **results.result_json(result)})


@bp.delete("/analytics/results/<int:result_id>")
@require_role("admin")
@validate(answer=schemas.Answer)
def delete_result(result_id: int):
    """Delete one stored result (admin)."""
    results.delete(result_id)
    return jsonify({"success": True, "deleted": result_id})


@bp.get("/analytics/compare")
@validate(query=params.CompareQuery, answer=schemas.Answer)
def compare_runs():
    """`?from=<run>&to=<run>`: headline figures and top lists with their deltas."""
    answer = compare.compare(request.args.get("from"), request.args.get("to"))
    return jsonify({"success": True, **answer})


@bp.get("/analytics/<analysis>")
@validate(query=params.AnalysisQuery, answer=schemas.Answer)
def analysis(analysis: str):
    """`{"analysis", "run_id" (null: computed live), "computed_at", "filters", "summary",
    "data", "result_id", "note"}`: the latest stored run's result without filters (live while
    none is stored), `run_id`'s, or live under filters. 404 naming the analyses for an unknown
    one, 422 naming a bad filter or run_id."""
    return jsonify({"success": True, **results.answer(analysis, request.args.to_dict())})
