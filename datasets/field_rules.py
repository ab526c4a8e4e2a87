"""Field rules: what a person may set on a record, declared once on the dataset's service,
enforced by `parse` and sent to the dashboard by `rules` (`GET /api/<dataset>/fields`).

A rule's `label` names the field in messages and on the form ("Patient name"); a Text's
`max_length`, when not given, is its model column's length (`sized_by_column`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from datasets.listing import MAX_ID
from errors import ValidationFailed
from models import TrackedRecord


def label_for(name: str) -> str:
    """A field name as people read it: patient_name → "Patient name"."""
    return name.replace("_", " ").capitalize()


@dataclass(frozen=True)
class Text:
    required: bool = False
    max_length: int | None = None
    choices: tuple[str, ...] | None = None
    label: str = ""

    def parse(self, name: str, value: Any) -> str | None:
        label = self.label or label_for(name)
        if value is not None and not isinstance(value, str):
            raise ValidationFailed(f"{name} must be text.", field=name)
        text = value.strip() if isinstance(value, str) else ""
        if not text:
            if self.required:
                raise ValidationFailed(f"{label} is required.", field=name)
            return None
        if self.max_length is not None and len(text) > self.max_length:
            raise ValidationFailed(
                f"{label} must be at most {self.max_length} characters.", field=name
            )
        if self.choices is not None and text not in self.choices:
            raise ValidationFailed(f"{label} must be one of {', '.join(self.choices)}.", field=name)
        return text

    def rules(self) -> dict[str, Any]:
        if self.choices is not None:
            return {"type": "choice", "required": self.required, "choices": list(self.choices)}
        return {"type": "text", "required": self.required, "max_length": self.max_length}


@dataclass(frozen=True)
class Date:
    required: bool = False
    label: str = ""

    def parse(self, name: str, value: Any) -> date | None:
        if value in (None, ""):
            if self.required:
                raise ValidationFailed(f"{self.label or label_for(name)} is required.", field=name)
            return None
        if not isinstance(value, str):
            raise ValidationFailed(f"{name} must be a date (YYYY-MM-DD).", field=name)
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise ValidationFailed(
                f"{name} must be a date (YYYY-MM-DD), got {value!r}.", field=name
            ) from None

    def rules(self) -> dict[str, Any]:
        return {"type": "date", "required": self.required}


@dataclass(frozen=True)
class WholeNumber:
    minimum: int = 0
    label: str = ""
    maximum: int = MAX_ID  # the column is PostgreSQL's integer

    def parse(self, name: str, value: Any) -> int | None:
        if value is None:
            return None
        if (
            isinstance(value, bool)
            or not isinstance(value, int)
            or not self.minimum <= value <= self.maximum
        ):
            raise ValidationFailed(
                f"{name} must be a whole number from {self.minimum} to {self.maximum}.",
                field=name,
            )
        return value

    def rules(self) -> dict[str, Any]:
        return {
            "type": "number",
            "required": False,
            "minimum": self.minimum,
            "maximum": self.maximum,
        }


Field = Text | Date | WholeNumber


def sized_by_column(model: type[TrackedRecord], name: str, field: Field) -> Field:
    """A Text rule without a max_length takes its model column's length (String(255) → 255)."""
    if not isinstance(field, Text) or field.max_length is not None or field.choices is not None:
        return field
    column = model.__table__.columns.get(name)
    length = getattr(column.type, "length", None) if column is not None else None
    return replace(field, max_length=length) if length else field
