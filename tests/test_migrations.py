"""Migrations: an empty database upgrades to head and steps back down."""

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


def run_columns(url: str) -> set[str]:
    engine = sa.create_engine(url)
    try:
        return {column["name"] for column in sa.inspect(engine).get_columns("scrape_runs")}
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
        }
        assert expected <= tables(url)
        assert drugs_options(url) == ["fillfactor=50"]
        assert number_uniqueness(url) == "deferrable constraint"
        assert "is_sample" in run_columns(url)
        downgrade(directory=MIGRATIONS_DIR, revision="-1")  # 0007 → 0005
        assert not {"schedules", "schedule_fires"} & tables(url)
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
