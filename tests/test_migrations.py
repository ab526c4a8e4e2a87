"""Migrations: an empty database upgrades to head and steps back down."""

import json

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from database import MIGRATIONS_DIR
from tests.fixtures.app import recreate_database, settings_for_tests


def tables(url: str) -> set[str]:
    engine = sa.create_engine(url)
    try:
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


def indexes_of(url: str, table: str) -> set[str]:
    engine = sa.create_engine(url)
    try:
        return {index["name"] for index in sa.inspect(engine).get_indexes(table)}
    finally:
        engine.dispose()


def run_columns(url: str) -> set[str]:
    engine = sa.create_engine(url)
    try:
        return {column["name"] for column in sa.inspect(engine).get_columns("scrape_runs")}
    finally:
        engine.dispose()


def columns_of(url: str, table: str) -> dict[str, dict]:
    engine = sa.create_engine(url)
    try:
        return {column["name"]: column for column in sa.inspect(engine).get_columns(table)}
    finally:
        engine.dispose()


def drugs_options(url: str) -> list[str] | None:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(
                sa.text("SELECT reloptions FROM pg_class WHERE relname = 'drugs'")
            ).scalar()
    finally:
        engine.dispose()


def number_uniqueness(url: str) -> str:
    """How authorizations.authorization_number is kept unique."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            deferrable = conn.execute(
                sa.text(
                    "SELECT condeferrable FROM pg_constraint "
                    "WHERE conname = 'authorizations_number_unique' AND contype = 'u'"
                )
            ).scalar()
            partial = conn.execute(
                sa.text(
                    "SELECT indpred IS NOT NULL FROM pg_index "
                    "WHERE indexrelid = 'authorizations_number_unique'::regclass"
                )
            ).scalar()
    finally:
        engine.dispose()
    if deferrable:
        return "deferrable constraint"
    return "partial index" if partial else "other"


def drug_columns(url: str) -> set[str]:
    engine = sa.create_engine(url)
    try:
        return {column["name"] for column in sa.inspect(engine).get_columns("drugs")}
    finally:
        engine.dispose()


ALDESYN = "ALDESYN (METOPROLOL TARTRATE) TABLET, FILM COATED [DOVER PHARMACEUTICALS, INC.]"
# set id → (visible title, the source's title or None for a drug a person made)
DRUGS_BEFORE_0006 = {
    "synced": (ALDESYN, ALDESYN),
    "title corrected": ("Aldesyn 25 mg tablets", "METOPROLOL TARTRATE TABLET [MYLAN]"),
    "made by hand": ("CREATED (LISINOPRIL) TABLET [BY HAND LABS]", None),
}


def add_drugs_before_0006(url: str) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        for set_id, (title, source_title) in DRUGS_BEFORE_0006.items():
            source = {"title": source_title} if source_title else {}
            manual = {"title": {"source_baseline": source_title}} if title != source_title else {}
            conn.execute(
                sa.text(
                    "INSERT INTO drugs (set_id, title, version, source_values, manual_fields, "
                    "is_manually_edited, needs_review, missing_from_source, created_at, "
                    "updated_at) VALUES (:set_id, :title, 3, CAST(:source AS jsonb), "
                    "CAST(:manual AS jsonb), :edited, false, false, now(), now())"
                ),
                {
                    "set_id": set_id,
                    "title": title,
                    "source": json.dumps(source),
                    "manual": json.dumps(manual),
                    "edited": bool(manual),
                },
            )
    engine.dispose()


def stored_drugs(url: str) -> dict[str, dict]:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT * FROM drugs")).mappings().all()
    engine.dispose()
    return {row["set_id"]: dict(row) for row in rows}


def test_0006_fills_every_drug_from_its_title_and_steps_back(make_app, pg_server_url):
    url = recreate_database(pg_server_url, "medsync_migrations_test")
    app = make_app(
        SQLALCHEMY_DATABASE_URI=url, SETTINGS=settings_for_tests(MIGRATE_ON_START="false")
    )
    with app.app_context():
        upgrade(directory=MIGRATIONS_DIR, revision="0005")
        add_drugs_before_0006(url)
        upgrade(directory=MIGRATIONS_DIR, revision="0006")
        drugs = stored_drugs(url)
        synced = drugs["synced"]
        assert (synced["brand_name"], synced["generic_name"]) == ("ALDESYN", "METOPROLOL TARTRATE")
        assert synced["dosage_form"] == "TABLET, FILM COATED"
        assert synced["labeler_name"] == "DOVER PHARMACEUTICALS, INC."
        assert synced["source_values"] == {
            "title": ALDESYN,
            "brand_name": "ALDESYN",
            "generic_name": "METOPROLOL TARTRATE",
            "dosage_form": "TABLET, FILM COATED",
            "labeler_name": "DOVER PHARMACEUTICALS, INC.",
        }
        assert synced["version"] == 3  # a backfill, not an edit
        corrected = drugs["title corrected"]  # read from the source's title, not the person's
        assert corrected["brand_name"] is None and corrected["labeler_name"] == "MYLAN"
        assert corrected["source_values"]["generic_name"] == "METOPROLOL TARTRATE"
        by_hand = drugs["made by hand"]
        assert (by_hand["brand_name"], by_hand["labeler_name"]) == ("CREATED", "BY HAND LABS")
        assert by_hand["source_values"] == {}  # the source never said anything about it

        engine = sa.create_engine(url)
        with engine.begin() as conn:  # a person corrects a dosage form, the source differs
            conn.execute(
                sa.text(
                    "UPDATE drugs SET dosage_form = 'TABLET', is_manually_edited = true, "
                    "needs_review = true, manual_fields = manual_fields || CAST(:manual AS jsonb)"
                    " WHERE set_id = 'synced'"
                ),
                {"manual": json.dumps({"dosage_form": {"source_baseline": "TABLET"}})},
            )
            indexes = {i["name"] for i in sa.inspect(conn).get_indexes("drugs")}
        engine.dispose()
        assert {"drugs_labeler_name_lower", "drugs_dosage_form_lower"} <= indexes
        downgrade(directory=MIGRATIONS_DIR, revision="-1")  # 0006 → 0005
        assert not {"brand_name", "dosage_form"} & drug_columns(url)
        drugs = stored_drugs(url)
        assert drugs["synced"]["source_values"] == {"title": ALDESYN}
        assert drugs["synced"]["manual_fields"] == {}
        assert drugs["synced"]["is_manually_edited"] is drugs["synced"]["needs_review"] is False
        assert drugs["title corrected"]["is_manually_edited"] is True


KEPT_TABLES = {
    "analytics_dirty",
    "analytics_contributions",
    "analytics_counts",
    "analytics_groups",
    "analytics_stems",
    "analytics_dirty_classes",
}


def test_empty_database_upgrades_to_head_and_steps_back_down(make_app, pg_server_url):
    url = recreate_database(pg_server_url, "medsync_migrations_test")
    app = make_app(
        SQLALCHEMY_DATABASE_URI=url, SETTINGS=settings_for_tests(MIGRATE_ON_START="false")
    )
    with app.app_context():
        upgrade(directory=MIGRATIONS_DIR)
        expected = {
            "users",
            "api_tokens",
            "scrape_runs",
            "authorizations",
            "drug_classes",
            "drugs",
            "drug_class_memberships",
            "ndc_codes",
            "active_ingredients",
            "record_changes",
            "schedules",
            "schedule_fires",
            "analytics_results",
            "analytics_top_labelers",
            "analytics_top_classes",
            "analytics_top_generic_names",
            "run_log_lines",
            "audit_events",
            "user_sessions",
        }
        assert expected <= tables(url)
        assert drugs_options(url) == ["fillfactor=50"]
        assert number_uniqueness(url) == "deferrable constraint"
        assert "is_sample" in run_columns(url)
        assert "labeler_name" in drug_columns(url)
        assert {"analytics_look_alike_names", "analytics_look_alike_pairs"} <= tables(url)
        assert "queued_after_id" in run_columns(url)
        assert "drug_facts" in tables(url)
        assert "title_terms" not in columns_of(url, "drugs")
        assert "record_changes_run" in indexes_of(url, "record_changes")
        assert "authorizations_patient_order" in indexes_of(url, "authorizations")
        assert "record_counts" in tables(url)
        assert "table_versions" in tables(url)
        assert tables(url) >= KEPT_TABLES
        downgrade(directory=MIGRATIONS_DIR, revision="-1")  # 0020 → 0019
        assert not KEPT_TABLES & tables(url) and "table_versions" in tables(url)
        downgrade(directory=MIGRATIONS_DIR, revision="-1")  # 0019 → 0018
        assert "table_versions" not in tables(url) and "record_counts" in tables(url)
        downgrade(directory=MIGRATIONS_DIR, revision="-1")  # 0018 → 0017
        assert "record_counts" not in tables(url)
        downgrade(directory=MIGRATIONS_DIR, revision="-1")  # 0017 → 0016
        assert "record_changes_run" not in indexes_of(url, "record_changes")
        assert "authorizations_patient_order" not in indexes_of(url, "authorizations")
        downgrade(directory=MIGRATIONS_DIR, revision="-1")  # 0016 → 0015
        assert "drug_facts" not in tables(url)
        assert {"generic_names", "moieties", "title_terms"} <= set(columns_of(url, "drugs"))
        downgrade(directory=MIGRATIONS_DIR, revision="-1")  # 0015 → 0014
        assert "queued_after_id" not in run_columns(url)
        assert {"generic_names", "moieties", "title_terms"} <= set(columns_of(url, "drugs"))
        downgrade(directory=MIGRATIONS_DIR, revision="-1")  # 0014 → 0013
        assert "title_terms" not in columns_of(url, "drugs")
        downgrade(directory=MIGRATIONS_DIR, revision="-1")  # 0013 → 0012
        assert not {"analytics_look_alike_names", "analytics_look_alike_pairs"} & tables(url)
        assert "user_sessions" in tables(url)
        downgrade(directory=MIGRATIONS_DIR, revision="-1")  # 0012 → 0011
        assert "user_sessions" not in tables(url) and "audit_events" in tables(url)
        for table in ("authorizations", "drugs", "drug_classes"):
            assert {"archived_at", "archived_by"} <= set(columns_of(url, table))
        assert columns_of(url, "authorizations")["source"]["nullable"] is True
        engine = sa.create_engine(url)
        with engine.begin() as conn:  # an authorization a person made: no source yet
            conn.execute(
                sa.text(
                    "INSERT INTO authorizations (patient_name, status, version, source_values, "
                    "manual_fields, is_manually_edited, needs_review, missing_from_source, "
                    "extra, created_at, updated_at) VALUES ('Grace', 'Pending', 1, '{}', '{}', "
                    "false, false, false, '{}', now(), now())"
                )
            )
        downgrade(directory=MIGRATIONS_DIR, revision="-1")  # 0011 → 0010
        assert not {"archived_at", "archived_by"} & set(columns_of(url, "drugs"))
        authorization_columns = columns_of(url, "authorizations")
        assert authorization_columns["source"]["nullable"] is False
        with engine.begin() as conn:
            made = conn.execute(sa.text("SELECT source, source_key FROM authorizations")).one()
            assert made[0] == "manual" and made[1].startswith("manual-")
            conn.execute(sa.text("DELETE FROM authorizations"))
        engine.dispose()
        downgrade(directory=MIGRATIONS_DIR, revision="-1")  # 0010 → 0009
        assert "audit_events" not in tables(url)
        assert "run_log_lines" in tables(url) and "failure" in run_columns(url)
        downgrade(directory=MIGRATIONS_DIR, revision="-1")  # 0009 → 0008
        assert "run_log_lines" not in tables(url) and "failure" not in run_columns(url)
        downgrade(directory=MIGRATIONS_DIR, revision="-1")  # 0008 → 0007
        assert not {"analytics_results", "analytics_top_labelers"} & tables(url)
        assert {"schedules", "scrape_runs"} <= tables(url)
        downgrade(directory=MIGRATIONS_DIR, revision="-1")  # 0007 → 0006
        assert not {"schedules", "schedule_fires"} & tables(url)
        downgrade(directory=MIGRATIONS_DIR, revision="-1")  # 0006 → 0005
        assert "labeler_name" not in drug_columns(url)
        downgrade(directory=MIGRATIONS_DIR, revision="-1")  # 0005 → 0004
        assert "is_sample" not in run_columns(url)
        downgrade(directory=MIGRATIONS_DIR, revision="-1")  # 0004 → 0003
        assert number_uniqueness(url) == "partial index"
        downgrade(directory=MIGRATIONS_DIR, revision="-1")  # → 0002
        assert drugs_options(url) is None
        downgrade(directory=MIGRATIONS_DIR, revision="-1")  # → 0001
        engine = sa.create_engine(url)
        with engine.connect() as conn:
            version = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
            indexes = {i["name"] for i in sa.inspect(conn).get_indexes("drugs")}
        engine.dispose()
        assert version == "0001"
        assert "drugs_title_trgm" not in indexes
        upgrade(directory=MIGRATIONS_DIR)


def test_models_and_migrations_agree(app):
    """Autogenerate finds nothing to do: the models and the migrations describe the same schema."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from database import db

    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
    assert diff == []
