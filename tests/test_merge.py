"""The merge rules: syncs never duplicate, never merge two rows, never undo a person's edit."""

from datetime import date

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import merge
from database import db
from datasets import authorizations
from models import Authorization, RecordChange, Run, User

DATASET = authorizations.dataset("sandbox")


def new_run() -> int:
    run = Run(source="portal", status="completed")
    db.session.add(run)
    db.session.commit()
    return run.id


def row(key: str, **fields) -> dict:
    base = {
        "source_key": key,
        "patient_name": f"Patient {key}",
        "authorization_number": f"PA-{key}",
        "status": "Pending",
        "payer": "Acme Health",
        "service_start": date(2026, 1, 1),
        "service_end": date(2026, 6, 30),
        "amount": None,
        "extra": {},
    }
    base.update(fields)
    return base


def sync(*rows: dict) -> merge.MergeCounts:
    run_id = new_run()
    counts = merge.merge_rows(DATASET, list(rows), run_id).counts
    counts.missing = merge.mark_missing(DATASET, run_id)
    db.session.commit()
    return counts


def record(key: str) -> Authorization:
    db.session.expire_all()
    return db.session.scalar(sa.select(Authorization).where(Authorization.source_key == key))


@pytest.fixture
def reviewer(app) -> int:
    user = User(username="rita", password_hash="x", role="editor")
    db.session.add(user)
    db.session.commit()
    return user.id


def edit(record_id: int, user_id: int, **changes) -> None:
    rec = merge.lock(Authorization, record_id)
    merge.apply_manual_edit(rec, changes, merge.Actor.user(user_id), expected_version=None)
    db.session.commit()


def test_first_sync_inserts_every_row(app):
    counts = sync(row("1"), row("2"))
    assert (counts.found, counts.inserted, counts.updated) == (2, 2, 0)
    assert db.session.scalar(sa.select(sa.func.count(Authorization.id))) == 2


def test_rerunning_a_sync_changes_nothing_and_duplicates_nothing(app):
    sync(row("1"), row("2"))
    counts = sync(row("1"), row("2"))
    assert (counts.inserted, counts.updated, counts.unchanged) == (0, 0, 2)
    assert db.session.scalar(sa.select(sa.func.count(Authorization.id))) == 2


def test_two_source_rows_with_one_key_are_refused_not_merged(app):
    with pytest.raises(ValueError, match="share the key"):
        sync(row("1"), row("1", patient_name="Someone Else"))


def test_a_changed_source_field_is_updated_and_recorded(app):
    sync(row("1"))
    counts = sync(row("1", status="Approved"))
    assert counts.updated == 1
    rec = record("1")
    assert rec.status == "Approved" and rec.version == 2
    change = db.session.scalar(sa.select(RecordChange).where(RecordChange.action == "sync_update"))
    assert (change.field, change.old_value, change.new_value) == ("status", "Pending", "Approved")
    assert change.actor_type == "sync" and change.run_id is not None


def test_a_persons_edit_survives_a_sync_that_repeats_the_old_value(app, reviewer):
    sync(row("1"))
    edit(record("1").id, reviewer, status="Denied")
    counts = sync(row("1"))
    rec = record("1")
    assert rec.status == "Denied" and rec.is_manually_edited and not rec.needs_review
    assert counts.kept_manual == 1


def test_source_changing_a_corrected_field_flags_review_with_both_values(app, reviewer):
    sync(row("1"))
    edit(record("1").id, reviewer, status="Denied")
    sync(row("1", status="Approved"))
    rec = record("1")
    assert rec.status == "Denied"
    assert rec.needs_review
    assert authorizations.service.to_json(rec)["review"] == [
        {"field": "status", "yours": "Denied", "source": "Approved"}
    ]


