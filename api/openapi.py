"""The OpenAPI 3 document, made from the code by spectree: the routes come from the app's url_map,
each view's query and body models from its `@spec.validate(...)` (api/params.py,
api/schemas.py), its summary from its docstring. The same models validate each request before
the view runs (`MedSyncPlugin.validate`): a bad query parameter or body field is a 422 in the one
error shape, naming it; a body that is not JSON is a 400 or 415 (api/validation.json_body).

What spectree does not know is added here once for every operation: the error answers (each in
the one error shape), the two ways to sign in (bearer token; session cookie plus the CSRF header
on writes), tags, and the non-JSON answers (CSV exports, the text log, the docs page)."""

from __future__ import annotations

import copy
from typing import Any

from flask import Flask, current_app, render_template, request
from pydantic import BaseModel, ValidationError
from pydantic.json_schema import models_json_schema
from spectree import Response, SpecTree
from spectree.plugins.base import Context
from spectree.plugins.flask_plugin import FlaskPlugin

from analytics import registry
from api import bp
from api.answers import ANSWERS
from api.links import link
from api.schemas import Answer, Error
from api.validation import json_body
from errors import ValidationFailed

CSRF_HEADER = "X-CSRFToken"  # what flask-wtf reads; static/js/api.js sends it on writes
SESSION_COOKIE = "session"
PUBLIC_API_PATHS: frozenset[str] = frozenset()  # every /api route needs a token or a session


class MedSyncPlugin(FlaskPlugin):
    """spectree's Flask plugin, with our request reading and error shape. Answers are not
    re-validated at run time (a CSV export streams; schemathesis checks them in the tests)."""

    def register_route(self, app: Any) -> None:
        """The document and docs page are our own routes (behind login, no inline script)."""

    def find_routes(self):
        for rule in super().find_routes():
            if rule.rule.startswith("/api/"):
                yield rule

    def get_func_operation_id(self, func: Any, path: str, method: str) -> str:
        return func.__name__

    def validate(
        self,
        func: Any,
        query: type[BaseModel] | None,
        json: type[BaseModel] | None,
        form: Any,
        headers: Any,
        cookies: Any,
        resp: Any,
        before: Any,
        after: Any,
        validation_error_status: int,
        skip_validation: bool,
        force_resp_serialize: bool,
        *args: Any,
        **kwargs: Any,
    ) -> Any:
        request.context = Context(  # type: ignore[attr-defined]
            _validated(query, request.args.to_dict()) if query else None,
            _body(json),
            None,
            None,
            None,
        )
        return func(*args, **kwargs)


def _body(model: type[BaseModel] | None) -> BaseModel | None:
    """The JSON body, validated by `model` unless the service checks it (checked_by_service)."""
    if model is None:
        return None
    body = json_body()  # 400 for malformed JSON, 415 for a body not declared as JSON
    return None if getattr(model, "checked_by_service", False) else _validated(model, body)


def _validated(model: type[BaseModel], values: dict[str, Any]) -> BaseModel:
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        raise _refusal(exc) from None


def _refusal(exc: ValidationError) -> ValidationFailed:
    """A 422 naming the first parameter or field at fault; `details.errors` lists every one."""
    errors = []
    allowed = None
    for error in exc.errors(include_url=False):
        field = ".".join(str(part) for part in error["loc"]) or "body"
        errors.append({"field": field, "message": error["msg"]})
        allowed = allowed or (error.get("ctx") or {}).get("allowed")
    first = errors[0]
    extra = {"allowed": allowed} if allowed else {}
    return ValidationFailed(
        f"{first['field']} {first['message']}.".replace("..", "."),
        field=first["field"],
        errors=errors,
        **extra,
    )


spec = SpecTree(
    "flask",
    backend=MedSyncPlugin,
    title="MedSync API",
    version="1",
    description=(
        "Everything the dashboard does, for scripts. Send `Authorization: Bearer <token>` "
        "(an admin makes tokens: POST /api/tokens), or use the dashboard's session cookie "
        f"with the `{CSRF_HEADER}` header on writes. Every failure is "
        '`{"success": false, "error": {"code", "message", "details"}}`; writes of a record '
        "name the version they read (body `version`, `?version=` or `If-Match`)."
    ),
    validation_error_model=Error,
    annotations=False,
)


