"""Reading request bodies: always a JSON object, or a 400 that says what was wrong."""

from __future__ import annotations

from typing import Any

from flask import request

from errors import BadRequest, ValidationFailed


def json_body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if body is None:
        if request.get_data(cache=True):
            raise BadRequest("The request body is not valid JSON.")
        return {}
    if not isinstance(body, dict):
        raise BadRequest("The request body must be a JSON object.")
    return body


def int_field(body: dict[str, Any], name: str) -> int:
    value = body.get(name)
    if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).isdigit():
        raise ValidationFailed(f"{name} must be a whole number.", field=name)
    return int(value)