def test_reviewer_keeps_their_value(app, reviewer):
    sync(row("1"))
    edit(record("1").id, reviewer, status="Denied")
    sync(row("1", status="Approved"))
    merge.resolve_review(record("1"), "status", "keep", merge.Actor.user(reviewer))
    db.session.commit()
    rec = record("1")
    assert rec.status == "Denied" and not rec.needs_review and rec.is_manually_edited
    sync(row("1", status="Approved"))  # the same source value again: no new review
    assert not record("1").needs_review


def test_reviewer_takes_the_source_value(app, reviewer):
    sync(row("1"))
    edit(record("1").id, reviewer, status="Denied")
    sync(row("1", status="Approved"))
    merge.resolve_review(record("1"), "status", "source", merge.Actor.user(reviewer))
    db.session.commit()
    rec = record("1")
    assert rec.status == "Approved" and not rec.needs_review and not rec.is_manually_edited
    sync(row("1", status="Expired"))  # no longer protected: the source wins again
    assert record("1").status == "Expired"


def test_editing_a_field_back_to_the_source_value_ends_the_override(app, reviewer):
    sync(row("1"))
    rec_id = record("1").id
    edit(rec_id, reviewer, status="Denied")
    edit(rec_id, reviewer, status="Pending")
    assert not record("1").is_manually_edited


def test_when_the_source_catches_up_with_a_correction_the_override_ends(app, reviewer):
    sync(row("1"))
    edit(record("1").id, reviewer, status="Denied")
    sync(row("1", status="Denied"))
    rec = record("1")
    assert rec.status == "Denied" and not rec.is_manually_edited and not rec.needs_review
    sync(row("1", status="Expired"))
    assert record("1").status == "Expired"


def test_rows_missing_from_the_source_are_kept_and_marked(app):
    sync(row("1"), row("2"))
    counts = sync(row("1"))
    assert counts.missing == 1
    gone = record("2")
    assert gone is not None and gone.missing_from_source
    sync(row("1"), row("2"))
    assert not record("2").missing_from_source


def test_a_stale_version_is_a_conflict(app, reviewer):
    sync(row("1"))
    rec = record("1")
    with pytest.raises(merge.Conflict):
        merge.apply_manual_edit(
            rec, {"status": "Denied"}, merge.Actor.user(reviewer), expected_version=rec.version - 1
        )


# --- property: no interleaving of syncs and edits loses a person's value ----------------------

STATUSES = ("Pending", "Approved", "Denied", "Expired")
operations = st.lists(
    st.one_of(
        st.tuples(st.just("sync"), st.sampled_from(STATUSES), st.sampled_from(["A", "B", "C"])),
        st.tuples(st.just("edit"), st.sampled_from(STATUSES), st.none()),
        st.tuples(st.just("edit_payer"), st.none(), st.sampled_from(["X", "Y"])),
        st.tuples(st.just("keep"), st.none(), st.none()),
    ),
    min_size=1,
    max_size=12,
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ops=operations)
def test_no_interleaving_of_syncs_and_edits_loses_a_persons_value(app, reviewer, ops):
    db.session.execute(sa.text("TRUNCATE authorizations, record_changes RESTART IDENTITY CASCADE"))
    db.session.commit()
    sync(row("1"))
    rec_id = record("1").id
    source = {"status": "Pending", "payer": "Acme Health"}
    mine: dict[str, str] = {}  # what the person last set, per field
    for op, status, payer in ops:
        if op == "sync":
            source = {"status": status, "payer": payer}
            sync(row("1", **source))
            for name in [n for n, v in mine.items() if v == source[n]]:
                del mine[name]  # the source caught up with the person
        elif op in ("edit", "edit_payer"):
            name, value = ("status", status) if op == "edit" else ("payer", payer)
            edit(rec_id, reviewer, **{name: value})
            if value == source[name]:  # agreeing with the source is not an override
                mine.pop(name, None)
            else:
                mine[name] = value
        elif op == "keep":
            rec = record("1")
            for name in merge.fields_needing_review(rec):
                merge.resolve_review(rec, name, "keep", merge.Actor.user(reviewer))
            db.session.commit()
        rec = record("1")
        for name, value in mine.items():
            assert getattr(rec, name) == value, (name, ops)
        for name in ("status", "payer"):
            if name not in mine:
                assert getattr(rec, name) == source[name]
            assert rec.source_values[name] == source[name]
        flagged = merge.fields_needing_review(rec)
        assert rec.needs_review == bool(flagged)


