"""The kept counts (`analytics.kept`): the unfiltered ndc, drug-classes, quality and names analyses
read them, and after any write — a sync, a correction, an archive, a class archived, codes
replaced, names changed, a drug deleted, a table truncated — they answer exactly what counting
the source tables answers, and they match a build from scratch. A catch-up derives again only
the drugs a write noted."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa

from analytics import drug_classes, kept, kept_sql, names, ndc, quality
from analytics.filters import Filters
from analytics.registry import compute
from analytics.stem_rules import CUTS, EXAMPLES, cut_sql, long_enough_sql
from database import db
from models import Drug, DrugClass, NdcCode, drug_class_memberships
from tests.test_analytics import sync_sandbox

COUNTED: dict[str, Callable[[Filters], dict[str, Any]]] = {
    "ndc": ndc.analyze,
    "drug-classes": drug_classes.analyze,
    "quality": quality.analyze,
    "names": names.analyze,
}


@pytest.fixture
def synced(dailymed_app, start_sandbox_dailymed) -> None:
    sync_sandbox(dailymed_app, start_sandbox_dailymed)


def assert_kept_answers_as_counted() -> None:
    """Each kept analysis equals the one counted from the source tables, and the kept counts
    equal those of a build from scratch."""
    for name, counted in COUNTED.items():
        kept_answer = compute(name, Filters())
        db.session.rollback()
        assert kept_answer == counted(Filters()), name
        db.session.rollback()
    assert kept_state() == built_from_scratch()
    stems = kept_stems()
    assert stems == stems_from_the_counts()
    assert not kept_state()[0] or any(moieties >= 2 for _, _, moieties, *_ in stems)


def kept_state() -> tuple[set[tuple], set[tuple]]:
    c, g = kept.counts.c, kept.groups.c
    return (
        set(db.session.execute(sa.select(c.kind, c.grp, c.key, c.labels, c.weight)).all()),
        set(db.session.execute(sa.select(g.kind, g.grp, g.key_count)).all()),
    )


def kept_stems() -> set[tuple]:
    s = kept.stems.c
    return {
        (*row[:5], tuple(row.examples))
        for row in db.session.execute(
            sa.select(s.kind, s.stem, s.moieties, s.names_sum, s.labels_sum, s.examples)
        )
    }


def stems_from_the_counts() -> set[tuple]:
    """Every stem of every kept moiety with its moieties, the sums of their names and labels,
    and its first names, counted in one go from the kept names and labels per moiety."""
    rows = db.session.execute(
        sa.text(
            "WITH per_moiety AS (SELECT g.grp AS moiety, g.key_count AS names, c.labels "
            "FROM analytics_groups g JOIN analytics_counts c ON c.kind = 'moiety' "
            "AND c.grp = '' AND c.key = g.grp WHERE g.kind = 'name_moiety'), "
            f"stems AS (SELECT l.kind, {cut_sql('m.moiety')} AS stem, m.* FROM per_moiety m "
            f"CROSS JOIN {CUTS} AS l (kind, length) WHERE {long_enough_sql('m.moiety')}) "
            "SELECT s.kind, s.stem, count(*), sum(s.names), sum(s.labels), "
            '(SELECT (array_agg(DISTINCT n.key COLLATE "default" '
            f'ORDER BY n.key COLLATE "default"))[1:{EXAMPLES}] '
            "FROM analytics_counts n WHERE n.kind = 'name_moiety' AND n.grp IN "
            "(SELECT o.moiety FROM stems o WHERE o.kind = s.kind AND o.stem = s.stem)) "
            "FROM stems s GROUP BY s.kind, s.stem"
        )
    ).all()
    db.session.rollback()
    return {(*row[:5], tuple(row[5])) for row in rows}


def built_from_scratch() -> tuple[set[tuple], set[tuple]]:
    """What every drug contributes now, counted in one go (`kept_sql.CONTRIBUTIONS` over all)."""
    db.session.execute(
        sa.text(
            "CREATE TEMPORARY TABLE kept_scope ON COMMIT DROP AS SELECT id AS drug_id FROM drugs"
        )
    )
    everything = (
        sa.text(kept_sql.CONTRIBUTIONS)
        .columns(
            sa.column("kind"),
            sa.column("grp"),
            sa.column("key"),
            sa.column("drug_id"),
            sa.column("weight"),
        )
        .subquery("everything")
    )
    e = everything.c
    per_key = sa.select(e.kind, e.grp, e.key, sa.func.count(), sa.func.sum(e.weight)).group_by(
        e.kind, e.grp, e.key
    )
    counts = {tuple(row) for row in db.session.execute(per_key)}
    per_group = Counter((kind, grp) for kind, grp, *_ in counts)
    db.session.rollback()
    return counts, {(kind, grp, n) for (kind, grp), n in per_group.items()}


def write(statement: str, **params: Any) -> None:
    db.session.execute(sa.text(statement), params)
    db.session.commit()


def a_drug_with(condition: str) -> int:
    return db.session.scalar(
        sa.text(f"SELECT id FROM drugs d WHERE {condition} ORDER BY id LIMIT 1")
    )


def test_a_sync_then_every_kind_of_write_leaves_the_kept_counts_as_counting_would(synced):
    assert_kept_answers_as_counted()  # the sync's drugs, built at the first catch-up

    with_codes = a_drug_with("EXISTS (SELECT FROM ndc_codes c WHERE c.drug_id = d.id)")
    in_classes = a_drug_with(
        f"id <> {with_codes} AND "
        "(SELECT count(*) FROM drug_class_memberships m WHERE m.drug_id = d.id) >= 2"
    )
    # Archived and restored: out of every count, then back.
    write("UPDATE drugs SET archived_at = now() WHERE id IN (:a, :b)", a=with_codes, b=in_classes)
    assert_kept_answers_as_counted()
    write("UPDATE drugs SET archived_at = NULL WHERE id IN (:a, :b)", a=with_codes, b=in_classes)
    assert_kept_answers_as_counted()

    # Codes replaced as a sync replaces them: another labeler's codes, one printed twice,
    # one unrecognised; and a code shared with another label.
    other = a_drug_with(
        f"id <> {with_codes} AND EXISTS (SELECT FROM ndc_codes c WHERE c.drug_id = d.id)"
    )
    shared = db.session.scalar(
        sa.select(NdcCode.ndc11)
        .where(NdcCode.drug_id == other, NdcCode.ndc11.is_not(None))
        .limit(1)
    )
    write("DELETE FROM ndc_codes WHERE drug_id = :a", a=with_codes)
    assert_kept_answers_as_counted()
    for ndc_text, kind, fmt, ndc11, product9, labeler in (
        ("12345-678-90", "package", "5-3-2", "12345067890", "123450678", "12345"),
        ("12345-678-90", "package", "5-3-2", "12345067890", "123450678", "12345"),
        ("12345-679-01", "package", "5-3-2", "12345067901", "123450679", "12345"),
        ("NOT-A-CODE", "package", "unrecognised", None, None, None),
        (shared, "package", "11-digit", shared, shared[:9], shared[:5]),
        ("1234-5678-90", "package", "4-4-2", "01234567890", "012345678", "1234"),
    ):
        db.session.add(
            NdcCode(
                drug_id=with_codes,
                ndc=ndc_text,
                kind=kind,
                ndc_format=fmt,
                ndc11=ndc11,
                product_ndc9=product9,
                labeler=labeler,
                labeler5=labeler and labeler.rjust(5, "0"),
            )
        )
    db.session.commit()
    assert_kept_answers_as_counted()

    # A class archived and restored; a membership removed; a label retitled and flagged.
    drug_class = db.session.scalar(
        sa.select(DrugClass.id)
        .join(drug_class_memberships)
        .group_by(DrugClass.id)
        .order_by(sa.func.count().desc(), DrugClass.id)
        .limit(1)
    )
    write("UPDATE drug_classes SET archived_at = now() WHERE id = :c", c=drug_class)
    assert_kept_answers_as_counted()
    write("UPDATE drug_classes SET archived_at = NULL WHERE id = :c", c=drug_class)
    write("DELETE FROM drug_class_memberships WHERE drug_id = :b", b=in_classes)
    write(
        "UPDATE drugs SET title = 'AAA FIRST', is_manually_edited = true, needs_review = true, "
        "missing_from_source = true WHERE id = :a",
        a=with_codes,
    )
    assert_kept_answers_as_counted()

    # Names renamed: a brand gone, generic names with several moieties (the stems' repeats).
    write(
        "UPDATE drugs SET brand_name = NULL, generic_name = "
        "'HYDROXYZINE AND HYDRALAZINE; LISINOPRIL AND HYDROCHLOROTHIAZIDE' WHERE id = :b",
        b=in_classes,
    )
    write("UPDATE drugs SET brand_name = 'ZZZ', generic_name = NULL WHERE id = :a", a=with_codes)
    assert_kept_answers_as_counted()
    # The renamed label's moieties share roots (HYD-, -INE): the stems' repeats are kept.
    repeats = {kind for kind, *_ in kept_state()[0] if kind.startswith("stem_")}
    assert repeats == {"stem_label_repeat", "stem_name_repeat"}

    # A label without codes, a label deleted, then every code truncated away.
    write("DELETE FROM ndc_codes WHERE drug_id = :o", o=other)
    write("DELETE FROM drugs WHERE id = (SELECT max(id) FROM drugs)")
    assert_kept_answers_as_counted()
    write("TRUNCATE ndc_codes")
    assert_kept_answers_as_counted()


def test_a_class_archived_while_a_label_joins_it_leaves_the_label_out(synced):
    """The archive's transaction is still open when a membership of its class commits and a
    catch-up runs: the label is derived with the class live, and again when the archive
    commits (the catch-up takes the class's members then, not as the archive saw them)."""
    kept.catch_up()
    drug_class, drug_id = db.session.execute(
        sa.text(
            "SELECT c.id, d.id FROM drug_classes c CROSS JOIN drugs d WHERE NOT EXISTS "
            "(SELECT FROM drug_class_memberships m WHERE m.drug_id = d.id "
            "AND m.drug_class_id = c.id) ORDER BY c.id, d.id LIMIT 1"
        )
    ).one()
    db.session.rollback()
    with db.engine.connect() as archiving:
        archiving.execute(
            sa.text("UPDATE drug_classes SET archived_at = now() WHERE id = :c"), {"c": drug_class}
        )
        write(
            "INSERT INTO drug_class_memberships (drug_id, drug_class_id) VALUES (:d, :c)",
            d=drug_id,
            c=drug_class,
        )
        kept.catch_up()
        archiving.commit()
    assert_kept_answers_as_counted()


def test_a_sync_ends_with_the_kept_counts_up_to_date(synced):
    assert db.session.scalar(sa.select(sa.func.count()).select_from(kept.dirty)) == 0
    assert kept_state() == built_from_scratch()
    assert kept_state()[0]


def test_a_sync_whose_catch_up_fails_still_completes_and_the_next_analysis_catches_up(
    dailymed_app, start_sandbox_dailymed, monkeypatch, caplog
):
    def fails() -> int:
        raise RuntimeError("deadlock detected")

    monkeypatch.setattr(kept, "catch_up", fails)
    sync_sandbox(dailymed_app, start_sandbox_dailymed)  # asserts the run completed
    assert "kept counts not brought up to date after the sync: deadlock detected" in caplog.text
    monkeypatch.undo()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(kept.dirty)) > 0
    assert_kept_answers_as_counted()


