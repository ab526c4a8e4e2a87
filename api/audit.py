"""GET /api/audit: the one audit log (admins): every change to a record by a person or a run, and
what people did to accounts, newest first, filtered, paged, or as CSV (`format=csv`)."""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from flask import request

from accounts import audit
from accounts.access import require_role
from api import bp, params, schemas
from api.export import csv_response
from api.openapi import valid_query, validate
from api.pagination import each, paginate, sort_arg


def _csv_row(row: sa.Row[Any]) -> dict[str, Any]:
    entry = audit.entry_json(row[0])
    for name in ("old_value", "new_value"):
        if entry.get(name) is not None and not isinstance(entry[name], str):
            entry[name] = json.dumps(entry[name], sort_keys=True)
    return entry


@bp.get("/audit")
@require_role("admin")
@validate(query=params.AuditQuery, answer=schemas.Page)
def audit_log():
    """The audit log (admin), newest first: user, dataset, field, run_id, action, from, to;
    format=csv downloads it."""
    _, newest_first = sort_arg(("at",), "-at")
    query = audit.entries_query(request.args, oldest_first=not newest_first)
    if valid_query().format == "csv":
        return csv_response(query, audit.CSV_COLUMNS, _csv_row, "audit.csv")
    return paginate(query, each(audit.entry_json))
