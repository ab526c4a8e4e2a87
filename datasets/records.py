"""What every dataset people can browse and correct has in common, declared once.

A dataset module (authorizations, drugs, drug classes) describes its fields and filters in a
`RecordService` subclass; this module supplies lookup-or-404 (with a row lock for writes),
validation that names the field, edits carrying `version` (stale → 409 with the current record),
create, replace, delete, review, revert and history — all through the merge rules of `merge/`,
so a person's value is protected from later syncs the same way everywhere.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.sql.base import ExecutableOption

import merge
from database import db
from datasets.field_rules import Field, label_for, sized_by_column
from datasets.listing import BOOKKEEPING_CSV_COLUMNS, MAX_ID, CsvExport, choice_arg
from errors import Conflict, NotFound, PreconditionRequired, ValidationFailed
from models import RecordChange, TrackedRecord, kept_count, origin_of


def bookkeeping_json(record: TrackedRecord, values: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON every tracked record carries: version, origin (manual: no source has sent it
    yet), edit and review state, archive state, timestamps. `values`: the record's
    `column_values()`, which its dataset's JSON has read already."""
    source_values = values["source_values"]
    return {
        "version": values["version"],
        "origin": origin_of(source_values),
        "archived": values["archived_at"] is not None,
        "archived_at": merge.json_value(values["archived_at"]),
        "archived_by": values["archived_by"],
        "is_manually_edited": values["is_manually_edited"],
        "edited_fields": sorted(values["manual_fields"] or ()),
        "needs_review": values["needs_review"],
        "review": [
            {
                "field": name,
                "yours": merge.json_value(values[name]),
                "source": source_values.get(name),
            }
            for name in (merge.fields_needing_review(record) if values["needs_review"] else ())
        ],
        "missing_from_source": values["missing_from_source"],
        "last_seen_run_id": values["last_seen_run_id"],
        "created_at": merge.json_value(values["created_at"]),
        "updated_at": merge.json_value(values["updated_at"]),
    }


# Query arguments that choose a page or its order, not which records are listed.
UNFILTERING_ARGS = frozenset({"page", "per_page", "sort"})

VERSION_REQUIRED = (
    'version is required: send the version you read the record at, as "version" in the '
    'body, ?version= or an If-Match: "<version>" header (the record\'s ETag).'
)


def version_arg(
    body: Mapping[str, Any], args: Mapping[str, str], if_match: str | None = None
) -> int:
    """The version a write of a record expects: one mechanism, spelt `version` in the JSON body,
    `?version=` (a DELETE often has no body) or `If-Match: "<version>"` (the ETag a read gave).
    Missing is a 428, not a whole number a 422, two spellings that disagree a 422."""
    given: list[int] = []
    if body.get("version") is not None:
        version = body["version"]
        if isinstance(version, bool) or not isinstance(version, int) or version < 0:
            raise ValidationFailed("version must be a whole number.", field="version")
        given.append(version)
    raw = (args.get("version") or "").strip()
    if raw:
        given.append(_version_text(raw, "version"))
    tag = (if_match or "").strip()
    if tag:
        given.append(_version_text(tag.removeprefix("W/").strip('"'), "If-Match"))
    if not given:
        raise PreconditionRequired(VERSION_REQUIRED, field="version")
    if len(set(given)) > 1:
        raise ValidationFailed(
            f"The versions sent disagree ({', '.join(map(str, given))}); send one.",
            field="version",
        )
    return given[0]


def _version_text(raw: str, name: str) -> int:
    if not (raw.isascii() and raw.isdigit()) or int(raw) > MAX_ID:
        message = f"{name} must be a record's version (a whole number), got {raw[:40]!r}."
        raise ValidationFailed(message, field="version")
    return int(raw)


FIELD_PURPOSES = ("edit", "create")  # GET <dataset>/fields?for=…


# -- the service ----------------------------------------------------------------------------------


