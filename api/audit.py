"""GET /api/audit: the one audit log (admins): every change to a record by a person or a run, and
what people did to accounts, newest first, filtered, paged, or as CSV (`format=csv`)."""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from flask import request

from accounts import audit
from accounts.access import require_role
from api import bp
from api.export import csv_response
from api.pagination import paginate, sort_arg
from errors import BadRequest


def _csv_row(row: sa.Row[Any]) -> dict[str, Any]:
    entry = audit.entry_json(row[0])
    for name in ("old_value", "new_value"):
        if entry.get(name) is not None and not isinstance(entry[name], str):
            entry[name] = json.dumps(entry[name], sort_keys=True)
    return entry


@bp.get("/audit")
@require_role("admin")
def audit_log():
    _, newest_first = sort_arg(("at",), "-at")
    query = audit.entries_query(request.args, oldest_first=not newest_first)
    fmt = request.args.get("format", "json")
    if fmt == "csv":
        return csv_response(query, audit.CSV_COLUMNS, _csv_row, "audit.csv")
    if fmt != "json":
        raise BadRequest("format must be json or csv.", field="format")
    return paginate(query, audit.entry_json)