def test_a_catch_up_derives_only_the_drugs_a_write_noted(synced):
    kept.catch_up()
    assert kept.catch_up() == 0
    drug_id = a_drug_with("true")
    # A sync marking every label it saw changes nothing the analyses read: nothing noted.
    write("UPDATE drugs SET last_seen_run_id = last_seen_run_id, updated_at = now()")
    assert kept.catch_up() == 0
    write("UPDATE ndc_codes SET package_description = 'changed' WHERE drug_id = :d", d=drug_id)
    write("UPDATE drugs SET needs_review = NOT needs_review WHERE id = :d", d=drug_id)
    assert kept.catch_up() == 1
    assert_kept_answers_as_counted()


def test_a_write_still_uncommitted_is_counted_at_the_catch_up_after_its_commit(synced):
    kept.catch_up()
    drug_id = a_drug_with("true")
    with db.engine.connect() as writer:
        writer.execute(
            sa.text("UPDATE drugs SET archived_at = now() WHERE id = :d"), {"d": drug_id}
        )
        kept.catch_up()  # does not wait for the writer, and does not see its drug archived
        labels = compute("ndc", Filters())["summary"]["labels"]
        db.session.rollback()
        writer.commit()
    assert compute("ndc", Filters())["summary"]["labels"] == labels - 1
    db.session.rollback()
    assert_kept_answers_as_counted()


def test_an_empty_database_keeps_nothing_and_answers_empty(app):
    assert_kept_answers_as_counted()
    assert kept_state() == (set(), set())
    assert compute("ndc", Filters())["summary"]["labels"] == 0
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Drug)) == 0
