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
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, Response, current_app, jsonify, request
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from accounts.access import require_role
from api import params, schemas
from api.export import csv_response
from api.openapi import validate
from api.pagination import each, paginate, sort_clause
from api.serializers import change_json
from api.slots import Slots, app_slots
from api.validation import json_body
from datasets import bulk
from datasets.records import RecordService, version_arg
from errors import PreconditionRequired

# A list's statement is kept per distinct query string (page and per_page aside): the lists as
# they open and as people usually filter them. Searches for ever new terms only cycle the oldest.
STATEMENTS_KEPT = 256
PAGE_ARGS = frozenset({"page", "per_page"})


def add_record_routes(
    bp: Blueprint, path: str, service: RecordService, *, full_crud: bool = False
) -> None:
    """Register `path` (e.g. "/drugs") and `path/<id>/…` on `bp` for `service`."""
    route = _router(bp, path)
    models = _Models(service)

    filtered = _Statements(service)

    def list_records():
        limit = service.count_limit(request.args)
        query = filtered(for_list=True)
        with taking_turns_if_searching():
            return paginate(
                query,
                service.list_json,
                count_limit=limit,
                known_total=service.known_total(request.args),
            )

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
        return _one(
            service,
            service.update(record_id, body, _version(service, record_id, body), current_user.id),
        )

    def review_record(record_id: int):
        body = json_body()
        return _one(
            service,
            service.review(record_id, body, _version(service, record_id, body), current_user.id),
        )

    def revert_record(record_id: int):
        body = json_body()
        return _one(
            service,
            service.revert(record_id, body, _version(service, record_id, body), current_user.id),
        )

    def record_history(record_id: int):
        return paginate(service.history_query(record_id), each(change_json))

    def create_record():
        return _one(service, service.create(json_body(), current_user.id), 201)

    def delete_record(record_id: int):
        outcome = service.delete(
            record_id, _version(service, record_id, json_body()), current_user.id
        )
        return jsonify({"success": True, "data": {"id": record_id, "outcome": outcome}})

    def restore_record(record_id: int):
        version = _version(service, record_id, json_body())
        return _one(service, service.restore(record_id, version, current_user.id))

    def bulk_action():
        return jsonify({"success": True, "data": bulk.run(service, json_body(), current_user)})

    route("", "list", list_records, "GET", None, query=models.listed, answer=schemas.Page)
    route("/export.csv", "export", export_records, "GET", None, query=models.exported)
    route("/fields", "fields", field_rules, "GET", None, query=models.fields, answer=schemas.Many)
    route("/<int:record_id>", "get", get_record, "GET", None, answer=schemas.One)
    route("/<int:record_id>", "update", update_record, "PATCH", "editor", **models.edit)
    route("/<int:record_id>/review", "review", review_record, "POST", "editor", **models.review)
    route("/<int:record_id>/revert", "revert", revert_record, "POST", "editor", **models.revert)
    route("/<int:record_id>/history", "history", record_history, "GET", None, **models.paged)
    route("", "create", create_record, "POST", "editor", **models.create)
    route("/<int:record_id>", "delete", delete_record, "DELETE", "admin", **models.delete)
    route("/<int:record_id>/restore", "restore", restore_record, "POST", "editor", **models.restore)
    # archive checks admin itself
    route("/bulk", "bulk", bulk_action, "POST", "editor", json=schemas.BulkBody, answer=schemas.One)
    if full_crud:
        _add_replace_route(route, service, models)


class _Statements:
    """A dataset's list (or export) statement for the request's query string, filtered and
    ordered, built once per process per distinct query string (page and per_page aside) and
    reused: a statement is immutable, and building one cost as much CPU as running a page of
    it through SQLAlchemy's compiled cache (bench/README.md, "Load"). An invalid filter raises
    (a 422) and nothing is kept."""

    def __init__(self, service: RecordService) -> None:
        self.service = service
        self._kept = lru_cache(maxsize=STATEMENTS_KEPT)(self._build)

    def __call__(self, for_list: bool = False) -> sa.Select:
        criteria = tuple(
            (key, value) for key, value in request.args.items(multi=True) if key not in PAGE_ARGS
        )
        return self._kept(criteria, for_list)

    def _build(self, criteria: tuple[tuple[str, str], ...], for_list: bool) -> sa.Select:
        # built inside the first request with these arguments: its sort is request.args'
        service = self.service
        query = service.list_query(MultiDict(criteria))
        query = query.order_by(*sort_clause(service.sortable, service.default_sort))
        return query.options(*service.list_options()) if for_list else query


