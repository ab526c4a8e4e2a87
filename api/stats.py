"""GET /api/stats: the Overview figures."""

from __future__ import annotations

from flask import jsonify

from api import bp
from api.serializers import run_summary_json
from datasets import overview


@bp.get("/stats")
def stats():
    figures = overview.collect()
    figures["last_sync"] = {
        source: run_summary_json(run) if run else None
        for source, run in figures["last_sync"].items()
    }
    return jsonify({"success": True, "data": figures})
