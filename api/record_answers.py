"""The answers of the record routes (api/records.add_record_routes), field by field, from the
datasets' serializers (datasets/*.to_json, datasets/records.bookkeeping_json): api/answers.py
puts them into its ANSWERS by operationId."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from api.schemas import Day, Open, Timestamp, many, one, page


class ReviewField(Open):
    field: str
    yours: Any = Field(description="The value a person set.")
    source: Any = Field(description="The value the source sends now.")


class Tracked(Open):
    """What every record of a synced dataset carries."""

    id: int
    version: int = Field(description="Send it back on a write (or as If-Match).")
    origin: Literal["manual", "source"]
    archived: bool
    archived_at: Timestamp | None
    archived_by: int | None
    is_manually_edited: bool
    edited_fields: list[str]
    needs_review: bool
    review: list[ReviewField]
    missing_from_source: bool
    last_seen_run_id: int | None
    created_at: Timestamp
    updated_at: Timestamp


class AuthorizationRecord(Tracked):
    source: str | None
    source_key: str | None
    patient_name: str | None
    authorization_number: str | None
    status: str | None
    payer: str | None
    service_start: Day | None
    service_end: Day | None
    amount: str | None
    extra: dict[str, Any]


class DrugClassRecord(Tracked):
    code: str
    coding_system: str | None
    class_type: str
    name: str
    drug_count: int


class DrugClassBrief(Open):
    id: int
    code: str
    name: str
    class_type: str


class DrugRecord(Tracked):
    """A drug as lists show it."""

    set_id: str
    title: str
    brand_name: str | None
    generic_name: str | None
    dosage_form: str | None
    labeler_name: str | None
    spl_version: int | None
    published_date: Day | None
    details_version: int | None
    label_url: str | None
    classes: list[DrugClassBrief]


class DrugNdc(Open):
    ndc: str
    kind: str
    format: str | None
    ndc11: str | None
    ndc11_hyphenated: str | None
    normalized: str | None
    product_ndc: str | None
    labeler: str | None
    package_description: str | None


class DrugIngredient(Open):
    product_name: str | None
    name: str
    strength: str | None


class DrugDetail(DrugRecord):
    """A drug whole: with its NDCs and active ingredients."""

    ndcs: list[DrugNdc]
    ingredients: list[DrugIngredient]


class Change(Open):
    """One entry of a record's history (api/serializers.change_json)."""

    id: int
    field: str | None
    action: str
    old_value: Any
    new_value: Any
    actor_type: Literal["user", "sync", "system"]
    user_id: int | None
    username: str | None
    run_id: int | None
    changed_at: Timestamp


class FieldRule(Open):
    name: str
    label: str
    type: Literal["text", "choice", "date", "number"]
    required: bool | None = None
    max_length: int | None = None
    choices: list[str] | None = None
    minimum: int | None = None
    bulk: bool
    in_profile: bool | None = None


class Removed(Open):
    id: int
    outcome: Literal["archived", "deleted"]


class BulkOutcome(Open):
    id: int
    outcome: str


class BulkDone(Open):
    action: str
    matched: int
    changed: int
    unchanged: int
    ids: list[int]
    outcomes: list[BulkOutcome]


def record_answers(dataset: str, item: type[BaseModel], whole: type[BaseModel]) -> dict[str, Any]:
    """The answers of a dataset's routes (api/records.add_record_routes), by operationId."""
    answers: dict[str, Any] = {
        "list": page(item),
        "history": page(Change),
        "fields": many(FieldRule),
        "delete": one(Removed),
        "bulk": one(BulkDone),
    }
    for writes_one in ("get", "create", "update", "replace", "review", "revert", "restore"):
        answers[writes_one] = one(whole)
    return {f"{kind}_{dataset}": model for kind, model in answers.items()}
