"""Reading request input: JSON objects and text PostgreSQL can store. (Query parameters and
body fields are validated by their route's models: api/openapi.py.)"""

from __future__ import annotations

import json
from typing import Any

from flask import request

from errors import BadRequest, UnsupportedMediaType, ValidationFailed

NUL_MESSAGE = "Text may not contain NUL characters."


def json_body() -> dict[str, Any]:
    """The request's JSON object, or a 400 saying what is wrong with it; a body that is not
    declared as JSON (a form, say) is a 415 rather than read as nothing."""
    raw = request.get_data(cache=True, as_text=True)
    # A form body is parsed (and its stream emptied) before the view runs: ask for it too.
    if not request.is_json and (raw.strip() or request.form or request.files):
        raise UnsupportedMediaType(
            "The request body must be JSON, sent with Content-Type: application/json "
            f"(got {(request.mimetype or 'none')[:60]!r})."
        )
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except RecursionError:
        raise BadRequest("The request body is nested too deeply.") from None
    except ValueError:
        raise BadRequest("The request body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise BadRequest("The request body must be a JSON object.")
    if _holds_nul(body):  # parsed: the six characters "\u0000" as text are fine
        raise BadRequest(NUL_MESSAGE)
    return body


def _holds_nul(body: Any) -> bool:
    """Whether any key or string in `body` holds NUL (walked without recursion: a body may be
    nested as deeply as the JSON parser allows)."""
    pending = [body]
    while pending:
        value = pending.pop()
        if isinstance(value, str):
            if "\x00" in value:
                return True
        elif isinstance(value, dict):
            pending.extend(value.keys())
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)
    return False


MAX_QUERY_TEXT = 200  # characters in one query parameter's value
LONG_QUERY_TEXT = {"ids": 12_000}  # a selection of up to 1,000 record ids, comma-separated


def check_query_text() -> None:
    """Before every request: PostgreSQL cannot store NUL, so refuse it up front (400); and no
    query parameter is longer than MAX_QUERY_TEXT (422 naming it): a 60,000-character search
    would keep the database busy for seconds. A request for no route (404) or a method the
    route does not take (405) gets that answer instead."""
    if request.routing_exception is not None:
        return
    sources = [request.args]
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        sources.append(request.form)
    for values in sources:
        for key, value in values.items(multi=True):
            if "\x00" in key or "\x00" in value:
                raise BadRequest(NUL_MESSAGE, field=key.replace("\x00", ""))
    for key, value in request.args.items(multi=True):
        limit = LONG_QUERY_TEXT.get(key, MAX_QUERY_TEXT)
        if len(value) > limit or len(key) > MAX_QUERY_TEXT:
            raise ValidationFailed(
                f"{key[:40]} may be at most {limit:,} characters long (got {len(value):,}).",
                field=key[:MAX_QUERY_TEXT],
            )
