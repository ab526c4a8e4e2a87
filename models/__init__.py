"""The schema, one module per subject: `accounts` (users, tokens, sessions, the account audit
log, failed logins), `runs` (job runs, their log lines, schedules), `analytics` (stored results
and their typed top lists), `records` (the synced datasets and their history; its docstring
explains the bookkeeping every tracked record shares). Every name is re-exported here, so
`from models import X` is the one way the rest of the code reads the schema, and importing
`models` registers every table on `db.metadata` (Alembic and the model/migration check read it)."""

from models.accounts import ROLES, ApiToken, AuditEvent, LoginAttempt, User, UserSession
from models.analytics import (
    AnalyticsResult,
    AnalyticsTopClass,
    AnalyticsTopGenericName,
    AnalyticsTopLabeler,
)
from models.base import utcnow
from models.records import (
    AUTHORIZATION_STATUSES,
    TRACKED_MODELS,
    ActiveIngredient,
    Authorization,
    Drug,
    DrugClass,
    NdcCode,
    RecordChange,
    RecordCount,
    TableVersion,
    TrackedRecord,
    drug_class_memberships,
    kept_count,
    names_an_archived_record,
    not_archived,
    origin_of,
    unarchived,
)
from models.runs import (
    ACTIVE_RUN_STATUSES,
    RUN_STATUSES,
    Run,
    RunLogLine,
    Schedule,
    ScheduleFire,
)

__all__ = [
    "ACTIVE_RUN_STATUSES",
    "AUTHORIZATION_STATUSES",
    "ROLES",
    "RUN_STATUSES",
    "TRACKED_MODELS",
    "ActiveIngredient",
    "AnalyticsResult",
    "AnalyticsTopClass",
    "AnalyticsTopGenericName",
    "AnalyticsTopLabeler",
    "ApiToken",
    "AuditEvent",
    "Authorization",
    "Drug",
    "DrugClass",
    "LoginAttempt",
    "NdcCode",
    "RecordChange",
    "RecordCount",
    "Run",
    "RunLogLine",
    "Schedule",
    "ScheduleFire",
    "TableVersion",
    "TrackedRecord",
    "User",
    "UserSession",
    "drug_class_memberships",
    "kept_count",
    "names_an_archived_record",
    "not_archived",
    "origin_of",
    "unarchived",
    "utcnow",
]
