"""One JSON error shape for everything under /api: {"success": false, "error": {...}}."""

from __future__ import annotations

import logging
import re

from flask import Flask, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import IntegrityError, OperationalError
from werkzeug.exceptions import HTTPException

from database import QUERY_CANCELED, db
from errors import AppError, TooManyRequests, error_response, wants_json

log = logging.getLogger(__name__)

_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    428: "version_required",
    429: "rate_limited",
}


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(AppError)
    def handle_app_error(exc: AppError):
        response, status = error_response(exc.status, exc.code, exc.message, exc.details)
        if isinstance(exc, TooManyRequests):
            response.headers["Retry-After"] = str(exc.retry_after)
        return response, status

    @app.errorhandler(OperationalError)
    def handle_operational(exc: OperationalError):
        """A request's statement cut off by its statement_timeout (database.py) is the request's
        own doing: a 503 that says so, not a 500."""
        if getattr(exc.orig, "pgcode", None) != QUERY_CANCELED:
            return handle_unexpected(exc)
        db.session.rollback()
        seconds = app.config["SETTINGS"].request_statement_timeout
        log.warning("statement timeout (%s s) on %s %s", seconds, request.method, request.path)
        response, status = error_response(
            503,
            "query_timeout",
            f"The database took longer than {seconds:g} s to answer; narrow the search or the "
            "filters and try again.",
        )
        response.headers["Retry-After"] = "5"
        return response, status

    @app.errorhandler(IntegrityError)
    def handle_integrity(exc: IntegrityError):
        """Two requests racing for one unique value: the loser gets a 409 naming the field."""
        db.session.rollback()
        match = re.search(r"Key \((\w+)\)=", str(exc.orig))
        field = match.group(1) if match else None
        label = field.replace("_", " ").capitalize() if field else "A value"
        details = {"field": field} if field else {}
        return error_response(
            409, "conflict", f"{label} is already used by another record.", details
        )

    @app.errorhandler(CSRFError)
    def handle_csrf(exc: CSRFError):
        if wants_json():
            return error_response(
                400, "csrf_failed", "The CSRF token is missing or invalid; reload the page."
            )
        return exc

    @app.errorhandler(HTTPException)
    def handle_http(exc: HTTPException):
        if not wants_json():
            return exc
        status = exc.code or 500
        message = exc.description or exc.name
        if status == 400 and "JSON" in (message or ""):
            message = "The request body is not valid JSON."
        valid_methods = getattr(exc, "valid_methods", None)  # only MethodNotAllowed has them
        if valid_methods:
            takes = ", ".join(sorted(set(valid_methods) - {"HEAD", "OPTIONS"}))
            message = f"{request.method} is not allowed here: this URL takes {takes}."
        response, status = error_response(status, _HTTP_CODES.get(status, "error"), message)
        if valid_methods:
            response.headers["Allow"] = ", ".join(valid_methods)
        return response, status

    @app.errorhandler(Exception)
    def handle_unexpected(exc: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        if wants_json():
            return error_response(500, "internal_error", "Something went wrong on our side.")
        return "Internal server error", 500
