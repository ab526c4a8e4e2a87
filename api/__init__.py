"""The JSON API blueprint. One module per resource; each route validates, calls one function,
shapes the JSON."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api")

from api import (  # noqa: E402,F401  (routes register on bp)
    authorizations,
    drug_classes,
    drugs,
    runs,
    stats,
    users,
)
