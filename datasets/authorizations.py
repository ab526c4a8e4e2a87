"""Patient authorizations: the fields people may correct, the list filters, the JSON shape."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import sqlalchemy as sa
from flask import current_app

import merge
from database import contains_pattern, db
from datasets import field_rules, listing, records
from errors import Conflict, ValidationFailed
from models import AUTHORIZATION_STATUSES, Authorization
from scraper.portal_profile import ProfileError, load_profile

SYNCED_FIELDS = (
    "patient_name",
    "authorization_number",
    "status",
    "payer",
    "service_start",
    "service_end",
    "amount",
    "extra",
)


def dataset(source: str) -> merge.Dataset:
    return merge.Dataset(
        model=Authorization,
        key_fields=("source_key",),
        synced_fields=SYNCED_FIELDS,
        scope={"source": source},
        unique_fields=("authorization_number",),
        # The natural key of an authorization a person created (it has no source key yet).
        join_fields=("authorization_number",),
    )


class AuthorizationService(records.RecordService):
    model = Authorization
    noun = "authorization"
    # In form order; max lengths come from the model's columns.
    fields: ClassVar[dict[str, field_rules.Field]] = {
        "patient_name": field_rules.Text(required=True),
        "authorization_number": field_rules.Text(),
        "status": field_rules.Text(required=True, choices=AUTHORIZATION_STATUSES),
        "payer": field_rules.Text(),
        "amount": field_rules.Text(),
        "service_start": field_rules.Date(),
        "service_end": field_rules.Date(),
    }
    # A created authorization needs its number: the key a later portal sync joins it by.
    required_on_create = ("authorization_number",)
    filters = ("q", "status")
    not_in_bulk = ("authorization_number",)  # one record per number
    sortable: ClassVar[dict[str, Any]] = {
        "id": Authorization.id,
        "patient_name": Authorization.patient_name,
        "authorization_number": Authorization.authorization_number,
        "status": Authorization.status,
        "payer": Authorization.payer,
        "service_start": Authorization.service_start,
        "service_end": Authorization.service_end,
        "updated_at": Authorization.updated_at,
    }
    default_sort = "patient_name"
    csv_columns = (
        "id",
        "patient_name",
        "authorization_number",
        "status",
        "payer",
        "service_start",
        "service_end",
        "amount",
        "is_manually_edited",
        "needs_review",
        "missing_from_source",
        "updated_at",
    )
    csv_filename = "authorizations.csv"

    def field_rules(self, purpose: str = "edit") -> list[dict[str, Any]]:
        """The rules, each with `in_profile`: whether the configured portal profile fills the
        field (the sandbox's has no amount, the-internet's no service dates). The editor hides a
        field the profile never fills, unless a record holds a value in it."""
        filled = profile_fields(current_app.config["SETTINGS"].portal_profile)
        return [
            {**rule, "in_profile": filled is None or rule["name"] in filled}
            for rule in super().field_rules(purpose)
        ]

    def list_query(self, args: Mapping[str, str]) -> sa.Select:
        """Authorizations matching q (name, number or payer), status, edited, needs_review,
        missing."""
        query = sa.select(Authorization)
        q = (args.get("q") or "").strip()
        if q:
            pattern = contains_pattern(q)
            query = query.where(
                sa.or_(
                    Authorization.patient_name.ilike(pattern),
                    Authorization.authorization_number.ilike(pattern),
                    Authorization.payer.ilike(pattern),
                )
            )
        status = listing.choice_arg(args, "status", AUTHORIZATION_STATUSES)
        if status:
            query = query.where(Authorization.status == status)
        return listing.with_bookkeeping_filters(query, Authorization, args)

    def check(self, record: Authorization | None, changes: Mapping[str, Any]) -> None:
        start = changes.get("service_start", record.service_start if record else None)
        end = changes.get("service_end", record.service_end if record else None)
        if start and end and end < start:
            raise ValidationFailed(
                "Service end cannot be before service start.", field="service_end"
            )
        number = changes.get("authorization_number")
        if not number:
            return
        other = db.session.scalar(
            sa.select(Authorization).where(
                Authorization.authorization_number == number,
                Authorization.id != (record.id if record else None),
            )
        )
        if other is not None:
            raise Conflict(
                f"Authorization number {number} is already used by {other.patient_name} "
                f"(record {other.id}).",
                field="authorization_number",
                other_id=other.id,
            )

    def to_json(self, record: Authorization) -> dict[str, Any]:
        values = record.column_values()
        return {
            **{name: values[name] for name in _AS_STORED},
            "service_start": merge.json_value(values["service_start"]),
            "service_end": merge.json_value(values["service_end"]),
            "amount": values["amount"],
            "extra": values["extra"] or {},
            **records.bookkeeping_json(record, values),
        }


def profile_fields(profile: str) -> frozenset[str] | None:
    """The record fields portal profile `profile` fills (status always: a profile maps it or
    gives its default), or None when the profile can't be read (then every field shows)."""
    try:
        return frozenset({*load_profile(profile).fields, "status"})
    except ProfileError:
        return None


# An authorization's fields its JSON gives as they are stored, in the JSON's order.
_AS_STORED = (
    "id",
    "source",
    "source_key",
    "patient_name",
    "authorization_number",
    "status",
    "payer",
)

service = AuthorizationService()
