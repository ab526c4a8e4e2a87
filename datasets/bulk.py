"""Bulk actions on a selection of one dataset's records, all or nothing.

`POST /api/<dataset>/bulk` with `{"action", "items": [{"id", "version"}, …]}` (each item's
`version` required, as for one record's write) or
`{"action", "filter": {…the list's filters…}}` (plus `"values"` for `update`). Every selected
row is locked and checked first; one refused row (unknown id, stale version, a value its rules
refuse) refuses the whole request, listing each refused row, and nothing is written. Otherwise
every row goes through the same merge rules as one person's edit, review, archive or restore,
with its history naming the user, in one transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

import sqlalchemy as sa

import merge
from database import db
from datasets.listing import BOOKKEEPING_FILTERS, MAX_ID
from datasets.records import RecordService
from errors import (
    AppError,
    Conflict,
    Forbidden,
    PreconditionRequired,
    TooLarge,
    ValidationFailed,
)
from models import User

MAX_ROWS = 1000  # rows per request, listed or matched by a filter
# Each action and the role it needs.
ACTIONS = {
    "update": "editor",
    "keep_mine": "editor",
    "take_source": "editor",
    "archive": "admin",
    "restore": "editor",
}
PAGING_KEYS = ("sort", "page", "per_page")  # a list's query may carry them; a selection ignores
_BODY_KEYS = ("action", "items", "filter", "values")


@dataclass
class Refusal:
    """Why one selected row refuses the request."""

    id: int | None
    code: str  # stale_version | version_required | not_found | invalid
    message: str
    field: str | None = None


@dataclass
class Request:
    action: str
    ids: list[int]
    versions: dict[int, int]  # the versions the items carried (filtered rows carry none)
    values: dict[str, Any]


def run(service: RecordService, body: Mapping[str, Any], user: User) -> dict[str, Any]:
    """Apply `body`'s action to its selection for `user`; answer what it did."""
    request = parse(service, body, user)
    records = _locked(service, request.ids)
    refused = _unavailable(service, request, records)
    if refused:
        _refuse(refused)
    actor = merge.Actor.user(user.id)
    outcomes: dict[int, str] = {}
    history: list[dict[str, Any]] = []
    for record_id in request.ids:
        record = records[record_id]
        try:
            outcomes[record_id] = _apply(service, request, record, actor, history)
        except AppError as exc:  # a rule across fields of this row (dates in order, say)
            field = exc.details.get("field")
            refused.append(Refusal(record_id, "invalid", exc.message, field))
    if refused:
        _refuse(refused)
    merge.write_history(history)
    db.session.commit()
    unchanged = sum(outcome == merge.UNCHANGED for outcome in outcomes.values())
    return {
        "action": request.action,
        "matched": len(request.ids),
        "changed": len(request.ids) - unchanged,
        "unchanged": unchanged,
        "ids": request.ids,
        "outcomes": [{"id": i, "outcome": outcomes[i]} for i in request.ids],
    }


# -- reading the request ---------------------------------------------------------------------


def parse(service: RecordService, body: Mapping[str, Any], user: User) -> Request:
    unknown = [key for key in body if key not in _BODY_KEYS]
    if unknown:
        raise ValidationFailed(
            f"{unknown[0]!r} is not part of a bulk request (action, items, filter, values).",
            field=unknown[0],
        )
    action = body.get("action")
    if not isinstance(action, str) or action not in ACTIONS:
        raise ValidationFailed(
            f"action must be one of {', '.join(ACTIONS)}, got {str(action)[:40]!r}.",
            field="action",
        )
    if not user.has_role(ACTIONS[action]):
        raise Forbidden(f"The {action} action needs the {ACTIONS[action]} role.")
    values = _values(service, action, body.get("values"))
    if "items" in body and "filter" in body:
        raise ValidationFailed("Give either items or filter, not both.", field="filter")
    if "items" in body:
        ids, versions = _items(body["items"])
    elif "filter" in body:
        ids, versions = _filtered(service, action, body["filter"]), {}
    else:
        raise ValidationFailed("Nothing selected: give items or a filter.", field="items")
    return Request(action, ids, versions, values)


def _values(service: RecordService, action: str, raw: Any) -> dict[str, Any]:
    """`update`'s values, typed by the dataset's field rules (422 naming a field)."""
    if action != "update":
        if raw is not None:
            raise ValidationFailed("values only go with the update action.", field="values")
        return {}
    if not isinstance(raw, dict) or not raw:
        raise ValidationFailed(
            'values must be an object of the fields to set, e.g. {"status": "Approved"}.',
            field="values",
        )
    for name in raw:
        if name not in service.fields:
            raise ValidationFailed(
                f"{name!r} cannot be edited; choose from {', '.join(service.fields)}.",
                field=name,
            )
        if name in service.not_in_bulk:
            raise ValidationFailed(
                f"{name!r} cannot be set on several records at once (each holds its own).",
                field=name,
            )
    return service.validate(raw, tuple(service.fields))


