"""A drugs page shows its drugs' classes from what the process keeps, read once per version of
`drug_classes` (migration 0019: the last transaction that wrote it, set by the database as it
commits, whoever writes). A class corrected through the API, by SQL from another connection or
by a sync shows on the next page; a TRUNCATE and a refill are never taken for what was kept; a
page read inside a transaction that wrote classes keeps nothing; two writers of classes never
deadlock on the version; and a writer with another search_path still commits."""

import threading

import sqlalchemy as sa

from database import db
from models import DrugClass
from tests.fixtures.dailymed_sync import IBUPROFEN
from tests.fixtures.drugs_api import catalogue, find

__all__ = ["catalogue"]  # fixtures used by the tests below


def version() -> int | None:
    db.session.expire_all()
    return db.session.scalar(
        sa.text("SELECT version FROM table_versions WHERE table_name = 'drug_classes'")
    )


def statements_of(client, headers, path: str) -> tuple[dict, list[str]]:
    seen: list[str] = []

    def note(conn, cursor, statement, *args) -> None:
        seen.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", note)
    try:
        answer = client.get(path, headers=headers)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", note)
    assert answer.status_code == 200, answer.json
    return answer.json, seen


def reads_classes(statements: list[str]) -> bool:
    return any(s.lstrip().startswith("SELECT drug_classes.id") for s in statements)


def class_names(item: dict) -> list[str]:
    return [c["name"] for c in item["classes"]]


def by_sql_elsewhere(statement: str, **params) -> None:
    """As another process would write: its own connection and transaction."""
    with db.engine.begin() as conn:
        conn.execute(sa.text(statement), params)


def test_a_page_reads_classes_once_per_version_and_shows_a_change_made_elsewhere_at_once(
    client, bearer, catalogue
):
    headers = bearer("viewer")
    client.get("/api/drugs", headers=headers)  # the token's first use; its classes read
    _, seen = statements_of(client, headers, "/api/drugs?per_page=100")
    assert not reads_classes(seen)  # every class of the four drugs kept by the first page

    before = version()
    nsaid = db.session.scalar(sa.select(DrugClass).where(DrugClass.class_type == "EPC"))
    by_sql_elsewhere("UPDATE drug_classes SET name = 'NSAID (renamed)' WHERE id = :id", id=nsaid.id)
    assert version() != before
    renamed, seen = statements_of(client, headers, "/api/drugs?per_page=100")
    assert reads_classes(seen)
    assert "NSAID (renamed)" in class_names(
        next(d for d in renamed["data"] if d["set_id"] == IBUPROFEN)
    )
    assert (
        find(client, headers, IBUPROFEN)["classes"]
        == next(d for d in renamed["data"] if d["set_id"] == IBUPROFEN)["classes"]
    )


def test_a_class_corrected_through_the_api_shows_on_the_drugs_list_and_detail_at_once(
    client, bearer, catalogue
):
    viewer, editor = bearer("viewer"), bearer("editor")
    ibuprofen = find(client, viewer, IBUPROFEN)  # classes kept by the process
    kept = ibuprofen["classes"][0]
    current = client.get(f"/api/drug-classes/{kept['id']}", headers=editor).json["data"]
    patched = client.patch(
        f"/api/drug-classes/{kept['id']}",
        json={"name": "Cyclooxygenase Inhibitors (corrected)", "version": current["version"]},
        headers=editor,
    )
    assert patched.status_code == 200, patched.json
    listed = find(client, viewer, IBUPROFEN)
    assert "Cyclooxygenase Inhibitors (corrected)" in class_names(listed)
    detail = client.get(f"/api/drugs/{listed['id']}", headers=viewer).json["data"]
    assert detail["classes"] == listed["classes"]


def test_the_version_moves_as_a_writer_commits_never_before(app):
    db.session.add(DrugClass(code="N0001", coding_system="x", name="Kinase", class_type="EPC"))
    db.session.commit()
    written = version()
    assert written is not None
    with db.engine.connect() as writer:
        writer.execute(sa.text("UPDATE drug_classes SET name = 'Kinases'"))
        assert version() == written  # not committed: readers keep the old version
        writer.commit()
    updated = version()
    assert updated not in (None, written)
    by_sql_elsewhere("DELETE FROM drug_classes")
    deleted = version()
    assert deleted not in (written, updated)
    by_sql_elsewhere("TRUNCATE drug_classes CASCADE")
    assert version() not in (written, updated, deleted)