def valid_query() -> Any:
    """The request's query parameters as its route's model validated them."""
    return request.context.query  # type: ignore[attr-defined]


def valid_body() -> Any:
    """The request's JSON body as its route's model validated it."""
    return request.context.json  # type: ignore[attr-defined]


def validate(
    query: type[BaseModel] | None = None,
    json: type[BaseModel] | None = None,
    answer: type[BaseModel] | None = None,
    status: int = 200,
    tags: tuple[str, ...] = (),
) -> Any:
    """`@validate(query=…, json=…, answer=…)`: the view's models, validated and documented."""
    resp = Response(**{f"HTTP_{status}": answer}) if answer else None
    return spec.validate(query=query, json=json, resp=resp, tags=tags)


# -- the document --------------------------------------------------------------------------------

ERRORS: dict[int, str] = {
    400: "Malformed: the body is not valid JSON, the CSRF token is missing, or text holds NUL.",
    401: "Not signed in: send a valid bearer token or session cookie.",
    403: "Signed in, but the role is too low (viewer < editor < admin).",
    404: "No such record, run, schedule or analysis.",
    405: "The path exists but not with this method (Allow lists those it takes).",
    409: "A duplicate, a stale version (details.current holds the record now), or a job of "
    "this kind already running (details.job_id).",
    413: "The body is larger than 2 MB.",
    415: "The body is not declared as JSON (Content-Type: application/json).",
    422: "A parameter or field is invalid: details.field names it, details.errors lists all.",
    428: "A write of a record without the version it read (body version, ?version=, If-Match).",
    429: "Too many at once (exports, searches): wait Retry-After seconds.",
    500: "Our fault; the answer never shows internals.",
    503: "The database took too long (the request's statement timeout): narrow the search.",
}
ALWAYS = (400, 401, 422, 429, 500, 503)
NAMES_OTHERS = ("compare_runs", "create_token")  # 404: a run or user named in the query or body
RECORD_WRITES = ("update", "replace", "review", "revert", "delete", "restore")
NOT_JSON = {
    "export": ("text/csv", "The list as CSV, same filters and sort."),
    "audit_log": ("text/csv", "format=csv: the log as CSV."),
    "run_log_lines": ("text/plain", "format=text: the lines as a download."),
    "api_docs": ("text/html", "The API reference (Swagger UI)."),
}


def document(app: Flask) -> dict[str, Any]:
    """The whole OpenAPI document for `app` (made once per app, then served from memory)."""
    cached = app.extensions.get("medsync_openapi")
    if cached is None:
        cached = app.extensions.setdefault("medsync_openapi", _complete(spec._generate_spec()))
    return cached


def _complete(generated: dict[str, Any]) -> dict[str, Any]:
    doc = copy.deepcopy(generated)
    doc["openapi"] = "3.1.0"
    schemas = doc["components"]["schemas"]
    schemas["Error"] = Error.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(schemas["Error"].pop("$defs", {}))
    schemas["Answer"] = Answer.model_json_schema()
    error = {"$ref": "#/components/schemas/Error"}
    doc["components"]["responses"] = {
        str(status): {
            "description": text,
            "content": {"application/json": {"schema": error}},
            **(
                {"headers": {"Retry-After": {"schema": {"type": "integer"}}}}
                if status in (429, 503)
                else {}
            ),
        }
        for status, text in ERRORS.items()
    }
    doc["components"]["securitySchemes"] = {
        "bearer": {
            "type": "http",
            "scheme": "bearer",
            "description": "An API token (POST /api/tokens, or `flask tokens create`).",
        },
        "session": {
            "type": "apiKey",
            "in": "cookie",
            "name": SESSION_COOKIE,
            "description": "The dashboard's sign-in cookie (POST /login).",
        },
        "csrf": {
            "type": "apiKey",
            "in": "header",
            "name": CSRF_HEADER,
            "description": "With the session cookie, on every write: the page's csrf_token.",
        },
    }
    doc["security"] = [{"bearer": []}, {"session": []}]
    answers = _answer_schemas(schemas)
    for path, operations in doc["paths"].items():
        for method, operation in operations.items():
            _complete_operation(path, method, operation)
            _body_optional_unless_it_requires(operation, schemas)
            _name_the_answer_fields(operation, answers)
            link(operation)
    return doc


