"""GET /api/stats: the Overview figures."""

from __future__ import annotations

from flask import jsonify
from flask_login import current_user

from api import bp, params, schemas
from api.openapi import valid_query, validate
from api.serializers import run_summary_json
from datasets import overview


@bp.get("/stats")
@validate(query=params.StatsQuery, answer=schemas.One)
def stats():
    """`include_samples=1` counts seed_scrape_runs.py's sample runs in the success rate. The
    database's server version is shown to admins only."""
    figures = overview.collect(include_samples=bool(valid_query().include_samples))
    if not current_user.has_role("admin"):  # the server's version helps attackers, not viewers
        figures["database"].pop("version", None)
    figures["last_sync"] = {
        source: run_summary_json(run) if run else None
        for source, run in figures["last_sync"].items()
    }
    return jsonify({"success": True, "data": figures})
