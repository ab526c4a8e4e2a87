"""What the analytics do for speed without changing an answer: a filtered request finds its
scope (the drugs the filters keep) once, in a temporary table that ends with the transaction;
and the stems ranked by names count labels only for the stems that can make the list, so ties
at the cut are still broken by labels exactly as a full count would."""

from __future__ import annotations

import string

import sqlalchemy as sa

from analytics.filters import Filters, ResolvedFilters
from analytics.stems import TOP_STEMS
from database import db
from models import Drug, DrugClass, NdcCode, drug_class_memberships, utcnow
from tests.test_analytics import analysis
from tests.test_analytics_names import expected_stems


def _drugs(*rows: tuple[str, str, str | None]) -> None:
    """Drugs (set_id, title, labeler code of its one NDC or None)."""
    for set_id, title, labeler in rows:
        drug = Drug(set_id=set_id, title=title, generic_name=title)
        db.session.add(drug)
        db.session.flush()
        if labeler:
            db.session.add(
                NdcCode(
                    drug_id=drug.id,
                    ndc=f"{labeler}-0001-01",
                    kind="package",
                    ndc_format="5-4-2",
                    labeler5=labeler,
                )
            )
    db.session.commit()


def _scope_table_exists() -> bool:
    return db.session.scalar(sa.text("SELECT to_regclass('pg_temp.analytics_scope')")) is not None


def test_a_filtered_scope_is_found_once_and_holds_the_drugs_the_filters_keep(app):
    _drugs(("a", "ALPHA", "12345"), ("b", "BETA", "12345"), ("c", "GAMMA", "54321"))
    filters = Filters.from_args({"labeler": "12345"})
    wanted = set(db.session.scalars(filters.drug_ids()))
    resolved = filters.resolve()
    assert isinstance(resolved, ResolvedFilters) and resolved.as_json() == filters.as_json()
    assert set(db.session.scalars(resolved.drug_ids())) == wanted
    kept = db.session.scalars(sa.select(Drug.set_id).where(resolved.where()))
    assert sorted(kept) == ["a", "b"]
    assert resolved.resolve() is resolved  # found once
    db.session.commit()
    assert not _scope_table_exists()  # it ends with the transaction
    again = filters.resolve()  # a later request finds its own
    assert sorted(db.session.scalars(sa.select(Drug.set_id).where(again.where()))) == ["a", "b"]
    db.session.rollback()


def test_an_unfiltered_request_finds_no_scope(app):
    filters = Filters()
    assert filters.resolve() is filters
    assert not _scope_table_exists()


def test_two_filtered_analyses_in_one_transaction_each_find_their_scope(app):
    _drugs(("a", "ALPHA", "12345"), ("c", "GAMMA", "54321"))
    first = Filters.from_args({"labeler": "12345"}).resolve()
    assert list(db.session.scalars(sa.select(Drug.set_id).where(first.where()))) == ["a"]
    second = Filters.from_args({"labeler": "54321"}).resolve()
    assert list(db.session.scalars(sa.select(Drug.set_id).where(second.where()))) == ["c"]
    db.session.rollback()


def test_a_scope_from_codes_and_memberships_holds_each_kept_drug_once_and_no_archived_one(app):
    # A labeler code and a class are answered by the codes' and memberships' indexes, not by
    # the drugs: "a" has two codes of the labeler, "b" is archived, "c" is in no class.
    _drugs(("a", "ALPHA", "12345"), ("b", "BETA", "12345"), ("c", "GAMMA", "12345"))
    _drugs(("d", "DELTA", "54321"))
    ids = {set_id: id_ for set_id, id_ in db.session.execute(sa.select(Drug.set_id, Drug.id))}
    db.session.add(
        NdcCode(
            drug_id=ids["a"],
            ndc="12345-0002-01",
            kind="package",
            ndc_format="5-4-2",
            labeler5="12345",
        )
    )
    tablets = DrugClass(code="N0001", coding_system="x", class_type="EPC", name="Tablets")
    db.session.add(tablets)
    db.session.flush()
    db.session.execute(
        sa.insert(drug_class_memberships),
        [{"drug_id": ids[s], "drug_class_id": tablets.id} for s in ("a", "b", "d")],
    )
    db.session.execute(sa.update(Drug).where(Drug.set_id == "b").values(archived_at=utcnow()))
    db.session.commit()

    def kept(args: dict[str, str]) -> tuple[list[str], int]:
        resolved = Filters.from_args(args).resolve()
        set_ids = sorted(db.session.scalars(sa.select(Drug.set_id).where(resolved.where())))
        labels = resolved.labels()
        db.session.rollback()
        return set_ids, labels

    assert kept({"labeler": "12345"}) == (["a", "c"], 2)
    assert kept({"class_id": str(tablets.id)}) == (["a", "d"], 2)
    assert kept({"class_id": str(tablets.id), "labeler": "12345"}) == (["a"], 1)
    assert kept({"class_type": "EPC", "labeler": "12345", "q": "alp"}) == (["a"], 1)


def test_stems_tied_on_names_at_the_cut_are_ranked_by_labels(client, bearer, app):
    # TOP_STEMS + 5 suffixes, each shared by two moieties (so each has two names): the list
    # is decided by labels alone, and stem i is on i + 1 labels of its first name.
    letters = string.ascii_uppercase
    rows = []
    for i in range(TOP_STEMS + 5):
        suffix = letters[i % 26] + letters[(i * 7 + 3) % 26] + letters[(i * 11 + 5) % 26] + "Q"
        for first in (True, False):
            moiety = ("BAR" if first else "ZUN") + letters[i % 26] * 3 + suffix
            copies = i + 1 if first else 1
            rows += [(f"{moiety}-{n}", moiety, None) for n in range(copies)]
    _drugs(*rows)
    body = analysis(client, bearer("viewer"), "names")
    stored = sorted(db.session.execute(sa.select(Drug.set_id, Drug.generic_name)))
    scope = {set_id for set_id, _name in stored}
    for kind, key in (("prefix", "prefixes"), ("suffix", "suffixes")):
        items, total = expected_stems(stored, scope, kind)
        assert body["data"][key] == items, kind
        assert body["summary"][key] == total, kind
    suffixes = body["data"]["suffixes"]
    assert len(suffixes) == TOP_STEMS and len({s["names"] for s in suffixes}) == 1  # all tied
    assert [s["labels"] for s in suffixes] == sorted((s["labels"] for s in suffixes), reverse=True)