class RecordService:
    """Operations on one tracked dataset. Subclasses declare the fields and the list query."""

    model: ClassVar[type[TrackedRecord]]
    noun: ClassVar[str]  # "drug", for messages
    fields: ClassVar[dict[str, Field]]  # what a person may set (PATCH, PUT, POST)
    create_only: ClassVar[dict[str, Field]] = {}  # set once, when a person creates a record
    unique: ClassVar[tuple[str, ...]] = ()  # natural keys: a duplicate is a 409 naming it
    # Fields a new record must have though an edit may empty them (an authorization's number:
    # the natural key a later sync joins it by).
    required_on_create: ClassVar[tuple[str, ...]] = ()
    # The list's own query filters (besides BOOKKEEPING_FILTERS): what a bulk filter may name.
    filters: ClassVar[tuple[str, ...]] = ()
    # Fields a bulk update may not set (a value only one record may hold).
    not_in_bulk: ClassVar[tuple[str, ...]] = ()
    sortable: ClassVar[dict[str, Any]]
    default_sort: ClassVar[str]
    csv_columns: ClassVar[tuple[str, ...]]
    csv_filename: ClassVar[str]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "model" in cls.__dict__:
            for attribute in ("fields", "create_only"):
                declared = getattr(cls, attribute)
                sized = {name: sized_by_column(cls.model, name, f) for name, f in declared.items()}
                setattr(cls, attribute, sized)

    def field_rules(self, purpose: str = "edit") -> list[dict[str, Any]]:
        """The fields' rules, in form order, as the dashboard builds its forms from them: name,
        label, type (text, choice, date, number), required, max_length, choices, and `bulk`
        (whether a bulk update may set it). `purpose` "edit": what a person may change;
        "create": what a new record takes — first what is set only then (a drug's set id), and
        `required` also where a new record must have a value (an authorization's number)."""
        if purpose not in FIELD_PURPOSES:
            raise ValidationFailed(f"for must be one of {', '.join(FIELD_PURPOSES)}.", field="for")
        declared = {**self.create_only, **self.fields} if purpose == "create" else self.fields
        needed = self.required_on_create if purpose == "create" else ()
        return [
            {
                "name": name,
                "label": field.label or label_for(name),
                **field.rules(),
                **({"required": True} if name in needed else {}),
                "bulk": name in self.fields and name not in self.not_in_bulk,
            }
            for name, field in declared.items()
        ]

    # -- what a dataset supplies --

    def list_query(self, args: Mapping[str, str]) -> sa.Select:
        raise NotImplementedError

    def to_json(self, record: Any) -> dict[str, Any]:
        raise NotImplementedError

    def list_options(self) -> tuple[ExecutableOption, ...]:
        """Loader options for a list page (not the CSV export), e.g. what list_json reads."""
        return ()

    def list_json(self, records: Sequence[Any]) -> list[dict[str, Any]]:
        """A list page's records as it shows them (with what list_options loads for them)."""
        return [self.to_json(record) for record in records]

    def csv_export(self, query: sa.Select, args: Mapping[str, str]) -> CsvExport:
        """What the CSV export writes for the list `query` (filtered and sorted): by default one
        row per record, `csv_columns` of `to_json`. A dataset may offer other forms (`form`)."""
        choice_arg(args, "form", ("records",))  # the one form here; a bad one is refused
        columns = self.csv_columns + BOOKKEEPING_CSV_COLUMNS
        return CsvExport(query, columns, lambda row: self.to_json(row[0]), self.csv_filename)

    def detail_json(self, record: Any) -> dict[str, Any]:
        return self.to_json(record)

    def count_limit(self, args: Mapping[str, str]) -> int | None:
        """Where a list stops counting for these filters (None: count everything)."""
        return None

    def count_plan(self, args: Mapping[str, str]) -> AbstractContextManager[None] | None:
        """Planner settings for the capped count of a search (see `count_limit`), if any."""
        return None

    def known_total(self, args: Mapping[str, str]) -> sa.ScalarSelect[int] | None:
        """The list's total without counting: for the list as it opens (no filter but paging
        and order, so every unarchived record), the count the database keeps (migration 0018),
        as a subquery the page reads in its own statement; None when filtered."""
        for name, value in args.items():
            if name in UNFILTERING_ARGS or (name, value.strip()) == ("archived", "false"):
                continue
            if value.strip():
                return None
        return kept_count(self.model)

    def check(self, record: Any | None, changes: Mapping[str, Any]) -> None:
        """Rules across fields or records (uniqueness, date order); raise 409/422."""

    def new_record(self, values: Mapping[str, Any]) -> Any:
        return self.model(**values)

    # -- lookups --

    def get(self, record_id: int) -> Any:
        record = db.session.get(self.model, record_id)
        if record is None:
            raise NotFound(f"No {self.noun} with id {record_id}.")
        return record

    def locked(self, record_id: int) -> Any:
        record = merge.lock(self.model, record_id)
        if record is None:
            raise NotFound(f"No {self.noun} with id {record_id}.")
        return record

    def history_query(self, record_id: int) -> sa.Select:
        """Every change of the record, newest first."""
        self.get(record_id)
        return (
            sa.select(RecordChange)
            .where(RecordChange.dataset == self.model.dataset, RecordChange.record_id == record_id)
            .order_by(RecordChange.changed_at.desc(), RecordChange.id.desc())
        )

    def _change_to_revert(self, record_id: int, change_id: int) -> tuple[RecordChange, str]:
        """The change to undo, and the field it changed."""
        change = db.session.get(RecordChange, change_id)
        if change is None or change.dataset != self.model.dataset or change.record_id != record_id:
            raise ValidationFailed(
                f"Change {change_id} is not part of this record's history.", field="change_id"
            )
        if change.field is None:
            raise ValidationFailed("Only a change of one field can be reverted.", field="change_id")
        if change.field not in self.fields:
            raise ValidationFailed(f"{change.field!r} cannot be reverted.", field="change_id")
        return change, change.field

    # -- validation --

    def validate(
        self, body: Mapping[str, Any], names: tuple[str, ...], *, complete: bool = False
    ) -> dict[str, Any]:
        """Typed values of `names` found in `body` (all of them when `complete`: a missing one
        counts as empty). Any other field is a 422 naming it."""
        allowed = (*names, "version")
        unknown = [name for name in body if name not in allowed]
        if unknown:
            raise ValidationFailed(f"{unknown[0]!r} cannot be edited.", field=unknown[0])
        spec = {**self.fields, **self.create_only}
        return {
            name: spec[name].parse(name, body.get(name))
            for name in names
            if complete or name in body
        }

    # -- people's changes --

    def update(self, record_id: int, body: Mapping[str, Any], version: int, user_id: int) -> Any:
        """PATCH: the fields given change; `version` must be current."""
        changes = self.validate(body, tuple(self.fields))
        return self._edit(record_id, changes, version, user_id)

    def replace(self, record_id: int, body: Mapping[str, Any], version: int, user_id: int) -> Any:
        """PUT: every editable field takes the given value (a missing one is emptied)."""
        record = self.get(record_id)
        fixed = {name: body[name] for name in self.create_only if name in body}
        for name, value in fixed.items():
            if value != getattr(record, name):
                raise ValidationFailed(f"{name} cannot be changed.", field=name)
        rest = {name: value for name, value in body.items() if name not in fixed}
        changes = self.validate(rest, tuple(self.fields), complete=True)
        return self._edit(record_id, changes, version, user_id)

    def _edit(
        self,
        record_id: int,
        changes: dict[str, Any],
        version: int,
        user_id: int,
        action: str = "manual_edit",
    ) -> Any:
        record = self.locked(record_id)
        self._check_version(record, version)
        if record.archived_at is not None:  # out of every list: a correction nobody would see
            db.session.rollback()
            raise Conflict(
                f"This {self.noun} is archived: restore it before editing it.",
                field="archived",
                current=self.detail_json(record),
            )
        self.check(record, changes)
        try:
            merge.apply_manual_edit(
                record, changes, merge.Actor.user(user_id), expected_version=version, action=action
            )
        except Conflict as exc:
            db.session.rollback()
            exc.details["current"] = self.detail_json(self.get(record_id))
            raise
        db.session.commit()
        return record

    def create(self, body: Mapping[str, Any], user_id: int) -> Any:
        """POST: a record a person makes. Every value they give is theirs: a later sync that
        brings a different one asks for review instead of overwriting it."""
        if "version" in body:
            raise ValidationFailed("'version' cannot be set on a new record.", field="version")
        values = self.validate(body, (*self.create_only, *self.fields), complete=True)
        for name in self.required_on_create:
            if values.get(name) is None:
                raise ValidationFailed(f"{label_for(name)} is required.", field=name)
        self.check(None, values)
        for name in self.unique:
            taken = db.session.scalar(
                sa.select(self.model.id).where(getattr(self.model, name) == values[name])
            )
            if taken is not None:
                raise Conflict(
                    f"A {self.noun} with {name} {values[name]} already exists (record {taken}).",
                    field=name,
                    other_id=taken,
                )
        manual = {
            name: {"source_baseline": None}
            for name, value in values.items()
            if name in self.fields and value is not None
        }
        record = self.new_record(values)
        record.manual_fields = manual
        record.source_values = {}
        record.is_manually_edited = bool(manual)
        db.session.add(record)
        db.session.flush()
        merge.record_event(
            record,
            "manual_create",
            merge.Actor.user(user_id),
            new={name: merge.json_value(value) for name, value in values.items()},
        )
        db.session.commit()
        return record

    def delete(self, record_id: int, version: int, user_id: int) -> str:
        """DELETE: a record a source has sent is archived; one only a person made is removed.
        Answers the outcome, "archived" or "deleted" (an archived record stays archived)."""
        record = self.locked(record_id)
        self._check_version(record, version)
        outcome, event = merge.delete_or_archive(
            record, merge.Actor.user(user_id), lambda: self.to_json(record)
        )
        merge.write_history([event] if event else [])
        db.session.commit()
        return merge.ARCHIVED if outcome == merge.UNCHANGED else outcome

    def restore(self, record_id: int, version: int, user_id: int) -> Any:
        """Bring an archived record back into lists (a record not archived is left as it is)."""
        record = self.locked(record_id)
        self._check_version(record, version)
        _, event = merge.restore(record, merge.Actor.user(user_id))
        merge.write_history([event] if event else [])
        db.session.commit()
        return record

    def _check_version(self, record: Any, version: int) -> None:
        """A stale version is a 409 with the current record, as for an edit."""
        try:
            merge.check_version(record, version)
        except Conflict as exc:
            exc.details["current"] = self.detail_json(record)
            db.session.rollback()
            raise

    def review(self, record_id: int, body: Mapping[str, Any], version: int, user_id: int) -> Any:
        record = self.locked(record_id)
        self._check_version(record, version)
        merge.resolve_review(
            record,
            str(body.get("field", "")),
            str(body.get("decision", "")),
            merge.Actor.user(user_id),
        )
        db.session.commit()
        return record

    def revert(self, record_id: int, body: Mapping[str, Any], version: int, user_id: int) -> Any:
        change_id = body.get("change_id")
        if isinstance(change_id, bool) or not isinstance(change_id, int):
            raise ValidationFailed("change_id must be a whole number.", field="change_id")
        self.get(record_id)
        change, field_name = self._change_to_revert(record_id, change_id)
        changes = {field_name: merge.value_from_json(self.model, field_name, change.old_value)}
        return self._edit(record_id, changes, version, user_id, action="revert")
