"""GET /api/analytics/<analysis>: one analysis computed live under the filters."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import jsonify, request

from analytics import registry
from analytics.filters import Filters
from api import bp


@bp.get("/analytics/<analysis>")
def analysis(analysis: str):
    """`{"analysis", "run_id" (null: computed live), "computed_at", "filters", "summary",
    "data"}`; 404 naming the analyses for an unknown one, 422 naming a bad filter."""
    analyzer = registry.analyzer(analysis)
    filters = Filters.from_args(request.args)
    computed_at = datetime.now(UTC)
    result = analyzer(filters)
    return jsonify(
        {
            "success": True,
            "analysis": analysis,
            "run_id": None,
            "computed_at": computed_at.isoformat(),
            "filters": filters.as_json(),
            "summary": result["summary"],
            "data": result["data"],
        }
    )