def test_a_source_number_already_taken_by_a_correction_is_held_for_review(app, reviewer):
    """A person gave record 1 the number the source later uses for a new row: the sync
    still completes, the new row keeps the number aside and asks for review."""
    sync(row("1"), row("2"))
    edit(record("1").id, reviewer, authorization_number="PA-3")
    run_id = new_run()
    result = merge.merge_rows(DATASET, [row("1"), row("2"), row("3")], run_id)
    db.session.commit()
    assert result.counts.inserted == 1
    assert result.warnings and "PA-3" in result.warnings[0]
    newcomer = record("3")
    assert newcomer.authorization_number is None and newcomer.needs_review
    assert newcomer.source_values["authorization_number"] == "PA-3"
    assert record("1").authorization_number == "PA-3"  # the person's value stands
    again = sync(row("1"), row("2"), row("3"))  # and later syncs do not fail either
    assert again.inserted == 0


def test_a_source_renumbering_onto_a_taken_number_keeps_the_old_one_for_review(app, reviewer):
    sync(row("1"), row("2"))
    edit(record("1").id, reviewer, authorization_number="PA-9")
    sync(row("1"), row("2", authorization_number="PA-9"))
    moved = record("2")
    assert moved.authorization_number == "PA-2" and moved.needs_review
    assert merge.fields_needing_review(moved) == ["authorization_number"]


def test_the_source_swapping_two_numbers_in_one_batch_swaps_them(app):
    sync(row("1", authorization_number="PA-A"), row("2", authorization_number="PA-B"))
    counts = sync(row("1", authorization_number="PA-B"), row("2", authorization_number="PA-A"))
    assert counts.updated == 2
    assert (record("1").authorization_number, record("2").authorization_number) == (
        "PA-B",
        "PA-A",
    )
    assert not record("1").needs_review and not record("2").needs_review


def test_a_number_kept_back_stays_taken_for_the_rest_of_the_batch(app):
    """B may not take C's number, so B keeps its own — which A wanted: A keeps its own too."""
    sync(
        row("A", authorization_number="PA-A"),
        row("B", authorization_number="PA-B"),
        row("C", authorization_number="PA-C"),
    )
    counts = sync(
        row("A", authorization_number="PA-B"),
        row("B", authorization_number="PA-C"),
        row("C", authorization_number="PA-C"),
    )
    assert (counts.updated, counts.flagged) == (2, 2)
    numbers = {key: record(key).authorization_number for key in "ABC"}
    assert numbers == {"A": "PA-A", "B": "PA-B", "C": "PA-C"}
    assert record("A").needs_review and record("B").needs_review
    assert record("A").source_values["authorization_number"] == "PA-B"
    history = db.session.execute(
        sa.select(RecordChange.action, RecordChange.old_value, RecordChange.new_value).where(
            RecordChange.record_id == record("A").id,
            RecordChange.field == "authorization_number",
        )
    ).all()
    assert history == [("sync_source_changed", "PA-A", "PA-B")]  # not an update that never was


def test_a_new_row_may_not_take_the_number_of_a_record_changing_something_else(app):
    sync(row("A", authorization_number="PA-A"))
    counts = sync(
        row("A", authorization_number="PA-A", status="Approved"),
        row("D", authorization_number="PA-A"),
    )
    assert (counts.updated, counts.inserted) == (1, 1)
    assert record("A").status == "Approved" and record("A").authorization_number == "PA-A"
    newcomer = record("D")
    assert newcomer.authorization_number is None and newcomer.needs_review
