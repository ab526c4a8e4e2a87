"""/api/authorizations: list, detail, edit, review, history, revert, CSV export."""

from __future__ import annotations

from flask import jsonify, request
from flask_login import current_user

import authorizations
from api import bp
from api.export import csv_response
from api.pagination import paginate, sort_clause
from api.serializers import change_json
from api.validation import json_body
from auth import require_role


def _filtered():
    query = authorizations.list_query(request.args)
    return query.order_by(*sort_clause(authorizations.SORTABLE, "patient_name"))


def _one(record):
    return jsonify({"success": True, "data": authorizations.to_json(record)})


@bp.get("/authorizations")
def list_authorizations():
    return paginate(_filtered(), authorizations.to_json)


@bp.get("/authorizations/export.csv")
def export_authorizations():
    return csv_response(
        _filtered(), authorizations.CSV_COLUMNS, authorizations.to_json, "authorizations.csv"
    )


@bp.get("/authorizations/<int:record_id>")
def get_authorization(record_id: int):
    return _one(authorizations.get(record_id))


@bp.patch("/authorizations/<int:record_id>")
@require_role("editor")
def update_authorization(record_id: int):
    return _one(authorizations.update(record_id, json_body(), current_user.id))


@bp.post("/authorizations/<int:record_id>/review")
@require_role("editor")
def review_authorization(record_id: int):
    return _one(authorizations.review(record_id, json_body(), current_user.id))


@bp.post("/authorizations/<int:record_id>/revert")
@require_role("editor")
def revert_authorization(record_id: int):
    return _one(authorizations.revert(record_id, json_body(), current_user.id))


@bp.get("/authorizations/<int:record_id>/history")
def authorization_history(record_id: int):
    return paginate(authorizations.history_query(record_id), change_json)
