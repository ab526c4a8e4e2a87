"""A record's JSON reads its columns from what SQLAlchemy has loaded, as fast as a dict
(`TrackedRecord.column_values`), and is still exact when columns are expired — a record just
written, or changed by another connection and expired — or when a column property the JSON does
not show was never loaded (nothing is loaded for it)."""

import sqlalchemy as sa

from database import db
from datasets.authorizations import service as authorizations
from datasets.drugs import service as drugs
from models import Authorization, Drug
from tests.fixtures.dailymed_sync import IBUPROFEN
from tests.fixtures.drugs_api import catalogue
from tests.test_record_archive import synced_authorization

__all__ = ["catalogue"]  # fixtures used by the tests below


def through_attributes(record, names) -> dict:
    """The same values the slow way: each attribute read through the ORM (loading it)."""
    return {name: getattr(record, name) for name in names}


def statements_during(action) -> list[str]:
    seen: list[str] = []

    def note(conn, cursor, statement, *args) -> None:
        seen.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", note)
    try:
        action()
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", note)
    return seen


def by_sql_elsewhere(statement: str, **params) -> None:
    with db.engine.begin() as conn:
        conn.execute(sa.text(statement), params)


def drug(set_id: str) -> Drug:
    db.session.expire_all()
    return db.session.scalars(sa.select(Drug).where(Drug.set_id == set_id)).one()


def test_a_loaded_record_is_read_from_its_loaded_values_and_its_json_is_the_attributes(
    catalogue,
):
    record = drug(IBUPROFEN)
    values = record.column_values()

    assert values is record.__dict__  # every column loaded: no copy, no descriptor
    names = ("id", "set_id", "title", "version", "source_values", "created_at", "archived_at")
    assert {name: values[name] for name in names} == through_attributes(record, names)
    answer = drugs.to_json(record)
    assert answer["title"] == record.title
    assert answer["origin"] == record.origin == "source"
    assert answer["created_at"] == record.created_at.isoformat()
    assert answer["archived"] is False and answer["archived_at"] is None


def test_a_record_with_expired_columns_is_read_again_not_from_stale_or_missing_values(
    catalogue,
):
    record = drug(IBUPROFEN)
    by_sql_elsewhere(
        "UPDATE drugs SET title = 'IBUPROFEN 400 MG tablet', version = version + 1 "
        "WHERE set_id = :set_id",
        set_id=IBUPROFEN,
    )
    db.session.commit()  # expires every loaded column, as after any write
    assert "title" not in record.__dict__

    answer = drugs.to_json(record)

    assert answer["title"] == "IBUPROFEN 400 MG tablet"
    assert answer["version"] == record.version


def test_one_expired_column_is_enough_to_read_through_the_attributes(catalogue):
    record = drug(IBUPROFEN)
    by_sql_elsewhere("UPDATE drugs SET spl_version = 99 WHERE set_id = :set_id", set_id=IBUPROFEN)
    db.session.expire(record, ["spl_version"])

    assert drugs.to_json(record)["spl_version"] == 99


def test_a_column_property_the_json_does_not_show_is_not_loaded_for_it(catalogue):
    record = drug(IBUPROFEN)  # class_ids is deferred: not loaded by a plain select
    assert "class_ids" not in record.__dict__

    statements = statements_during(lambda: drugs.to_json(record))

    assert statements == []
    assert "class_ids" not in record.__dict__


def test_a_record_needing_review_shows_the_persons_value_and_the_sources(app):
    record = db.session.get(Authorization, synced_authorization())
    record.payer = "A payer a person typed"
    record.manual_fields = {"payer": {"source_baseline": "Old payer"}}
    record.source_values = {**record.source_values, "payer": "New payer from the portal"}
    record.needs_review = record.is_manually_edited = True
    db.session.commit()
    db.session.expire_all()
    record = db.session.get(Authorization, record.id)

    answer = authorizations.to_json(record)

    assert answer["edited_fields"] == ["payer"]
    assert answer["review"] == [
        {"field": "payer", "yours": "A payer a person typed", "source": "New payer from the portal"}
    ]
