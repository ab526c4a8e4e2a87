"""The load benchmark's data: the analytics benchmark's DailyMed-shaped labels
(`bench.analytics_data`), portal authorizations as the sandbox portal draws them, people with
bearer tokens, and the paths each endpoint is asked for. All written with COPY or in one
transaction; none of it is timed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote

import sqlalchemy as sa

import accounts
from bench.analytics import chosen_filters
from bench.analytics_data import generate
from database import db
from merge import bulk
from models import Authorization, User
from sandbox.portal import PortalState

PASSWORD = "bench-password-123"
SOURCE = "sandbox"  # the portal profile the authorizations came from
AUTHORIZATION_COLUMNS = ("source", "source_key", "patient_name", "authorization_number", "status",
                         "payer", "service_start", "service_end", "amount", "extra",
                         "source_values", "version", "manual_fields", "is_manually_edited",
                         "needs_review", "missing_from_source", "created_at",
                         "updated_at")  # fmt: skip
SAMPLES = 60  # distinct names and NDCs the search endpoints go through


def add_authorizations(count: int) -> int:
    """`count` authorizations as the sandbox portal shows them, stored as a portal sync stores
    them (source, source key, source values), with COPY."""
    now = datetime.now(UTC)
    rows = []
    for row in PortalState(rows=count, delay_ms=0).rows:
        values = {
            "patient_name": row.patient_name,
            "authorization_number": row.authorization_number,
            "status": row.status,
            "payer": row.payer,
            "service_start": row.service_start.isoformat(),
            "service_end": row.service_end.isoformat(),
        }
        rows.append(
            (SOURCE, row.authorization_number, row.patient_name, row.authorization_number,
             row.status, row.payer, row.service_start, row.service_end, None,
             {}, values, 1, {}, False, False, False, now, now)
        )  # fmt: skip
    written = bulk.copy_rows(Authorization.__table__, AUTHORIZATION_COLUMNS, rows)
    db.session.commit()
    return written


def people_with_tokens(count: int) -> list[str]:
    """`count` viewers, each with a bearer token of their own; the tokens. One password hash
    serves them all (argon2 takes half a second a hash, on purpose)."""
    first = accounts.create_user("bench-load-1", PASSWORD, "viewer")
    people = [first] + [
        User(username=f"bench-load-{n}", password_hash=first.password_hash, role="viewer")
        for n in range(2, count + 1)
    ]
    db.session.add_all(people[1:])
    db.session.flush()
    tokens = [accounts.create_token(person, "load benchmark").plaintext for person in people]
    db.session.commit()
    return tokens


@dataclass(frozen=True)
class Endpoint:
    name: str
    paths: list[str]
    signed_in: bool = True
    is_list: bool = False  # held to the list targets (half the ceiling, p99 at 16 users)

    @property
    def in_rounds(self) -> bool:
        """The ceiling and the lists, whose targets are ratios: measured in rounds, side by
        side (bench.load's `rounds`)."""
        return self.is_list or not self.signed_in


def endpoints(drugs: int) -> list[Endpoint]:
    """What the benchmark asks for, in order: /health first (the ceiling)."""
    (class_filter, _labeler_filter) = chosen_filters(drugs).values()
    class_id = class_filter["class_id"]
    return [
        Endpoint("/health (ceiling)", ["/health"], signed_in=False),
        Endpoint("drugs list", ["/api/drugs"], is_list=True),
        Endpoint("authorizations list", ["/api/authorizations"], is_list=True),
        Endpoint("drugs search by name", [f"/api/drugs?q={quote(term)}" for term in _names()]),
        Endpoint("drugs search by NDC", [f"/api/drugs?ndc={quote(code)}" for code in _ndcs()]),
        Endpoint("analytics ndc, class filter", [f"/api/analytics/ndc?class_id={class_id}"]),
        Endpoint(
            "drugs CSV export, class filter", [f"/api/drugs/export.csv?drug_class_id={class_id}"]
        ),
    ]


def _every_nth(sql: str) -> list[str]:
    """SAMPLES values of `sql`'s single column spread evenly over its rows, in a fixed order."""
    values = [row[0] for row in db.session.execute(sa.text(sql))]
    step = max(1, len(values) // SAMPLES)
    return values[::step][:SAMPLES]


def _names() -> list[str]:
    """Brand names, or a label's first generic word: what people type."""
    return _every_nth(
        "SELECT coalesce(brand_name, split_part(generic_name, ' ', 1)) FROM drugs "
        "WHERE coalesce(brand_name, generic_name) <> '' ORDER BY id"
    )


def _ndcs() -> list[str]:
    """Package NDCs as printed on the labels."""
    return _every_nth("SELECT ndc FROM ndc_codes WHERE kind = 'package' ORDER BY id")


def fill(drugs: int, authorizations: int) -> dict[str, int]:
    """The labels and authorizations, then VACUUM ANALYZE (as autovacuum would have by then);
    the rows written per table."""
    rows = generate(drugs).rows
    rows["authorizations"] = add_authorizations(authorizations)
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text("VACUUM ANALYZE"))
    return rows
