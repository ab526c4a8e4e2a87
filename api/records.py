"""The routes every record dataset shares, declared once: list, CSV export, field rules (the
dashboard builds its editor from them), detail, create, edit, review, revert, history, delete
(archive), restore and bulk actions — and, for datasets whose records are replaced whole, PUT.

Every write of a record (edit, replace, review, revert, delete, restore) must carry the version
it was read at — `version` in the body, `?version=` or `If-Match: "<version>"` — or is a 428;
one record answers with its version as the ETag.

Each route validates, calls one method of the dataset's `records.RecordService` (or
`datasets.bulk.run`), shapes the JSON. Reading needs a signed-in user; creating, editing and
restoring the editor role; deleting (archiving) the admin role; a bulk action the role of its
action.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext

from flask import Blueprint, Response, current_app, jsonify, request
from flask_login import current_user

from accounts.access import require_role
from api.export import csv_response
from api.pagination import paginate, sort_clause
from api.serializers import change_json
from api.slots import Slots, app_slots
from api.validation import json_body
from datasets import bulk
from datasets.records import RecordService, version_arg


def add_record_routes(
    bp: Blueprint, path: str, service: RecordService, *, full_crud: bool = False
) -> None:
    """Register `path` (e.g. "/drugs") and `path/<id>/…` on `bp` for `service`."""
    route = _router(bp, path)

    def filtered():
        query = service.list_query(request.args)
        return query.order_by(*sort_clause(service.sortable, service.default_sort))

    def list_records():
        limit = service.count_limit(request.args)
        query = filtered().options(*service.list_options())
        with taking_turns_if_searching():
            return paginate(query, service.list_json, count_limit=limit)

    def export_records():
        export = service.csv_export(filtered(), request.args)
        return csv_response(export.query, export.columns, export.row, export.filename)

    def field_rules():
        purpose = (request.args.get("for") or "edit").strip()
        return jsonify({"success": True, "data": service.field_rules(purpose)})

    def get_record(record_id: int):
        return _one(service, service.get(record_id))

    def update_record(record_id: int):
        body = json_body()
        return _one(service, service.update(record_id, body, _version(body), current_user.id))

    def review_record(record_id: int):
        body = json_body()
        return _one(service, service.review(record_id, body, _version(body), current_user.id))

    def revert_record(record_id: int):
        body = json_body()
        return _one(service, service.revert(record_id, body, _version(body), current_user.id))

    def record_history(record_id: int):
        return paginate(service.history_query(record_id), change_json)

    def create_record():
        return _one(service, service.create(json_body(), current_user.id), 201)

    def delete_record(record_id: int):
        outcome = service.delete(record_id, _version(json_body()), current_user.id)
        return jsonify({"success": True, "data": {"id": record_id, "outcome": outcome}})

    def restore_record(record_id: int):
        version = _version(json_body())
        return _one(service, service.restore(record_id, version, current_user.id))

    def bulk_action():
        return jsonify({"success": True, "data": bulk.run(service, json_body(), current_user)})

    route("", "list", list_records, "GET", None)
    route("/export.csv", "export", export_records, "GET", None)
    route("/fields", "fields", field_rules, "GET", None)
    route("/<int:record_id>", "get", get_record, "GET", None)
    route("/<int:record_id>", "update", update_record, "PATCH", "editor")
    route("/<int:record_id>/review", "review", review_record, "POST", "editor")
    route("/<int:record_id>/revert", "revert", revert_record, "POST", "editor")
    route("/<int:record_id>/history", "history", record_history, "GET", None)
    route("", "create", create_record, "POST", "editor")
    route("/<int:record_id>", "delete", delete_record, "DELETE", "admin")
    route("/<int:record_id>/restore", "restore", restore_record, "POST", "editor")
    route("/bulk", "bulk", bulk_action, "POST", "editor")  # archive checks admin itself
    if full_crud:
        _add_replace_route(route, service)


def _add_replace_route(route: Callable[..., None], service: RecordService) -> None:
    """PUT (every editable field at once), for datasets whose records are replaced whole."""

    def replace_record(record_id: int):
        body = json_body()
        return _one(service, service.replace(record_id, body, _version(body), current_user.id))

    route("/<int:record_id>", "replace", replace_record, "PUT", "editor")


SEARCH_ARGS = ("q", "name", "ndc")  # the costly filters: pattern matches over whole tables


def search_slots() -> Slots:
    settings = current_app.config["SETTINGS"]
    return app_slots("search", "searches", settings.search_concurrency, 3, retry_after=2)


def taking_turns_if_searching() -> AbstractContextManager[None]:
    """A list request with a text search holds one of the search slots (api/slots.py)."""
    if any(request.args.get(name, "").strip() for name in SEARCH_ARGS):
        return search_slots().held(current_user.id)
    return nullcontext()


def _version(body: dict) -> int:
    """The version this write expects: body `version`, `?version=` or If-Match (428 without)."""
    return version_arg(body, request.args, request.headers.get("If-Match"))


def _one(service: RecordService, record, status: int = 200) -> tuple[Response, int]:
    """One record, with its version as the ETag (what If-Match sends back on the next write)."""
    response = jsonify({"success": True, "data": service.detail_json(record)})
    response.headers["ETag"] = f'"{record.version}"'
    return response, status


def _router(bp: Blueprint, path: str) -> Callable[..., None]:
    """route(rule, endpoint, view, method, role): `view` at `path + rule`, named for the
    dataset, needing `role` (or only a signed-in user)."""
    name = path.strip("/").replace("-", "_")

    def route(rule: str, endpoint: str, view: Callable, method: str, role: str | None) -> None:
        view.__name__ = f"{endpoint}_{name}"
        bp.add_url_rule(
            path + rule,
            view.__name__,
            require_role(role)(view) if role else view,
            methods=[method],
        )

    return route
