"""The pages: the dashboard shell, and the public health probe."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, jsonify, render_template
from flask_login import current_user

from api.serializers import iso
from database import database_status
from datasets import overview

bp = Blueprint("web", __name__)


@bp.get("/")
def index():
    return render_template("index.html", user=current_user)


@bp.get("/health")
def health():
    """For probes: database up or not and when data last synced. Nothing else."""
    database = database_status()
    connected = database["status"] == "connected"
    last_sync = overview.last_successful_sync_time() if connected else None
    body = {
        "status": "healthy" if connected else "degraded",
        "database": database["status"],
        "last_sync_time": iso(last_sync),
        "timestamp": datetime.now(UTC).isoformat(),
    }
    return jsonify(body), 200 if connected else 503
