"""/api/drug-classes: full CRUD, filters (name, class_type), CSV export, review, history,
revert."""

from __future__ import annotations

from api import bp
from api.records import add_record_routes
from datasets import drug_classes

add_record_routes(bp, "/drug-classes", drug_classes.service, full_crud=True)
