"""/api/drugs: full CRUD, filters (name, ndc in any form, drug_class_id, class_type), CSV
export, review, history, revert."""

from __future__ import annotations

from api import bp
from api.records import add_record_routes
from datasets import drugs

add_record_routes(bp, "/drugs", drugs.service, full_crud=True)
