"""Errors the rules raise, and the one JSON error shape every /api failure is answered with."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify, request


class AppError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, field: str | None = None, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = {"field": field, **details} if field else dict(details)


class BadRequest(AppError):
    status, code = 400, "bad_request"


class Forbidden(AppError):
    status, code = 403, "forbidden"


class NotFound(AppError):
    status, code = 404, "not_found"


class Conflict(AppError):
    status, code = 409, "conflict"


class PreconditionRequired(AppError):
    """428: a write of a record without the version it was read at (`version` or If-Match)."""

    status, code = 428, "version_required"


class UnsupportedMediaType(AppError):
    status, code = 415, "unsupported_media_type"


class TooManyRequests(AppError):
    """429, with the seconds to wait in Retry-After."""

    status, code = 429, "rate_limited"

    def __init__(self, message: str, *, retry_after: int, **details: Any) -> None:
        super().__init__(message, retry_after=retry_after, **details)
        self.retry_after = retry_after


class ValidationFailed(AppError):
    status, code = 422, "validation_error"


class TooLarge(AppError):
    status, code = 413, "payload_too_large"


def error_response(
    status: int, code: str, message: str, details: dict[str, Any] | None = None
) -> tuple[Response, int]:
    body = {"success": False, "error": {"code": code, "message": message, "details": details or {}}}
    return jsonify(body), status


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/api"
