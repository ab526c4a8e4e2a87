"""Configuration: every variable is read in one place; a bad value names the variable."""

import json
import shutil

import pytest

from config import ConfigError, load_settings, redact_url
from scraper import portal_profile
from scraper.portal_profile import ProfileError, builtin_profile_names, load_profile


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
        ("SCRAPE_SCHEDULE", "61 0 * * *"),  # five fields, but no minute 61
        ("ANALYTICS_SCHEDULE", "10 0 */2 13 *"),  # no month 13
        ("SCHEDULE_GRACE_MINUTES", "0"),
        ("SCHEDULER_ENABLED", "2"),
        ("DATABASE_URL", "postgresql://u:pw@localhost:54x2/db"),
        ("ADMIN_USERNAME", "bad name"),
        ("ADMIN_PASSWORD", "short"),
        ("TRUSTED_PROXIES", "-1"),
        ("DAILYMED_TIMEOUT", "0"),
        ("DAILYMED_MAX_RETRIES", "-1"),
        ("DAILYMED_RETRY_BACKOFF", "soon"),
        ("JOB_STALE_AFTER", "3"),
        ("MIGRATE_ON_START", "perhaps"),
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


# --- portal profiles: each one described only in its file ------------------------------------


@pytest.fixture
def profile_dir(tmp_path, monkeypatch):
    """A copy of the built-in profile folder, to add files to."""
    for path in portal_profile.PROFILE_DIR.glob("*.json"):
        shutil.copy(path, tmp_path)
    monkeypatch.setattr(portal_profile, "PROFILE_DIR", tmp_path)
    return tmp_path


def test_a_profile_file_added_to_the_profiles_folder_is_a_builtin_profile(profile_dir):
    acme = json.loads((profile_dir / "sandbox.json").read_text())
    acme["name"] = "acme-health"
    acme["defaults"] = {"base_url": "https://portal.acme-health.example/"}
    (profile_dir / "acme-health.json").write_text(json.dumps(acme))

    assert builtin_profile_names() == ["acme-health", "sandbox", "the-internet"]
    assert load_settings({"PORTAL_PROFILE": "acme-health"}).portal_profile == "acme-health"
    profile = load_profile("acme-health")
    assert profile.base_url == "https://portal.acme-health.example"
    assert profile.username is None and profile.password is None  # it publishes no demo login


def test_an_unknown_profile_name_is_refused_listing_the_builtin_ones(profile_dir):
    with pytest.raises(ConfigError, match=r"PORTAL_PROFILE must be one of sandbox, the-internet"):
        load_settings({"PORTAL_PROFILE": "acme-health"})


def test_the_demo_address_and_login_come_from_the_profile_file(profile_dir):
    the_internet = json.loads((profile_dir / "the-internet.json").read_text())
    the_internet["defaults"]["base_url"] = "https://mirror.example/the-internet"
    (profile_dir / "the-internet.json").write_text(json.dumps(the_internet))
    profile = load_profile("the-internet")
    assert profile.base_url == "https://mirror.example/the-internet"
    assert (profile.username, profile.password) == ("tomsmith", "SuperSecretPassword!")
    assert "SuperSecretPassword!" not in repr(profile)


def test_a_profile_default_address_that_is_not_a_url_is_refused_naming_the_key(profile_dir):
    broken = json.loads((profile_dir / "sandbox.json").read_text())
    broken["defaults"]["base_url"] = "127.0.0.1:5050/portal"
    (profile_dir / "broken.json").write_text(json.dumps(broken))
    with pytest.raises(ProfileError, match=r"defaults\.base_url must be an http:// or https://"):
        load_profile("broken")
