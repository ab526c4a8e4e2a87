"""The answers, field by field, as /api/openapi.json documents them (api/openapi.py puts each
operation's model, by operationId, into the document; schemathesis then checks every answer
against it). The views declare only an answer's kind (api/schemas: One, Page, …); the fields
each one holds are named here (the record routes' in api/record_answers.py), from the
serializers that write them. Keys are required where every answer has them; objects stay open
(`additionalProperties`) so a key added later breaks no script."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from api.record_answers import (
    AuthorizationRecord,
    DrugClassRecord,
    DrugDetail,
    DrugRecord,
    record_answers,
)
from api.schemas import Answer, Open, Timestamp, many, one, page
from models import ROLES, RUN_STATUSES

# -- runs, schedules (api/serializers.run_json, api/schedules.schedule_json) --


class RunSummary(Open):
    id: int
    source: str
    status: Literal[RUN_STATUSES]  # type: ignore[valid-type]
    triggered_by: str
    is_sample: bool
    started_at: Timestamp | None
    completed_at: Timestamp | None
    duration_seconds: float | None
    records_found: int
    records_saved: int
    records_kept_manual: int
    failure: str | None = Field(description="What failed, in plain words.")
    error: str | None = Field(description="The technical detail.")
    warnings: list[str]


class Progress(Open):
    done: int
    total: int | None
    percent: float | None
    step: str | None
    rate_per_second: float | None
    eta_seconds: float | None
    elapsed_seconds: float | None
    details: dict[str, Any] = Field(description="The source's own figures.")


class RunDetail(RunSummary):
    job_id: int
    triggered_by_user_id: int | None
    created_at: Timestamp
    heartbeat_at: Timestamp | None
    cancel_requested: bool
    progress: Progress
    records_inserted: int
    records_updated: int
    records_unchanged: int
    records_missing: int


class LogLine(Open):
    at: Timestamp
    level: str
    logger: str
    message: str


class RunChanges(Open):
    dataset: str
    records: int
    changes: int


class ScheduleLast(Open):
    fire_at: Timestamp | None
    outcome: str | None = Field(description="started, skipped or paused.")
    message: str | None
    runs: list[RunSummary]


class ScheduleState(Open):
    name: str
    jobs: list[str]
    setting: str
    cron: str | None
    cron_in_words: str | None
    next_fire_at: Timestamp | None
    paused: bool
    available: bool
    last: ScheduleLast | None


# -- accounts (api/serializers.user_json, token_json; accounts.audit.entry_json) --


class Me(Open):
    id: int
    username: str
    role: Literal[ROLES]  # type: ignore[valid-type]


class UserItem(Me):
    is_active: bool
    created_at: Timestamp
    last_login_at: Timestamp | None


class TokenItem(Open):
    id: int
    name: str
    user_id: int
    username: str
    prefix: str = Field(description="The token's first characters, to recognise it.")
    created_at: Timestamp
    last_used_at: Timestamp | None
    revoked_at: Timestamp | None


class TokenIssued(TokenItem):
    token: str = Field(description="The secret: shown in this answer only.")


class AuditEntry(Open):
    at: Timestamp
    kind: Literal["record", "account"]
    action: str
    actor_type: str | None
    username: str | None
    run_id: int | None
    dataset: str | None
    record_id: int | None
    field: str | None
    old_value: Any
    new_value: Any
    remote_addr: str | None
    record_url: str | None


# -- analytics (analytics.results, analytics.compare) --


class AnalysisAnswer(Answer):
    """An analysis: `summary` (figures) and `data` (lists, per analysis: see the README's
    Analytics section) are open objects whose keys each analysis names."""

    analysis: str
    run_id: int | None = Field(description="The stored run it comes from; null: computed live.")
    computed_at: Timestamp
    filters: dict[str, Any]
    summary: dict[str, Any]
    data: dict[str, Any]
    result_id: int | None
    note: str | None


class StoredResult(Open):
    id: int
    run_id: int
    analysis: str
    computed_at: Timestamp
    note: str | None
    summary: dict[str, Any]


class StoredResultWhole(Answer, StoredResult):
    data: dict[str, Any]


class ComparedRun(Open):
    run_id: int
    computed_at: Timestamp | None


class ComparedAnalysis(Open):
    summary: dict[str, Any] = Field(description="<figure>: {from, to, delta}.")
    top: dict[str, Any] = Field(description="<list>: [{key, label, from, to, delta, ranks}].")


class Comparison(Answer):
    from_: ComparedRun = Field(alias="from")
    to: ComparedRun
    analyses: dict[str, ComparedAnalysis]


class ResultDeleted(Answer):
    deleted: int = Field(description="The id of the result deleted.")


# -- the other answers --


class DatabaseHealth(Open):
    status: str
    latency_ms: float | None = None


class Stats(Open):
    database: DatabaseHealth
    datasets: dict[str, dict[str, int]]
    last_sync: dict[str, RunSummary | None]
    runs: dict[str, Any] = Field(description="total, completed, failed, success_rate, …")


class ContractCheck(Open):
    base_url: str
    ok: bool
    summary: str
    rows: list[dict[str, Any]]


class RunStatus(Answer, RunDetail):
    """Valer-Sync's keys: job_id, status (completed when done); and the run whole."""


class CancelRequested(Answer):
    job_id: int
    status: Literal[RUN_STATUSES]  # type: ignore[valid-type]
    message: str


class RunLog(Answer):
    run_id: int
    limit: int = Field(description="The most lines a run keeps.")
    data: list[LogLine]


class RunChangesAnswer(Answer):
    run_id: int
    data: list[RunChanges]


class OpenApiDocument(Open):
    """This document (it is not wrapped in `success`)."""

    openapi: str
    info: dict[str, Any]
    paths: dict[str, Any]
    components: dict[str, Any]


# The answer of each operation, by operationId: what api/openapi.py puts in the document. The
# views declare only the answer's kind (One, Page, …); the fields of each are named here.
ANSWERS: dict[str, type[BaseModel]] = {
    **record_answers("authorizations", AuthorizationRecord, AuthorizationRecord),
    **record_answers("drugs", DrugRecord, DrugDetail),
    **record_answers("drug_classes", DrugClassRecord, DrugClassRecord),
    "openapi_json": OpenApiDocument,
    "me": one(Me),
    "stats": one(Stats),
    "list_users": page(UserItem),
    "create_user": one(UserItem),
    "get_user": one(UserItem),
    "update_user": one(UserItem),
    "list_tokens": page(TokenItem),
    "create_token": one(TokenIssued),
    "revoke_token": one(TokenItem),
    "audit_log": page(AuditEntry),
    "scrape_status": RunStatus,
    "cancel_scrape": CancelRequested,
    "scrape_runs": page(RunDetail),
    "run_log_lines": RunLog,
    "run_changes": RunChangesAnswer,
    "list_schedules": many(ScheduleState),
    "pause_schedule": one(ScheduleState),
    "resume_schedule": one(ScheduleState),
    "analysis": AnalysisAnswer,
    "list_results": page(StoredResult),
    "get_result": StoredResultWhole,
    "update_result": StoredResultWhole,
    "delete_result": ResultDeleted,
    "compare_runs": Comparison,
    "check_dailymed_contract": one(ContractCheck),
}
