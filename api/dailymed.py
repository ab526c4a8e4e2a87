"""POST /api/dailymed/check: the DailyMed contract check, for admins (the CLI's
`flask --app app dailymed check` as JSON)."""

from __future__ import annotations

from flask import current_app, jsonify

from accounts.access import require_role
from api import bp, schemas
from api.openapi import valid_body, validate
from errors import ValidationFailed
from scraper.dailymed_check import check_contract

CHECK_TIMEOUT = 10.0  # seconds per request: the check runs while the admin waits


@bp.post("/dailymed/check")
@require_role("admin")
@validate(json=schemas.DailymedCheckBody, answer=schemas.One)
def check_dailymed_contract():
    """Check DailyMed still answers as the sync expects (admin)."""
    set_id = valid_body().set_id
    if set_id is not None and (not isinstance(set_id, str) or not set_id.strip()):
        raise ValidationFailed("set_id must be a label's set id.", field="set_id")
    settings = current_app.config["SETTINGS"]
    report = check_contract(
        settings.dailymed_base_url,
        settings.dailymed_class_types,
        set_id=set_id.strip() if set_id else None,
        timeout=CHECK_TIMEOUT,
    )
    return jsonify({"success": True, "data": report.as_json()})
