"""An unfiltered list answers the total the database keeps (migration 0018's `record_counts`,
kept by triggers whoever writes) instead of counting every row on every page; a filtered list
still counts. The kept count is exact after a sync, an add, an archive, a restore, a removal,
a bulk action, a TRUNCATE and concurrent writers, and readers count exactly while it is missing."""

import threading

import pytest
import sqlalchemy as sa

from database import db
from models import Authorization, Drug, DrugClass
from tests.fixtures.dailymed_sync import run_sync
from tests.test_record_archive import NEW_RECORDS, synced_authorization

TABLES = {"drugs": Drug, "drug-classes": DrugClass, "authorizations": Authorization}


def kept() -> dict[str, int]:
    db.session.expire_all()
    rows = db.session.execute(sa.text("SELECT table_name, unarchived FROM record_counts"))
    return dict(rows.all())


def exact(model) -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(model).where(model.archived_at.is_(None))
    )


def assert_kept_counts_exact() -> None:
    counts = kept()
    for model in TABLES.values():
        assert counts.get(model.__tablename__, exact(model)) == exact(model), model.__tablename__


def listed_total(person, dataset: str, query: str = "") -> int:
    answer = person.get(f"/api/{dataset}?per_page=1{query}")
    assert answer.status_code == 200, answer.json
    assert answer.json["total_exact"] is True
    return answer.json["total"]


def set_kept(table: str, value: int) -> None:
    """Make the kept count wrong on purpose: only a list that reads it can answer `value`."""
    db.session.execute(
        sa.text(
            "INSERT INTO record_counts VALUES (:table, :value) "
            "ON CONFLICT (table_name) DO UPDATE SET unarchived = :value"
        ),
        {"table": table, "value": value},
    )
    db.session.commit()


def test_a_sync_leaves_every_kept_count_exact(dailymed_app, sandbox_dailymed, viewer):
    base_url, state = sandbox_dailymed
    dailymed_app(base_url)
    assert run_sync().status == "completed"
    assert kept()["drugs"] == state.totals.labels
    assert kept()["drug_classes"] == state.totals.classes
    assert_kept_counts_exact()
    assert listed_total(viewer, "drugs") == state.totals.labels
    assert run_sync().status == "completed"  # a sync that changes nothing writes no count
    assert kept()["drugs"] == state.totals.labels


@pytest.mark.parametrize("dataset", sorted(TABLES))
def test_the_unfiltered_list_reads_the_kept_count_and_a_filtered_one_counts(dataset, admin, editor):
    table = TABLES[dataset].__tablename__
    for n in range(3):
        body = {**NEW_RECORDS[dataset]}
        for field in ("authorization_number", "code"):
            if field in body:
                body[field] = f"{body[field]}-{n}"
        if "set_id" in body:
            body["set_id"] = f"22222222-3333-4444-8555-66666666666{n}"
        assert editor.post(f"/api/{dataset}", json=body).status_code == 201
    assert kept()[table] == 3 == listed_total(admin, dataset)
    set_kept(table, 41)
    assert listed_total(admin, dataset) == 41  # read, not counted
    assert listed_total(admin, dataset, "&archived=false&sort=-id&page=1") == 41
    assert listed_total(admin, dataset, "&page=9") == 3  # past the last page: counted
    assert listed_total(admin, dataset, "&archived=all") == 3  # a filter: counted
    assert listed_total(admin, dataset, "&needs_review=false") == 3
    db.session.execute(sa.text("DELETE FROM record_counts WHERE table_name = :t"), {"t": table})
    db.session.commit()
    assert listed_total(admin, dataset) == 3  # no kept count: counted exactly


def test_archive_restore_remove_and_bulk_actions_keep_the_count(admin, editor):
    ids = [synced_authorization(str(n), f"Patient {n}") for n in range(5)]
    versions = {record_id: 1 for record_id in ids}

    def version_of(record_id: int) -> int:
        return admin.get(f"/api/authorizations/{record_id}").json["data"]["version"]

    assert kept()["authorizations"] == 5
    archived = admin.delete(f"/api/authorizations/{ids[0]}?version={versions[ids[0]]}")
    assert archived.json["data"]["outcome"] == "archived"
    assert kept()["authorizations"] == 4 == listed_total(admin, "authorizations")
    restored = editor.post(
        f"/api/authorizations/{ids[0]}/restore", json={"version": version_of(ids[0])}
    )
    assert restored.status_code == 200, restored.json
    assert kept()["authorizations"] == 5
    made = editor.post("/api/authorizations", json=NEW_RECORDS["authorizations"]).json["data"]
    assert kept()["authorizations"] == 6
    removed = admin.delete(f"/api/authorizations/{made['id']}?version={made['version']}")
    assert removed.json["data"]["outcome"] == "deleted"  # a manual record goes for good
    assert kept()["authorizations"] == 5
    items = [{"id": i, "version": version_of(i)} for i in ids[1:4]]
    answer = admin.post("/api/authorizations/bulk", json={"action": "archive", "items": items})
    assert answer.status_code == 200, answer.json
    assert kept()["authorizations"] == 2 == listed_total(admin, "authorizations")
    assert_kept_counts_exact()


def test_truncate_leaves_zero(app):
    synced_authorization()
    assert kept()["authorizations"] == 1
    db.session.execute(sa.text("TRUNCATE authorizations CASCADE"))
    db.session.commit()
    assert kept()["authorizations"] == 0


def waiting_for_a_lock() -> bool:
    return bool(
        db.session.scalar(
            sa.text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'")
        )
    )


@pytest.mark.parametrize("counted_before", [True, False], ids=["kept", "not yet kept"])
def test_concurrent_writers_lose_no_change(app, counted_before):
    """Two transactions add authorizations at once, the second writing while the first has
    not committed (with and without a count row to start from): the count holds both."""
    synced_authorization("0")
    if not counted_before:
        db.session.execute(sa.text("DELETE FROM record_counts"))
        db.session.commit()
    table, engine = Authorization.__table__, db.engine

    def rows(first: int) -> list[dict]:
        return [
            {"source": "sandbox", "source_key": str(n), "patient_name": "P", "status": "Pending"}
            for n in range(first, first + 10)
        ]

    errors: list[BaseException] = []

    def second_writer() -> None:
        try:
            with engine.begin() as conn:
                conn.execute(table.insert(), rows(200))  # waits for the first's count
        except BaseException as error:  # reported by the test
            errors.append(error)

    with engine.connect() as first:
        first.execute(table.insert(), rows(100))
        second = threading.Thread(target=second_writer)
        second.start()
        for _ in range(200):
            if waiting_for_a_lock():
                break
            threading.Event().wait(0.05)
        assert waiting_for_a_lock(), "the second writer should wait for the first's count"
        first.commit()
    second.join(30)
    assert not errors, errors
    assert exact(Authorization) == 21
    assert kept()["authorizations"] == 21