def _add_replace_route(route: Callable[..., None], service: RecordService, models: _Models) -> None:
    """PUT (every editable field at once), for datasets whose records are replaced whole."""

    def replace_record(record_id: int):
        body = json_body()
        return _one(
            service,
            service.replace(record_id, body, _version(service, record_id, body), current_user.id),
        )

    route("/<int:record_id>", "replace", replace_record, "PUT", "editor", **models.edit)


SEARCH_ARGS = ("q", "name", "ndc")  # the costly filters: pattern matches over whole tables


def search_slots() -> Slots:
    settings = current_app.config["SETTINGS"]
    return app_slots("search", "searches", settings.search_concurrency, 3, retry_after=2)


def taking_turns_if_searching() -> AbstractContextManager[None]:
    """A list request with a text search holds one of the search slots (api/slots.py)."""
    if any(request.args.get(name, "").strip() for name in SEARCH_ARGS):
        return search_slots().held(current_user.id)
    return nullcontext()


def _version(service: RecordService, record_id: int, body: dict) -> int:
    """The version this write expects: body `version`, `?version=` or If-Match (428 without;
    but a record that does not exist is a 404 first: there is no version to send)."""
    try:
        return version_arg(body, request.args, request.headers.get("If-Match"))
    except PreconditionRequired:
        service.get(record_id)
        raise


class _Models:
    """A dataset's query and body models (api/params.py, api/schemas.py), per route."""

    def __init__(self, service: RecordService) -> None:
        dataset, sortable = service.model.dataset, tuple(service.sortable)
        self.listed = params.record_list_query(dataset, sortable)
        self.exported = params.record_export_query(dataset, sortable)
        self.fields = params.fields_query(dataset)
        one, version = schemas.One, params.VersionQuery
        edit_body = schemas.record_body(service, "edit", with_version=True)
        self.edit: dict[str, Any] = {"json": edit_body, "query": version, "answer": one}
        self.review: dict[str, Any] = {"json": schemas.ReviewBody, "query": version, "answer": one}
        self.revert: dict[str, Any] = {"json": schemas.RevertBody, "query": version, "answer": one}
        self.restore: dict[str, Any] = {
            "json": schemas.VersionBody,
            "query": version,
            "answer": one,
        }
        self.delete: dict[str, Any] = {
            "json": schemas.VersionBody,
            "query": version,
            "answer": schemas.Answer,
        }
        self.paged: dict[str, Any] = {"query": params.Paged, "answer": schemas.Page}
        create_body = schemas.record_body(service, "create", with_version=False)
        self.create: dict[str, Any] = {"json": create_body, "answer": one, "status": 201}


def _one(service: RecordService, record, status: int = 200) -> tuple[Response, int]:
    """One record, with its version as the ETag (what If-Match sends back on the next write)."""
    response = jsonify({"success": True, "data": service.detail_json(record)})
    response.headers["ETag"] = f'"{record.version}"'
    return response, status


def _router(bp: Blueprint, path: str) -> Callable[..., None]:
    """route(rule, endpoint, view, method, role, **models): `view` at `path + rule`, named for
    the dataset, needing `role` (or only a signed-in user), its input validated and documented
    by `models` (api/openapi.validate: query, json, answer, status)."""
    name = path.strip("/").replace("-", "_")

    def route(
        rule: str, endpoint: str, view: Callable, method: str, role: str | None, **models: Any
    ) -> None:
        view.__name__ = f"{endpoint}_{name}"
        view.__doc__ = _SUMMARIES[endpoint].format(noun=name.replace("_", " "))
        checked = validate(tags=(path.strip("/"),), **models)(view)
        bp.add_url_rule(
            path + rule,
            view.__name__,
            require_role(role)(checked) if role else checked,
            methods=[method],
        )

    return route


_SUMMARIES = {
    "list": "List {noun}: filters, sort, paging.",
    "export": "Export {noun} as CSV (the list's filters and sort).",
    "fields": "The field rules of {noun} (for=edit or create).",
    "get": "One of the {noun}, with its version as the ETag.",
    "update": "Edit some fields of one of the {noun} (editor; version required).",
    "replace": "Replace every editable field of one of the {noun} (editor; version required).",
    "review": "Resolve a needs-review field: keep the person's value or take the source's.",
    "revert": "Undo one history entry of one of the {noun} (editor; version required).",
    "history": "The change history of one of the {noun}.",
    "create": "Add one of the {noun} by hand (editor).",
    "delete": "Archive one of the {noun} (admin; version required).",
    "restore": "Restore an archived one of the {noun} (editor; version required).",
    "bulk": "One action on many {noun}: update, review, archive or restore.",
}
