"""Drug classes (EPC, MOA, PE, CI): how the DailyMed sync merges them, what people may correct,
the list filters and the JSON shape."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.orm import undefer

import merge
from config import DAILYMED_CLASS_TYPE_CHOICES
from database import contains_pattern
from datasets import field_rules, listing, records
from models import DrugClass

DATASET = merge.Dataset(
    model=DrugClass, key_fields=("code",), synced_fields=("coding_system", "class_type", "name")
)


class DrugClassService(records.RecordService):
    model = DrugClass
    noun = "drug class"
    fields: ClassVar[dict[str, field_rules.Field]] = {
        "name": field_rules.Text(required=True),  # max length: the column's
        "class_type": field_rules.Text(required=True, choices=DAILYMED_CLASS_TYPE_CHOICES),
    }
    create_only: ClassVar[dict[str, field_rules.Field]] = {
        "code": field_rules.Text(required=True, max_length=64),
        "coding_system": field_rules.Text(max_length=64),
    }
    unique = ("code",)
    filters = ("name", "q", "class_type")
    sortable: ClassVar[dict[str, Any]] = {
        "id": DrugClass.id,
        "name": DrugClass.name,
        "code": DrugClass.code,
        "class_type": DrugClass.class_type,
        "drug_count": DrugClass.drug_count,
        "updated_at": DrugClass.updated_at,
    }
    default_sort = "name"
    csv_columns = (
        "id",
        "code",
        "name",
        "class_type",
        "coding_system",
        "drug_count",
        "is_manually_edited",
        "needs_review",
        "missing_from_source",
        "updated_at",
    )
    csv_filename = "drug-classes.csv"

    def list_query(self, args: Mapping[str, str]) -> sa.Select:
        """Classes matching name (partial; `q` is the same), class_type, edited, needs_review,
        missing — each with its number of drugs."""
        query = sa.select(DrugClass).options(undefer(DrugClass.drug_count))
        name = (args.get("name") or args.get("q") or "").strip()
        if name:
            query = query.where(DrugClass.name.ilike(contains_pattern(name)))
        class_type = listing.choice_arg(args, "class_type", DAILYMED_CLASS_TYPE_CHOICES)
        if class_type:
            query = query.where(DrugClass.class_type == class_type)
        return listing.with_bookkeeping_filters(query, DrugClass, args)

    def new_record(self, values: Mapping[str, Any]) -> DrugClass:
        return DrugClass(**{**values, "coding_system": values.get("coding_system") or ""})

    def to_json(self, record: DrugClass) -> dict[str, Any]:
        values = record.column_values()
        return {
            "id": values["id"],
            "code": values["code"],
            "coding_system": values["coding_system"],
            "class_type": values["class_type"],
            "name": values["name"],
            "drug_count": record.drug_count,
            **records.bookkeeping_json(record, values),
        }


service = DrugClassService()
