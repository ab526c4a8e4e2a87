"""/api/authorizations: list, CSV export, detail, create, edit, review, history, revert,
delete (archive), restore, bulk actions."""

from __future__ import annotations

from api import bp
from api.records import add_record_routes
from datasets import authorizations

add_record_routes(bp, "/authorizations", authorizations.service)