def test_emptied_and_refilled_classes_are_never_taken_for_the_kept_ones(client, bearer, catalogue):
    """Ids start over after a TRUNCATE … RESTART IDENTITY: a new class with an old id must
    show its own name, which it does because the version is a new transaction's."""
    headers = bearer("viewer")
    listed = find(client, headers, IBUPROFEN)
    old_ids = {c["id"] for c in listed["classes"]}
    with db.engine.begin() as conn:
        conn.execute(sa.text("TRUNCATE drug_classes RESTART IDENTITY CASCADE"))
        conn.execute(
            sa.text(
                "INSERT INTO drug_classes (code, coding_system, name, class_type, version, "
                "source_values, manual_fields, is_manually_edited, needs_review, "
                "missing_from_source, created_at, updated_at) "
                "SELECT 'N' || n, 'x', 'Refilled ' || n, 'EPC', 1, '{}', '{}', false, false, "
                "false, now(), now() FROM generate_series(1, 9) n"
            )
        )
        conn.execute(
            sa.text(
                "INSERT INTO drug_class_memberships (drug_id, drug_class_id) "
                "SELECT :drug, id FROM drug_classes WHERE id = ANY(:ids)"
            ),
            {"drug": listed["id"], "ids": sorted(old_ids)},
        )
    refilled = find(client, headers, IBUPROFEN)
    assert {c["id"] for c in refilled["classes"]} == old_ids
    assert all(c["name"].startswith("Refilled ") for c in refilled["classes"])


def test_two_writers_of_classes_never_deadlock_on_the_version(app):
    """The first writer has changed a class and not committed; a second changes another and
    commits; the first then changes the second's class too. Had the version been set at each
    statement, the second would wait for the first's version while holding its class, and the
    first for that class: a deadlock. Set at commit, both commit."""
    for code in ("N1", "N2"):
        db.session.add(DrugClass(code=code, coding_system="x", name=code, class_type="EPC"))
    db.session.commit()
    errors: list[BaseException] = []
    second_done, engine = threading.Event(), db.engine

    def second_writer() -> None:
        try:
            with engine.begin() as conn:
                conn.execute(sa.text("SET LOCAL lock_timeout = '5s'"))
                conn.execute(sa.text("UPDATE drug_classes SET name = 'second' WHERE code = 'N2'"))
        except BaseException as error:  # reported by the test
            errors.append(error)
        finally:
            second_done.set()

    with engine.connect() as first:
        first.execute(sa.text("SET LOCAL lock_timeout = '5s'"))
        first.execute(sa.text("UPDATE drug_classes SET name = 'first' WHERE code = 'N1'"))
        threading.Thread(target=second_writer).start()
        assert second_done.wait(10) and not errors, errors
        first.execute(sa.text("UPDATE drug_classes SET name = 'first too' WHERE code = 'N2'"))
        first.commit()
    names = dict(db.session.execute(sa.select(DrugClass.code, DrugClass.name)).all())
    assert names == {"N1": "first", "N2": "first too"}


def test_a_page_read_by_a_transaction_that_wrote_classes_keeps_none_of_them(
    client, bearer, catalogue
):
    """Classes read inside a transaction that has written them are not committed (and may be
    rolled back): the page shows them, the process keeps nothing of them."""
    from datasets.drugs import service

    headers = bearer("viewer")
    kept = find(client, headers, IBUPROFEN)["classes"][0]
    db.session.remove()
    db.session.execute(
        sa.text("UPDATE drug_classes SET name = 'UNCOMMITTED' WHERE id = :id"), {"id": kept["id"]}
    )
    by_sql_elsewhere("UPDATE drug_classes SET name = name WHERE id <> :id", id=kept["id"])
    page = db.session.scalars(service.list_query({}).options(*service.list_options())).all()
    shown = {c["name"] for item in service.list_json(page) for c in item["classes"]}
    assert "UNCOMMITTED" in shown  # the transaction sees its own write
    db.session.rollback()
    assert kept in find(client, headers, IBUPROFEN)["classes"]


def test_a_writer_with_another_search_path_still_commits(app, catalogue):
    """The version's function runs with the search_path it was made with: a writer whose own
    has no `table_versions` (pg_restore --data-only sets it empty) commits, and moves it."""
    before = version()
    with db.engine.connect() as writer:
        writer.execute(sa.text("SET LOCAL search_path = pg_catalog"))  # until it commits
        writer.execute(sa.text("UPDATE public.drug_classes SET name = name || '.'"))
        writer.commit()
    assert version() not in (None, before)
