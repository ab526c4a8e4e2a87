"""The per-drug facts the analyses count (`drug_facts`: `generic_names`, `name_moieties`,
`moieties`, `brand_names`, `dosage_forms`, `title_terms`; migration 0016) always say what the
drug's own fields say: after a sync stores labels, after a sync brings a new title, after a
person corrects a label, after a write of the facts themselves, and across an archive and a
restore; a deleted drug takes its facts with it. Each is checked against the same facts derived
in plain Python, and the live analyses follow them."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa

from analytics.facts import FACTS, drug_facts
from database import db
from models import Drug
from tests.fixtures.app import if_match
from tests.fixtures.dailymed_sync import run_sync
from tests.test_analytics import analysis, sync_sandbox
from tests.test_analytics_names import moieties_of


def names_of(value: str | None) -> set[str]:
    return {name.strip().upper() for name in (value or "").split("; ") if name.strip()}


def terms_of(title: str) -> set[str]:
    before_labeler = re.sub(r"\s*\[[^]]*\]\s*$", "", title).lower()
    return {word for word in re.split(r"[^a-z]+", before_labeler) if len(word) >= 3}


def expected_facts(drug: Drug) -> dict[str, set[str]]:
    pairs = moieties_of(drug.generic_name)
    return {
        "generic_names": names_of(drug.generic_name),
        "name_moieties": {f"{name}\t{moiety}" for name, moiety in pairs},
        "moieties": {moiety for _name, moiety in pairs},
        "brand_names": names_of(drug.brand_name),
        "dosage_forms": names_of(drug.dosage_form),
        "title_terms": terms_of(drug.title),
    }


def stored_facts(drug_id: int) -> dict[str, list[str]]:
    db.session.expire_all()
    row = db.session.execute(
        sa.select(*(drug_facts.c[fact] for fact in FACTS)).where(drug_facts.c.drug_id == drug_id)
    ).one()
    return dict(zip(FACTS, row, strict=True))


def assert_facts_follow_fields(drug: Drug) -> None:
    facts = stored_facts(drug.id)
    for fact, values in expected_facts(drug).items():
        assert len(facts[fact]) == len(set(facts[fact])), (fact, facts[fact])  # distinct
        assert set(facts[fact]) == values, (drug.set_id, fact)


@pytest.fixture
def synced(dailymed_app, start_sandbox_dailymed) -> Any:
    """The sandbox catalogue, synced; its state, so a test can publish changes to it."""
    started: list[Any] = []

    def start(catalogue: Any) -> tuple[str, Any]:
        base_url, state = start_sandbox_dailymed(catalogue)
        started.append(state)
        return base_url, state

    sync_sandbox(dailymed_app, start)
    return started[0]


def test_a_sync_stores_every_labels_facts_as_its_fields_say(synced):
    drugs = db.session.scalars(sa.select(Drug)).all()
    assert drugs
    for drug in drugs:
        assert_facts_follow_fields(drug)
    combination = [d for d in drugs if len(moieties_of(d.generic_name)) > 1]
    assert combination, "the sandbox has combination labels, so moieties are really split"


def test_a_sync_bringing_a_new_title_brings_its_facts(synced):
    label = synced.catalogue.labels[3]
    label.title = "NEWBRAND (ZORBLAXINE SODIUM AND QUIXOTIDE) TABLET, FILM COATED [ACME LABS]"
    label.spl_version += 1
    label.published = date.today()
    catalogue = synced.catalogue
    catalogue.last_published = max(catalogue.last_published, label.published)
    run = run_sync()
    assert run.status == "completed", run.error_message
    drug = db.session.scalars(sa.select(Drug).where(Drug.set_id == label.set_id)).one()
    assert drug.generic_name == "ZORBLAXINE SODIUM AND QUIXOTIDE"
    assert_facts_follow_fields(drug)
    assert set(stored_facts(drug.id)["moieties"]) == {"ZORBLAXINE", "QUIXOTIDE"}


def test_a_persons_correction_changes_the_facts_and_the_live_analyses(client, bearer, synced):
    editor, viewer = bearer("editor"), bearer("viewer")
    drug = db.session.scalars(sa.select(Drug).order_by(Drug.set_id).limit(1)).one()
    path = f"/api/drugs/{drug.id}"
    corrected = {
        "title": "GLIMMERA (ZORBLAXINE SODIUM) CREAM [ACME LABS]",
        "generic_name": "ZORBLAXINE SODIUM",
        "brand_name": "GLIMMERA",
        "dosage_form": "CREAM",
    }
    response = client.put(path, json=corrected, headers=if_match(client, path, editor))
    assert response.status_code == 200, response.json
    drug = db.session.get(Drug, drug.id)
    assert_facts_follow_fields(drug)

    names = analysis(client, viewer, "names", q="zorblaxine")["data"]
    assert names["top_generic_names"] == [{"name": "ZORBLAXINE SODIUM", "labels": 1}]
    text = analysis(client, viewer, "text", q="zorblaxine")["data"]
    assert {"term": "zorblaxine", "labels": 1} in text["top_terms"]
    assert text["dosage_forms"] == [{"dosage_form": "CREAM", "labels": 1}]


def test_archive_and_restore_leave_the_facts_as_they_were(client, bearer, synced):
    admin, viewer = bearer("admin"), bearer("viewer")
    drug = db.session.scalars(sa.select(Drug).order_by(Drug.set_id).limit(1)).one()
    facts, path = stored_facts(drug.id), f"/api/drugs/{drug.id}"
    generic = sorted(facts["generic_names"])[0]
    q = generic.split()[0].lower()

    def labels_named(name: str) -> int:
        top = analysis(client, viewer, "names", q=q)["data"]["top_generic_names"]
        return next((item["labels"] for item in top if item["name"] == name), 0)

    before = labels_named(generic)
    assert before >= 1
    archived = client.delete(path, headers=if_match(client, path, admin))
    assert archived.status_code == 200, archived.json
    assert stored_facts(drug.id) == facts
    assert labels_named(generic) == before - 1
    restored = client.post(path + "/restore", headers=if_match(client, path, admin))
    assert restored.status_code == 200, restored.json
    assert stored_facts(drug.id) == facts
    assert labels_named(generic) == before


def test_a_write_of_a_fact_itself_is_recomputed_from_the_fields(synced):
    drug = db.session.scalars(sa.select(Drug).order_by(Drug.set_id).limit(1)).one()
    db.session.execute(
        sa.update(drug_facts)
        .where(drug_facts.c.drug_id == drug.id)
        .values(title_terms=["wrong"], moieties=[])
    )
    db.session.commit()
    assert_facts_follow_fields(db.session.get(Drug, drug.id))


def test_every_drug_has_one_row_of_facts_and_a_deleted_drug_takes_its_row(synced):
    drugs = db.session.scalar(sa.select(sa.func.count()).select_from(Drug))
    facts = db.session.scalar(sa.select(sa.func.count()).select_from(drug_facts))
    assert drugs and facts == drugs
    drug = db.session.scalars(sa.select(Drug).order_by(Drug.set_id).limit(1)).one()
    db.session.execute(sa.delete(Drug).where(Drug.id == drug.id))
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(drug_facts)) == drugs - 1


def test_migration_0016_moves_the_facts_to_their_table_and_back(make_app, pg_server_url):
    """Upgraded from 0015, a drug's facts are in `drug_facts` as 0014's trigger computed them,
    and the new triggers keep them; downgraded, they are `drugs` columns again, values kept."""
    from flask_migrate import downgrade, upgrade

    from database import MIGRATIONS_DIR
    from tests.fixtures.app import recreate_database, settings_for_tests

    url = recreate_database(pg_server_url, "medsync_facts_migration_test")
    app = make_app(
        SQLALCHEMY_DATABASE_URI=url, SETTINGS=settings_for_tests(MIGRATE_ON_START="false")
    )
    engine = sa.create_engine(url)
    insert = (
        "INSERT INTO drugs (set_id, title, generic_name, brand_name, dosage_form, version, "
        "source_values, manual_fields, is_manually_edited, needs_review, missing_from_source, "
        "created_at, updated_at) VALUES (:set_id, 'GLIMMERA (ZORBLAXINE SODIUM) CREAM [ACME]', "
        "'ZORBLAXINE SODIUM', 'GLIMMERA', 'CREAM', 1, '{}', '{}', false, false, false, now(), "
        "now())"
    )
    facts = ", ".join(FACTS)
    read = f"SELECT {facts} FROM drugs JOIN drug_facts ON drug_id = id WHERE set_id = :set_id"
    with app.app_context():
        upgrade(directory=MIGRATIONS_DIR, revision="0015")
        with engine.begin() as conn:
            conn.execute(sa.text(insert), {"set_id": "before"})
            before = conn.execute(sa.text(f"SELECT {facts} FROM drugs")).one()
        assert before.moieties == ["ZORBLAXINE"] and before.dosage_forms == ["CREAM"]
        upgrade(directory=MIGRATIONS_DIR, revision="0016")
        with engine.begin() as conn:
            assert conn.execute(sa.text(read), {"set_id": "before"}).one() == before
            conn.execute(sa.text(insert), {"set_id": "after"})
            assert conn.execute(sa.text(read), {"set_id": "after"}).one() == before
        downgrade(directory=MIGRATIONS_DIR, revision="0015")
        with engine.begin() as conn:
            rows = conn.execute(sa.text(f"SELECT {facts} FROM drugs ORDER BY set_id")).all()
            assert rows == [before, before]
            conn.execute(
                sa.text("UPDATE drugs SET dosage_form = 'GEL' WHERE set_id = 'after'")
            )  # 0014's trigger is back
            forms = conn.execute(sa.text("SELECT dosage_forms FROM drugs ORDER BY set_id"))
            assert forms.scalars().all() == [["GEL"], ["CREAM"]]
    engine.dispose()
