"""The JSON API under /api: one module per resource; each route validates, calls one function,
shapes the JSON. `records.add_record_routes` declares a dataset's routes once; `errors` turns
every failure into the one JSON error shape; `pagination` and `export` serve every list.

May import: `analytics`, `datasets`, `jobs`, `accounts`, `errors`, `models`, `database`, and
`scraper.dailymed_check` (the DailyMed contract check: fetch and compare, no database). Never
imported by the layers below it.
"""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api")

from api import (  # noqa: E402,F401  (routes register on bp)
    analytics,
    audit,
    authorizations,
    dailymed,
    drug_classes,
    drugs,
    openapi,
    runs,
    schedules,
    stats,
    users,
)
