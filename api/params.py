"""Query parameters as pydantic models: the one declaration that both validates a request's
query string (api/openapi.py reads it before the view runs; a bad value is a 422 naming the
parameter) and documents it in /api/openapi.json.

A query string is text, so each parameter type here parses text the way the API always has:
a blank value means "not given", whole numbers are ASCII digits within their column's bounds,
flags are true/false (1/0, yes/no), dates are YYYY-MM-DD. Unknown parameters are left to the
route (most ignore them; the audit log and the analyses refuse them)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, PlainValidator, WithJsonSchema, create_model
from pydantic_core import PydanticCustomError

from analytics import registry
from analytics.filters import NAMES as ANALYSIS_FILTERS
from api.pagination import DEFAULT_PER_PAGE, MAX_PAGE, MAX_PER_PAGE
from api.validation import MAX_QUERY_TEXT
from config import DAILYMED_CLASS_TYPE_CHOICES
from datasets import listing
from datasets.listing import ARCHIVED_CHOICES, MAX_ID, MAX_SELECTED_IDS
from datasets.records import FIELD_PURPOSES
from models import AUTHORIZATION_STATUSES, RUN_STATUSES


def _refuse(reason: str, **context: Any) -> PydanticCustomError:
    # The reason goes in as context, never as the template: it may quote the value sent.
    return PydanticCustomError("invalid", "{reason}", {"reason": reason, **context})


BLANK = {"type": "string", "pattern": r"^\s*$", "description": "Blank: not given."}


def _or_blank(schema: dict[str, Any]) -> WithJsonSchema:
    """A typed parameter's schema, saying that a blank value means "not given" (as the parsers
    read it): `?drug_class_id=` is no filter, not a 422."""
    return WithJsonSchema({"anyOf": [schema, BLANK]})


def _parsing(parse: Callable[..., Any], *rules: Any) -> PlainValidator:
    """A pydantic validator from one of datasets/listing.py's parsers (the one place a query
    value's text is read), its refusal kept word for word."""

    def validate(value: Any) -> Any:
        try:
            return parse(value, *rules)
        except listing.Unparsable as exc:
            raise _refuse(str(exc)) from None

    return PlainValidator(validate)


def text(max_length: int = MAX_QUERY_TEXT) -> Any:
    """Free text, at most `max_length` characters (a long search keeps the database busy)."""

    def parse(value: Any) -> str | None:
        found = None if value is None else str(value).strip() or None
        if found is not None and len(found) > max_length:
            raise _refuse(f"may be at most {max_length:,} characters long (got {len(found):,})")
        return found

    schema = {"type": "string", "maxLength": max_length}
    return Annotated[str | None, PlainValidator(parse), WithJsonSchema(schema)]


def whole_number(minimum: int = 1, maximum: int = MAX_ID, default: int | None = None) -> Any:
    """A whole number in ASCII digits within the bounds of the column it is compared with."""
    schema: dict[str, Any] = {"type": "integer", "minimum": minimum, "maximum": maximum}
    if default is not None:
        schema["default"] = default
    validator = _parsing(listing.parse_whole_number, minimum, maximum)
    return Annotated[int | None, validator, _or_blank(schema)]


def choice(*choices: str) -> Any:
    """One of `choices`, exactly as written."""
    schema = {"type": "string", "enum": list(choices)}
    validator = _parsing(listing.parse_choice, choices)
    return Annotated[str | None, validator, _or_blank(schema)]


Flag = Annotated[bool | None, _parsing(listing.parse_flag), _or_blank({"type": "boolean"})]
Day = Annotated[
    date | None,
    _parsing(listing.parse_day),
    _or_blank({"type": "string", "format": "date"}),
]
Ids = Annotated[
    list[int] | None,
    _parsing(listing.parse_ids),
    _or_blank(
        {
            "type": "string",
            "pattern": r"^[0-9]{1,9}(,[0-9]{1,9}){0,999}$",
            "description": f"Comma-separated record ids, at most {MAX_SELECTED_IDS:,}.",
        }
    ),
]


def sort(allowed: tuple[str, ...]) -> Any:
    """`name` or `-name` (descending), one of `allowed`; a 422 lists them (details.allowed)."""
    keys = sorted(allowed)

    def parse(value: Any) -> str | None:
        found = None if value is None else str(value).strip() or None
        if found is None:
            return None
        if found.removeprefix("-") not in allowed:
            raise _refuse(
                f"must be one of {', '.join(keys)}, with - before it for descending; got "
                f"{found.removeprefix('-')[:40]!r}",
                allowed=keys,
            )
        return found

    schema = {"type": "string", "enum": [*keys, *(f"-{key}" for key in keys)]}
    return Annotated[str | None, PlainValidator(parse), _or_blank(schema)]


