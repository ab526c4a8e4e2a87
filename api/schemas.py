"""Request bodies and answers as pydantic models: what /api/openapi.json documents, and (for the
bodies) what api/openapi.py validates before a view runs. Record bodies are built from each
dataset's field rules (datasets/field_rules.py), the one place a field's type, length and
choices are declared; the record service still applies the rules that need the record (create
only, required on creation, a duplicate natural key)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model

from config import MIN_PASSWORD_LENGTH
from datasets import bulk
from datasets.listing import MAX_ID
from datasets.records import RecordService
from models import ROLES

# -- bodies ------------------------------------------------------------------------------------


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")
    # True: the model documents a body that the service checks itself, with the record in hand
    # and in the words of the field rules; api/openapi.py then reads the body without it.
    checked_by_service: ClassVar[bool] = False


class ScrapeBody(Body):
    source: str = Field(
        "portal", max_length=40, description="The sync to start: portal or dailymed."
    )


# Documented, checked by accounts.validate_password (its message says what a person must type).
PASSWORD: dict[str, Any] = {"minLength": MIN_PASSWORD_LENGTH}


class UserCreateBody(Body):
    username: str = Field(description="Letters, digits, . _ - (normalised NFKC, ASCII only).")
    password: str = Field(description="At least 8 characters.", json_schema_extra=PASSWORD)
    role: Literal[ROLES] = "viewer"  # type: ignore[valid-type]


class UserUpdateBody(Body):
    role: Literal[ROLES] | None = None  # type: ignore[valid-type]
    password: str | None = Field(None, json_schema_extra=PASSWORD)
    is_active: bool | None = None


class TokenCreateBody(Body):
    name: str = Field(description="What the token is for (shown in the token list).")
    user_id: int | None = Field(
        None, ge=1, le=MAX_ID, description="Whose token (admins only; default yourself)."
    )


class NoteBody(Body):
    checked_by_service = True  # analytics.results.set_note
    note: str | None = Field(description="A note on the stored result; null or empty clears it.")


class DailymedCheckBody(Body):
    set_id: str | None = Field(None, description="A label's set id to check (default: one found).")


class VersionBody(Body):
    model_config = ConfigDict(extra="ignore")  # a DELETE's body may carry the record read
    version: int | None = Field(
        None, ge=0, le=MAX_ID, description="The version read (or ?version=, or If-Match)."
    )


class ReviewBody(VersionBody):
    """`field` and `decision` are required; they are checked after the version (a write without
    one is a 428 whatever else it lacks)."""

    field: str | None = Field(None, description="The field whose sync change needs review.")
    decision: Literal["keep", "source"] | None = Field(
        None, description="keep: the value a person set; source: the sync's value."
    )


class RevertBody(VersionBody):
    """`change_id` is required; it is checked after the version."""

    change_id: int | None = Field(None, ge=1, le=MAX_ID, description="The history entry to undo.")


class BulkItem(BaseModel):
    id: int = Field(ge=1, le=MAX_ID)
    version: int = Field(ge=0, le=MAX_ID)


class BulkBody(Body):
    checked_by_service = True  # datasets.bulk.parse: each item's fault listed, 413 beyond the cap
    action: Literal[tuple(bulk.ACTIONS)] = Field(  # type: ignore[valid-type]
        description="What to do with the records chosen."
    )
    items: list[BulkItem] | None = Field(None, description="The records chosen, with versions.")
    filter: dict[str, str] | None = Field(
        None, description="Or the records a list filter selects (the list's query parameters)."
    )
    values: dict[str, Any] | None = Field(None, description="update: the fields to set.")


NO_NUL = r"^[^\x00]*$"  # PostgreSQL cannot store NUL (a body holding one is a 400)
SOME_TEXT = r"^[^\x00]*[^\s\x00][^\x00]*$"  # and a required text is not only blanks


def record_body(service: RecordService, purpose: str, *, with_version: bool) -> type[BaseModel]:
    """The body of a record write, field by field from the dataset's rules: `purpose` "create"
    (with the create-only fields; the required ones must be there) or "edit" (PATCH sends only
    what changes; a required field may not be emptied)."""
    fields: dict[str, Any] = {}
    for rule in RecordService.field_rules(service, purpose):
        fields[rule["name"]] = _record_field(rule, must_be_sent=purpose == "create")
    if with_version:
        fields["version"] = (
            int | None,
            Field(None, ge=0, le=MAX_ID, description="The version read (or If-Match)."),
        )
    noun = "".join(part.capitalize() for part in service.model.dataset.split("_"))
    return create_model(f"{noun}{purpose.capitalize()}Body", __base__=_RecordBody, **fields)


class _RecordBody(Body):
    checked_by_service = True  # RecordService.validate: the same field rules, with labels


def _record_field(rule: dict[str, Any], *, must_be_sent: bool) -> tuple[Any, Any]:
    """(type, Field) of one field rule (datasets/field_rules.py: text, choice, date, number)."""
    required = bool(rule.get("required"))
    extra: dict[str, Any] = {"description": rule.get("label")}
    kind: Any
    if rule["type"] == "choice":
        kind = Literal[tuple(rule["choices"])]
    elif rule["type"] == "number":
        kind = int
        extra.update(ge=rule.get("minimum", 0), le=rule.get("maximum", MAX_ID))
    elif rule["type"] == "date":
        kind = date
    else:
        kind = str
        extra["pattern"] = SOME_TEXT if required else NO_NUL
        if rule.get("max_length"):
            extra["max_length"] = rule["max_length"]
    if not required:
        return kind | None, Field(None, **extra)
    if must_be_sent:
        return kind, Field(**extra)
    return kind, Field(None, **extra)  # may be left out, not emptied


# -- answers -----------------------------------------------------------------------------------


class ErrorDetail(BaseModel):
    code: str = Field(description="bad_request, unauthorized, validation_error, …")
    message: str = Field(description="What went wrong, for a person.")
    details: dict[str, Any] = Field(
        description="field: the parameter or field at fault; errors: every one (422); "
        "allowed: the sort keys; current: the record as it is now (409)."
    )


class Error(BaseModel):
    """Every failure under /api."""

    success: Literal[False]
    error: ErrorDetail


class Answer(BaseModel):
    """A success; the other keys depend on the operation."""

    model_config = ConfigDict(extra="allow")
    success: Literal[True]


class One(Answer):
    data: dict[str, Any]


class Many(Answer):
    data: list[dict[str, Any]]


class PageLinks(BaseModel):
    self_: str = Field(alias="self")
    first: str
    prev: str | None = None
    next: str | None = None
    last: str | None = None


class Page(Answer):
    """One page of a list."""

    count: int
    total: int
    total_exact: bool
    page: int
    per_page: int
    max_per_page: int
    pages: int
    links: PageLinks
    data: list[dict[str, Any]]


class JobStarted(Answer):
    job_id: int
    message: str


class JobsStarted(Answer):
    job_ids: list[int]
    message: str


class JobStatus(Answer):
    """Valer-Sync's keys: job_id, status (completed when done); api/answers names the rest."""

    job_id: int
    status: str


class Open(BaseModel):
    """An answer's object, its keys named by each subclass (api/answers.py); more may come
    (additionalProperties): scripts read the named ones, and a key added later breaks no one."""

    model_config = ConfigDict(extra="allow")


Timestamp = Annotated[str, Field(description="ISO 8601, with its offset.")]
Day = Annotated[str, Field(description="YYYY-MM-DD.")]


def one(item: type[BaseModel]) -> type[BaseModel]:
    """`{"success": true, "data": <item>}`."""
    return create_model(f"One{item.__name__}", __base__=Answer, data=(item, ...))


def many(item: type[BaseModel]) -> type[BaseModel]:
    """`{"success": true, "data": [<item>, …]}`."""
    return create_model(f"Many{item.__name__}", __base__=Answer, data=(list[item], ...))  # type: ignore[valid-type]


def page(item: type[BaseModel]) -> type[BaseModel]:
    """One page of a list of <item>."""
    return create_model(f"PageOf{item.__name__}", __base__=Page, data=(list[item], ...))  # type: ignore[valid-type]
