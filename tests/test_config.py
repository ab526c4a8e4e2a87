"""Configuration: every variable is read in one place; a bad value names the variable."""

import pytest

from config import ConfigError, load_settings, redact_url


def test_defaults_need_no_environment():
    settings = load_settings({})
    assert settings.database_url is None  # embedded PostgreSQL
    assert settings.flask_port == 5000
    assert settings.dailymed_base_url == "https://dailymed.nlm.nih.gov/dailymed/services/v2"
    assert settings.dailymed_class_types == ("EPC", "MOA", "PE", "CI")
    assert settings.portal_profile == "the-internet"
    assert settings.scrape_schedule == "0 0 * * *"
    assert settings.analytics_schedule == "10 0 */2 * *"


def test_database_url_gets_an_explicit_driver():
    settings = load_settings({"DATABASE_URL": "postgresql://u:p@db:5432/medsync"})
    assert settings.database_url == "postgresql+psycopg2://u:p@db:5432/medsync"


def test_database_url_is_assembled_from_db_parts():
    settings = load_settings(
        {"DB_USER": "med", "DB_PASSWORD": "s3cr@t", "DB_HOST": "pg", "DB_NAME": "ms"}
    )
    assert settings.database_url == "postgresql+psycopg2://med:s3cr%40t@pg:5432/ms"


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("FLASK_PORT", "eighty"),
        ("FLASK_PORT", "70000"),
        ("DATABASE_URL", "mysql://x@y/z"),
        ("DB_PORT", "-1"),
        ("LOG_LEVEL", "CHATTY"),
        ("DAILYMED_BASE_URL", "ftp://example.org"),
        ("DAILYMED_CLASS_TYPES", "EPC,XYZ"),
        ("DAILYMED_MAX_CLASSES", "0"),
        ("DAILYMED_CONCURRENCY", "many"),
        ("DAILYMED_RATE_LIMIT", "0"),
        ("PORTAL_PROFILE", "/no/such/profile.json"),
        ("PORTAL_BASE_URL", "not a url"),
        ("SELENIUM_HEADLESS", "maybe"),
        ("SELENIUM_REMOTE_URL", "grid:4444"),
        ("SCRAPE_SCHEDULE", "every night"),
        ("ANALYTICS_SCHEDULE", "* * *"),
        ("SCHEDULER_ENABLED", "2"),
        ("DATABASE_URL", "postgresql://u:pw@localhost:54x2/db"),
        ("ADMIN_USERNAME", "bad name"),
        ("ADMIN_PASSWORD", "short"),
        ("TRUSTED_PROXIES", "-1"),
    ],
)
def test_a_bad_value_is_refused_naming_the_variable(variable, value):
    with pytest.raises(ConfigError, match=variable):
        load_settings({variable: value})


def test_secrets_never_show_in_the_settings_repr():
    settings = load_settings(
        {
            "DATABASE_URL": "postgresql://u:hunter2@db/x",
            "PORTAL_PASSWORD": "pw-123",
            "SECRET_KEY": "k",
        }
    )
    text = repr(settings)
    assert "hunter2" not in text and "pw-123" not in text


def test_redact_url_hides_the_password():
    assert redact_url("postgresql://u:hunter2@db:5432/x") == "postgresql://u:***@db:5432/x"