def _items(raw: Any) -> tuple[list[int], dict[int, int]]:
    if not isinstance(raw, list):
        raise ValidationFailed('items must be a list of {"id", "version"}.', field="items")
    if not raw:
        raise ValidationFailed("Nothing selected: items is empty.", field="items")
    _check_size(len(raw), "items")
    ids: list[int] = []
    versions: dict[int, int] = {}
    refused = []
    seen: set[int] = set()
    for item in raw:
        record_id = item.get("id") if isinstance(item, dict) else None
        if not isinstance(record_id, int) or not _whole(record_id, minimum=1):
            refused.append(Refusal(None, "invalid", "Each item needs an id (a record id).", "id"))
            continue
        if record_id in seen:
            refused.append(Refusal(record_id, "invalid", "This record is listed twice.", "id"))
            continue
        version = item.get("version")
        if version is None:
            message = "version is required: the version the record was selected at."
            refused.append(Refusal(record_id, "version_required", message, "version"))
            continue
        if not _whole(version, minimum=0):
            refused.append(
                Refusal(record_id, "invalid", "version must be a whole number.", "version")
            )
            continue
        ids.append(record_id)
        seen.add(record_id)
        versions[record_id] = version
    if refused:
        _refuse(refused)
    return sorted(ids), versions


def _filtered(service: RecordService, action: str, raw: Any) -> list[int]:
    """The ids of the records the list would show under these filters (archived ones only
    when the filter asks; `restore` looks at archived records unless it says otherwise)."""
    if not isinstance(raw, dict):
        raise ValidationFailed("filter must be an object of the list's filters.", field="filter")
    allowed = (*service.filters, *BOOKKEEPING_FILTERS)
    args: dict[str, str] = {}
    for name, value in raw.items():
        if name in PAGING_KEYS:
            continue
        if name not in allowed:
            raise ValidationFailed(
                f"{name!r} is not a filter of this list; choose from {', '.join(allowed)}.",
                field=name,
            )
        if isinstance(value, bool):
            value = "true" if value else "false"
        if value is not None and not isinstance(value, str | int):
            raise ValidationFailed(f"The {name} filter must be text or a number.", field=name)
        if value is not None:
            args[name] = str(value)
    if action == "restore":
        args.setdefault("archived", "true")
    model = service.model
    query = service.list_query(args).with_only_columns(model.id).order_by(model.id)
    ids = list(db.session.scalars(query.limit(MAX_ROWS + 1)))
    if not ids:
        raise ValidationFailed("Nothing selected: the filter matches no record.", field="filter")
    _check_size(len(ids), "filter", more=len(ids) > MAX_ROWS)
    return ids


def _check_size(count: int, field: str, *, more: bool = False) -> None:
    if count > MAX_ROWS:
        selected = f"more than {MAX_ROWS:,}" if more else f"{count:,}"
        raise TooLarge(
            f"At most {MAX_ROWS:,} records per bulk request; this one selects {selected}. "
            "Narrow the filter or send the selection in parts.",
            field=field,
            limit=MAX_ROWS,
        )


def _whole(value: Any, *, minimum: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and minimum <= value <= MAX_ID


# -- applying it -----------------------------------------------------------------------------


def _locked(service: RecordService, ids: list[int]) -> dict[int, Any]:
    """The selected records, locked in id order (two bulk requests never wait on each other in
    a circle), read afresh."""
    model = service.model
    query = (
        sa.select(model)
        .where(model.id.in_(ids))
        .order_by(model.id)
        .with_for_update(of=model)
        .execution_options(populate_existing=True)
    )
    return {record.id: record for record in db.session.scalars(query)}


def _unavailable(
    service: RecordService, request: Request, records: Mapping[int, Any]
) -> list[Refusal]:
    refused = []
    for record_id in request.ids:
        record = records.get(record_id)
        if record is None:
            refused.append(
                Refusal(record_id, "not_found", f"No {service.noun} with id {record_id}.")
            )
        elif record_id in request.versions and request.versions[record_id] != record.version:
            refused.append(
                Refusal(
                    record_id,
                    "stale_version",
                    f"Changed since you selected it: version {record.version} now, "
                    f"you had {request.versions[record_id]}.",
                    "version",
                )
            )
    return refused


def _apply(
    service: RecordService,
    request: Request,
    record: Any,
    actor: merge.Actor,
    history: list[dict[str, Any]],
) -> str:
    """One row's part of the action, by the rules one person's action follows; answers its
    outcome and adds its history rows to `history` (written once for every row)."""
    action = request.action
    if action == "update":
        service.check(record, request.values)
        changed = merge.apply_manual_edit(
            record, request.values, actor, expected_version=None, history_out=history
        )
        return "updated" if changed else merge.UNCHANGED
    if action in ("keep_mine", "take_source"):
        waiting = merge.fields_needing_review(record)
        decision = "keep" if action == "keep_mine" else "source"
        for name in waiting:
            merge.resolve_review(record, name, decision, actor, history)
        if not waiting:
            return merge.UNCHANGED
        return "kept" if action == "keep_mine" else "taken"
    if action == "archive":
        outcome, event = merge.delete_or_archive(record, actor, lambda: service.to_json(record))
    else:
        outcome, event = merge.restore(record, actor)
    if event:
        history.append(event)
    return outcome


def _refuse(refused: list[Refusal]) -> None:
    """Nothing is written: a stale version is a 409 (reload and try again), a missing one 428,
    anything else 422."""
    db.session.rollback()
    items = [asdict(refusal) for refusal in sorted(refused, key=lambda r: r.id or 0)]
    count = len({r.id for r in refused}) if all(r.id for r in refused) else len(refused)
    message = f"{count} selected record{'s' if count != 1 else ''} refused; nothing was changed."
    if any(refusal.code == "stale_version" for refusal in refused):
        raise Conflict(message, items=items)
    if all(refusal.code == "version_required" for refusal in refused):
        raise PreconditionRequired(message, field="version", items=items)
    raise ValidationFailed(message, items=items)
