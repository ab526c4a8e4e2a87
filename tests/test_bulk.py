"""Set-based writes keep every value exactly, whatever characters it holds."""

from datetime import UTC, date, datetime

import psycopg2
import pytest
import sqlalchemy as sa

from database import db
from merge import bulk
from models import Drug

AWKWARD = [
    "quote \" and apostrophe ' and backslash \\",
    "braces {a,b} and commas, NULL and (parentheses)",
    "tab\tnewline\nreturn\r",
    "ünïcödé — 日本語 — emoji 💊",
    "",
    "NULL",
]


def drug_row(i: int, title: str) -> dict:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    return {
        "set_id": f"set-{i}",
        "title": title,
        "spl_version": i if i % 2 else None,
        "published_date": date(2024, 11, 13) if i % 2 else None,
        "source_values": {"title": title, "nested": [1, {"x": title}]},
        "manual_fields": {},
        "version": 1,
        "is_manually_edited": False,
        "needs_review": False,
        "missing_from_source": False,
        "created_at": now,
        "updated_at": now,
    }


def stored_drugs() -> dict[str, Drug]:
    db.session.expire_all()
    return {d.set_id: d for d in db.session.scalars(sa.select(Drug))}


def assert_stored_as_given(rows: list[dict]) -> None:
    stored = stored_drugs()
    for row in rows:
        drug = stored[row["set_id"]]
        assert (drug.title, drug.spl_version, drug.published_date, drug.source_values) == (
            row["title"],
            row["spl_version"],
            row["published_date"],
            row["source_values"],
        )


def test_insert_rows_keeps_awkward_text_nulls_dates_and_json(app):
    rows = [drug_row(i, title) for i, title in enumerate(AWKWARD)]
    returned = bulk.insert_rows(Drug.__table__, rows, returning=("id", "set_id"))
    db.session.commit()

    assert sorted(set_id for _, set_id in returned) == sorted(r["set_id"] for r in rows)
    assert_stored_as_given(rows)


def test_insert_new_rows_copies_awkward_values_and_answers_ids_in_row_order(app):
    rows = [drug_row(i, title) for i, title in enumerate(AWKWARD)]
    ids = bulk.insert_new_rows(Drug.__table__, rows)
    db.session.commit()

    stored = stored_drugs()
    assert [stored[row["set_id"]].id for row in rows] == ids
    assert_stored_as_given(rows)
    later = bulk.insert_rows(Drug.__table__, [drug_row(99, "later")], returning=("id",))
    assert later[0][0] > max(ids)  # the sequence moved past the ids drawn


def test_insert_new_rows_refuses_a_key_that_exists(app):
    bulk.insert_new_rows(Drug.__table__, [drug_row(1, "first")])
    with pytest.raises(psycopg2.IntegrityError, match="set_id"):
        bulk.insert_new_rows(Drug.__table__, [drug_row(2, "second"), drug_row(1, "again")])
    db.session.rollback()
    assert stored_drugs() == {}


def test_insert_rows_on_conflict_returns_only_rows_written(app):
    bulk.insert_rows(Drug.__table__, [drug_row(1, "first")])
    returned = bulk.insert_rows(
        Drug.__table__,
        [drug_row(1, "again"), drug_row(2, "second")],
        returning=("set_id",),
        on_conflict="ON CONFLICT (set_id) DO NOTHING",
    )
    db.session.commit()

    assert returned == [("set-2",)]
    assert stored_drugs()["set-1"].title == "first"


def test_update_rows_sets_each_row_its_own_values(app):
    ids = dict(
        (set_id, id)
        for id, set_id in bulk.insert_rows(
            Drug.__table__,
            [drug_row(i, "old") for i in range(3)],
            returning=("id", "set_id"),
        )
    )
    bulk.update_rows(
        Drug.__table__,
        [
            {"id": ids["set-0"], "title": AWKWARD[0], "spl_version": 7},
            {"id": ids["set-2"], "title": AWKWARD[3], "spl_version": None},
        ],
    )
    db.session.commit()

    stored = stored_drugs()
    assert (stored["set-0"].title, stored["set-0"].spl_version) == (AWKWARD[0], 7)
    assert (stored["set-1"].title, stored["set-1"].spl_version) == ("old", 1)
    assert (stored["set-2"].title, stored["set-2"].spl_version) == (AWKWARD[3], None)


def test_an_over_long_value_is_refused_not_truncated(app):
    row = drug_row(1, "x")
    row["set_id"] = "s" * 65  # the column is VARCHAR(64)
    with pytest.raises(psycopg2.DataError, match="too long"):
        bulk.insert_rows(Drug.__table__, [row])
    db.session.rollback()
    assert stored_drugs() == {}