def _answer_schemas(schemas: dict[str, Any]) -> dict[str, dict[str, str]]:
    """Every answer model of api/answers.ANSWERS into components.schemas: {operationId: $ref}."""
    models = list(dict.fromkeys(ANSWERS.values()))
    refs, defs = models_json_schema(
        [(model, "validation") for model in models],
        ref_template="#/components/schemas/{model}",
    )
    schemas.update(defs.get("$defs", {}))
    by_model = {model: refs[(model, "validation")] for model in models}
    return {operation: by_model[model] for operation, model in ANSWERS.items()}


def _name_the_answer_fields(operation: dict[str, Any], answers: dict[str, Any]) -> None:
    """The success answer's schema, field by field (the views declare only One, Page, …)."""
    ref = answers.get(operation["operationId"])
    if ref is None:
        return
    for code, response in operation["responses"].items():
        content = response.get("content", {})
        if code.startswith("2") and "application/json" in content:
            content["application/json"]["schema"] = dict(ref)


def _body_optional_unless_it_requires(operation: dict[str, Any], schemas: dict[str, Any]) -> None:
    """A body none of whose fields is required may be left out (json_body reads none as {}):
    a DELETE with If-Match, a PATCH of a user that changes nothing."""
    content = operation.get("requestBody", {}).get("content", {}).get("application/json")
    if content is None:
        return
    name = content["schema"].get("$ref", "").rsplit("/", 1)[-1]
    if not schemas.get(name, {}).get("required"):
        operation["requestBody"]["required"] = False


def _complete_operation(path: str, method: str, operation: dict[str, Any]) -> None:
    name = operation["operationId"]
    operation["tags"] = operation.get("tags") or [path.split("/")[2]]
    if method in ("get", "head"):
        operation["security"] = [{"bearer": []}, {"session": []}]
    else:
        operation["security"] = [{"bearer": []}, {"session": [], "csrf": []}]
    responses = operation.setdefault("responses", {})
    success = next((code for code in responses if code.startswith("2")), None)
    if success is None:
        success = "200"
        responses[success] = {
            "description": "Success",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Answer"}}},
        }
    kind = next((key for key in NOT_JSON if name.startswith(key)), None)
    if kind:
        mimetype, text = NOT_JSON[kind]
        content = responses[success].setdefault("content", {})
        content[mimetype] = {"schema": {"type": "string"}}
        responses[success]["description"] = text
        if kind == "api_docs":
            content.pop("application/json", None)
    codes = set(ALWAYS)
    if method != "get":
        codes |= {403, 409, 413, 415}
    else:
        codes |= {403}
    if "{" in path or name in NAMES_OTHERS or name.startswith("bulk_"):
        codes.add(404)
    if name.split("_")[0] in RECORD_WRITES:
        codes |= {409, 428}
    for code in sorted(codes):
        responses.setdefault(str(code), {"$ref": f"#/components/responses/{code}"})
        if "$ref" not in responses[str(code)]:  # spectree's own 422 entry: our shape
            responses[str(code)] = {"$ref": f"#/components/responses/{code}"}
    for parameter in operation.get("parameters", []):
        if parameter.get("in") == "path" and not parameter.get("description"):
            parameter["description"] = f"The {parameter['name'].replace('_', ' ')}."
        if parameter.get("in") == "path" and parameter["name"] == "analysis":
            parameter["schema"] = {"type": "string", "enum": sorted(registry.ANALYZERS)}


# -- the routes ----------------------------------------------------------------------------------


@bp.get("/openapi.json")
@validate(tags=("docs",))
def openapi_json():
    """This document: OpenAPI 3.1, made from the code."""
    return current_app.json.response(document(current_app._get_current_object()))


@bp.get("/docs")
@validate(tags=("docs",))
def api_docs():
    """The API reference: Swagger UI over /api/openapi.json."""
    return render_template("api_docs.html")