class Query(BaseModel):
    """Every query model: unknown parameters are the route's business."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)


Page = whole_number(1, MAX_PAGE, default=1)
PerPage = whole_number(1, MAX_PER_PAGE, default=DEFAULT_PER_PAGE)


class Paged(Query):
    page: Page = Field(None, description="Page number, from 1.")  # type: ignore[valid-type]
    per_page: PerPage = Field(  # type: ignore[valid-type]
        None, description=f"Rows per page, at most {MAX_PER_PAGE}."
    )


def list_query(
    model_name: str, sortable: tuple[str, ...] | None = None, /, **fields: Any
) -> type[BaseModel]:
    """A paged list's query model: page, per_page, `sort` over `sortable`, and `fields`
    (each a type from this module, or a (type, Field(...)) pair)."""
    declared: dict[str, Any] = {}
    for key, kind in fields.items():
        declared[key] = kind if isinstance(kind, tuple) else (kind, None)
    if sortable is not None:
        declared["sort"] = (
            sort(sortable),
            Field(None, description="A field to sort by; prefix - for descending."),
        )
    return create_model(model_name, __base__=Paged, **declared)


# -- the record datasets' filters ----------------------------------------------------------

BOOKKEEPING = {
    "edited": Flag,
    "needs_review": Flag,
    "missing": Flag,
    "id": whole_number(),
    "ids": Ids,
    "changed_by_run": whole_number(),
    "archived": (choice(*ARCHIVED_CHOICES), Field(None, description="Default false.")),
}

DATASET_FILTERS: dict[str, dict[str, Any]] = {
    "drugs": {
        "name": text(),
        "ndc": text(),
        "q": text(),
        "drug_class_id": whole_number(),
        "class_type": choice(*DAILYMED_CLASS_TYPE_CHOICES),
        "labeler": text(),
        "dosage_form": text(),
        "ingredient": text(),
        "published_from": Day,
        "published_to": Day,
    },
    "drug_classes": {
        "name": text(),
        "q": text(),
        "class_type": choice(*DAILYMED_CLASS_TYPE_CHOICES),
    },
    "authorizations": {"q": text(), "status": choice(*AUTHORIZATION_STATUSES)},
}
EXPORT_FORMS = {"drugs": ("records", "ndcs")}


def record_list_query(dataset: str, sortable: tuple[str, ...]) -> type[BaseModel]:
    filters = {**DATASET_FILTERS[dataset], **BOOKKEEPING}
    return list_query(f"{_title(dataset)}ListQuery", sortable, **filters)


def record_export_query(dataset: str, sortable: tuple[str, ...]) -> type[BaseModel]:
    filters = {
        **DATASET_FILTERS[dataset],
        **BOOKKEEPING,
        "form": choice(*EXPORT_FORMS.get(dataset, ("records",))),
    }
    model = list_query(f"{_title(dataset)}ExportQuery", sortable, **filters)
    return model


def fields_query(dataset: str) -> type[BaseModel]:
    return create_model(
        f"{_title(dataset)}FieldsQuery",
        __base__=Query,
        for_=(
            choice(*FIELD_PURPOSES),
            Field(None, alias="for", description="edit (the default) or create."),
        ),
    )


class VersionQuery(Query):
    version: whole_number(0) = Field(  # type: ignore[valid-type]
        None, description="The version the write expects (or If-Match, or body version)."
    )


def _title(dataset: str) -> str:
    return "".join(part.capitalize() for part in dataset.split("_"))


# -- the other lists and reads --------------------------------------------------------------


def runs_query(sortable: tuple[str, ...]) -> type[BaseModel]:
    return list_query(
        "RunListQuery",
        sortable,
        source=text(),
        status=choice(*RUN_STATUSES),
        sample=(Flag, Field(None, description="true: only sample runs; false: only real ones.")),
    )


class RunLogQuery(Query):
    format: choice("json", "text") = None  # type: ignore[valid-type]


AUDIT_DATASETS = ("authorizations", "drugs", "drug_classes", "users", "api_tokens", "accounts")

AuditQuery = list_query(
    "AuditQuery",
    ("at",),
    user=text(120),
    dataset=choice(*AUDIT_DATASETS),
    field=text(120),
    run_id=whole_number(1, 999_999_999),
    action=text(120),
    from_=(Day, Field(None, alias="from", description="From this day (YYYY-MM-DD).")),
    to=(Day, Field(None, description="To this day, inclusive.")),
    format=choice("json", "csv"),
)

ResultListQuery = list_query(
    "ResultListQuery",
    ("computed_at", "analysis", "run_id"),
    analysis=choice(*registry.ANALYZERS),
    run_id=whole_number(),
)


class CompareQuery(Query):
    from_: whole_number() = Field(alias="from", description="The earlier analytics run.")  # type: ignore[valid-type]
    to: whole_number() = Field(description="The later analytics run.")  # type: ignore[valid-type]


AnalysisQuery = create_model(
    "AnalysisQuery",
    __base__=Query,
    run_id=(whole_number(), Field(None, description="A stored run's result.")),
    class_id=(whole_number(), None),
    class_type=(choice(*DAILYMED_CLASS_TYPE_CHOICES), None),
    labeler=(text(), None),
    published_from=(Day, None),
    published_to=(Day, None),
    q=(text(), None),
)
assert set(ANALYSIS_FILTERS) <= set(AnalysisQuery.model_fields)


class StatsQuery(Query):
    include_samples: Flag = Field(None, description="Count sample runs in the success rate.")
