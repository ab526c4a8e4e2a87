"""The one settings reader: every environment variable MedSync understands is parsed here.

`load_settings()` reads the environment (after `.env`), validates every value and returns a frozen
`Settings`. A bad value raises `ConfigError` naming the variable, so start-up can stop with one
clear line instead of failing later somewhere deep inside a sync.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TypeVar
from urllib.parse import quote, urlsplit

from scraper.portal_profile import builtin_profile_names

DEFAULT_DAILYMED_BASE_URL = "https://dailymed.nlm.nih.gov/dailymed/services/v2"
DEFAULT_PORTAL_PROFILE = "the-internet"  # scraper/profiles/the-internet.json
DAILYMED_CLASS_TYPE_CHOICES = ("EPC", "MOA", "PE", "CI")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
MIN_PASSWORD_LENGTH = 8
NOTIFY_EVENTS = ("failed", "needs_review")  # what NOTIFY_ON may choose (jobs/alerts.py)
T = TypeVar("T")
JOBS_MODES = ("threads", "queue")  # JOBS_MODE: who executes runs (README "Production")
LOG_FORMATS = ("text", "json")  # LOG_FORMAT: console lines for people, or one JSON object each


class ConfigError(ValueError):
    """A configuration value is missing or malformed; the message names the variable."""


def parse_boolean(name: str, raw: str) -> bool:
    value = raw.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off", ""):
        return False
    raise ConfigError(f"{name} must be true or false, got {raw!r}")


def parse_int(
    name: str, raw: str, *, minimum: int | None = None, maximum: int | None = None
) -> int:
    try:
        value = int(raw.strip())
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from None
    if minimum is not None and value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise ConfigError(f"{name} must be at most {maximum}, got {value}")
    return value


def parse_float(name: str, raw: str, *, minimum: float = 0.0) -> float:
    try:
        value = float(raw.strip())
    except ValueError:
        raise ConfigError(f"{name} must be a number, got {raw!r}") from None
    if value <= minimum:
        raise ConfigError(f"{name} must be greater than {minimum:g}, got {raw!r}")
    return value


def parse_choice(name: str, raw: str, choices: tuple[str, ...]) -> str:
    value = raw.strip().lower()
    if value not in choices:
        raise ConfigError(f"{name} must be one of {', '.join(choices)}, got {raw!r}")
    return value


def parse_url(name: str, raw: str, *, schemes: tuple[str, ...] = ("http", "https")) -> str:
    value = raw.strip().rstrip("/")
    parts = urlsplit(value)
    if parts.scheme not in schemes or not parts.netloc:
        raise ConfigError(
            f"{name} must be a URL starting with {' or '.join(schemes)}://, got {raw!r}"
        )
    return value


def parse_cron(name: str, raw: str) -> str:
    """Five crontab fields (minute hour day-of-month month day-of-week), as croniter reads them:
    the library that computes the fire times is the one that judges the string."""
    from croniter import croniter

    fields = raw.split()
    if len(fields) != 5 or not croniter.is_valid(" ".join(fields)):
        raise ConfigError(
            f"{name} must be a cron string of five fields (minute hour day month weekday), "
            f"got {raw!r}"
        )
    return " ".join(fields)


def parse_class_types(name: str, raw: str) -> tuple[str, ...]:
    wanted = tuple(part.strip().upper() for part in raw.split(",") if part.strip())
    if not wanted:
        raise ConfigError(
            f"{name} must list at least one of {', '.join(DAILYMED_CLASS_TYPE_CHOICES)}"
        )
    unknown = [part for part in wanted if part not in DAILYMED_CLASS_TYPE_CHOICES]
    if unknown:
        raise ConfigError(
            f"{name} has unknown class type(s) {', '.join(unknown)}; "
            f"choose from {', '.join(DAILYMED_CLASS_TYPE_CHOICES)}"
        )
    return wanted


def parse_host(name: str, raw: str) -> str:
    """An address to listen on: an IPv4/IPv6 address or a host name, no scheme, no port."""
    value = raw.strip()
    if not value or any(c in value for c in "/ ") or value.count(":") == 1:
        raise ConfigError(
            f"{name} must be an address to listen on (127.0.0.1, 0.0.0.0), got {raw!r}"
        )
    return value


def default_web_concurrency(cpus: int | None = None) -> int:
    """gunicorn worker processes when WEB_CONCURRENCY is unset: one per CPU plus one, 2 to 8
    (each holds its own database pool; more processes past 8 mostly add connections)."""
    return min(max((cpus or os.cpu_count() or 1) + 1, 2), 8)


def default_web_threads(cpus: int | None = None) -> int:
    """Threads per gunicorn worker when WEB_THREADS is unset: two per CPU, 4 to 8. Requests
    mostly wait on PostgreSQL, so threads are cheap; they also size each worker's pool."""
    return min(max(2 * (cpus or os.cpu_count() or 1), 4), 8)


def parse_notify_on(name: str, raw: str) -> tuple[str, ...]:
    """The alert events wanted, from a comma-separated list (`failed,needs_review`)."""
    wanted = tuple(dict.fromkeys(part.strip().lower() for part in raw.split(",") if part.strip()))
    unknown = [part for part in wanted if part not in NOTIFY_EVENTS]
    if unknown or not wanted:
        raise ConfigError(f"{name} must list events among {', '.join(NOTIFY_EVENTS)}, got {raw!r}")
    return wanted


def database_url_from_parts(env: Mapping[str, str]) -> str | None:
    """Assemble a URL from DB_* variables; None when none of them is set."""
    names = ("DB_USER", "DB_PASSWORD", "DB_HOST", "DB_PORT", "DB_NAME")
    if not any(env.get(name) for name in names):
        return None
    user = quote(env.get("DB_USER", "postgres"), safe="")
    password = env.get("DB_PASSWORD", "")
    auth = f"{user}:{quote(password, safe='')}" if password else user
    host = env.get("DB_HOST", "localhost")
    port = parse_int("DB_PORT", env.get("DB_PORT", "5432"), minimum=1, maximum=65535)
    name = env.get("DB_NAME", "medsync")
    return f"postgresql+psycopg2://{auth}@{host}:{port}/{name}"


def normalize_database_url(name: str, raw: str) -> str:
    """Name the driver on purpose: SQLAlchemy 2.1 maps bare postgresql:// to psycopg 3."""
    from sqlalchemy.engine import make_url

    value = raw.strip()
    for prefix in ("postgres://", "postgresql://"):
        if value.startswith(prefix):
            value = "postgresql+psycopg2://" + value[len(prefix) :]
    if not value.startswith("postgresql+psycopg2://"):
        scheme = value.split(":", 1)[0]
        raise ConfigError(f"{name} must be a postgresql:// URL, got a {scheme!r} URL")
    try:
        make_url(value).port  # noqa: B018 - parsing the port is the check
    except ValueError:
        raise ConfigError(f"{name} is not a valid URL (check the host and port)") from None
    return value


def parse_admin_username(name: str, raw: str) -> str:
    value = raw.strip()
    if not value or len(value) > 80 or not all(c.isalnum() or c in "._-@" for c in value):
        raise ConfigError(f"{name} may hold letters, digits and . _ - @ (at most 80 characters)")
    return value


def parse_admin_password(name: str, raw: str) -> str:
    if len(raw) < MIN_PASSWORD_LENGTH:
        raise ConfigError(f"{name} must be at least {MIN_PASSWORD_LENGTH} characters")
    return raw


def redact_url(url: str) -> str:
    """The URL with its password replaced, safe for messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return parts._replace(netloc=netloc).geturl()


@dataclass(frozen=True)
class Settings:
    database_url: str | None
    secret_key: str | None
    admin_username: str = "admin"
    admin_password: str | None = None
    flask_port: int = 5000
    flask_host: str = "127.0.0.1"
    web_concurrency: int = field(default_factory=default_web_concurrency)
    web_threads: int = field(default_factory=default_web_threads)
    jobs_mode: str = "threads"
    log_level: str = "INFO"
    log_format: str = "text"
    dailymed_base_url: str = DEFAULT_DAILYMED_BASE_URL
    dailymed_class_types: tuple[str, ...] = DAILYMED_CLASS_TYPE_CHOICES
    dailymed_max_classes: int | None = None
    dailymed_concurrency: int = 4
    dailymed_rate_limit: float = 8.0
    dailymed_timeout: float = 30.0
    dailymed_max_retries: int = 5
    dailymed_retry_backoff: float = 0.5
    portal_profile: str = DEFAULT_PORTAL_PROFILE
    portal_base_url: str | None = None
    portal_username: str | None = None
    portal_password: str | None = field(default=None, repr=False)
    selenium_headless: bool = True
    selenium_remote_url: str | None = None
    chrome_binary: str | None = None
    chromedriver_path: str | None = None
    scrape_schedule: str = "0 0 * * *"
    analytics_schedule: str = "10 0 */2 * *"
    scheduler_enabled: bool = True
    analytics_after_sync: bool = True
    schedule_grace_minutes: int = 60
    job_stale_after: float = 30.0
    notify_webhook_url: str | None = field(default=None, repr=False)  # may carry a secret
    notify_on: tuple[str, ...] = ("failed", "needs_review")
    notify_retries: int = 3
    notify_retry_backoff: float = 1.0
    migrate_on_start: bool = True
    trusted_proxies: int = 0
    session_idle_minutes: int = 30
    session_max_hours: int = 12
    request_statement_timeout: float = 20.0
    export_concurrency: int = 4
    export_per_user: int = 2
    search_concurrency: int = 4
    run_retention_days: int = 0  # 0: keep every run (jobs/retention.py)
    run_log_retention_days: int = 90  # 0: keep every run's log lines
    retention_schedule: str = "30 3 * * *"
    prometheus_multiproc_dir: str | None = None  # gunicorn sets one when unset (gunicorn.conf.py)
    instance_path: str | None = None  # None: instance/ beside app.py

    def __repr__(self) -> str:  # secrets never reach a log line through a stray repr
        return f"Settings(database={redact_url(self.database_url or 'embedded')!r}, ...)"


def load_settings(environ: Mapping[str, str] | None = None, *, dotenv: bool = True) -> Settings:
    """Read and validate every setting. Raises ConfigError naming the first bad variable."""
    if environ is None:
        if dotenv:
            from dotenv import load_dotenv

            load_dotenv(Path.cwd() / ".env", override=False)
        environ = os.environ
    env = {key: value for key, value in environ.items() if value != ""}

    def opt(name: str) -> str | None:
        return env.get(name)

    def given(name: str, parse: Callable[[str, str], T]) -> T | None:
        """The parsed value of a setting that has no default, or None when it is not set."""
        return parse(name, env[name]) if name in env else None

    def days(name: str, default: str) -> int:  # a retention period; 0 keeps forever
        return parse_int(name, env.get(name, default), minimum=0, maximum=36500)

    database_url = opt("DATABASE_URL")
    if database_url:
        database_url = normalize_database_url("DATABASE_URL", database_url)
    else:
        database_url = database_url_from_parts(env)

    log_level = env.get("LOG_LEVEL", "INFO").upper()
    if log_level not in LOG_LEVELS:
        raise ConfigError(f"LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}, got {log_level!r}")

    profile = env.get("PORTAL_PROFILE", DEFAULT_PORTAL_PROFILE)
    builtins = builtin_profile_names()
    if profile not in builtins and not Path(profile).is_file():
        raise ConfigError(
            f"PORTAL_PROFILE must be one of {', '.join(builtins)} (scraper/profiles/) or a path "
            f"to a profile file; no file at {profile!r}"
        )

    return Settings(
        database_url=database_url,
        secret_key=opt("SECRET_KEY"),
        admin_username=parse_admin_username("ADMIN_USERNAME", env.get("ADMIN_USERNAME", "admin")),
        admin_password=given("ADMIN_PASSWORD", parse_admin_password),
        flask_port=parse_int("FLASK_PORT", env.get("FLASK_PORT", "5000"), minimum=1, maximum=65535),
        flask_host=parse_host("FLASK_HOST", env.get("FLASK_HOST", "127.0.0.1")),
        web_concurrency=(
            parse_int("WEB_CONCURRENCY", env["WEB_CONCURRENCY"], minimum=1, maximum=64)
            if "WEB_CONCURRENCY" in env
            else default_web_concurrency()
        ),
        web_threads=(
            parse_int("WEB_THREADS", env["WEB_THREADS"], minimum=1, maximum=64)
            if "WEB_THREADS" in env
            else default_web_threads()
        ),
        jobs_mode=parse_choice("JOBS_MODE", env.get("JOBS_MODE", "threads"), JOBS_MODES),
        log_level=log_level,
        log_format=parse_choice("LOG_FORMAT", env.get("LOG_FORMAT", "text"), LOG_FORMATS),
        dailymed_base_url=parse_url(
            "DAILYMED_BASE_URL", env.get("DAILYMED_BASE_URL", DEFAULT_DAILYMED_BASE_URL)
        ),
        dailymed_class_types=parse_class_types(
            "DAILYMED_CLASS_TYPES", env.get("DAILYMED_CLASS_TYPES", "EPC,MOA,PE,CI")
        ),
        dailymed_max_classes=given("DAILYMED_MAX_CLASSES", partial(parse_int, minimum=1)),
        dailymed_concurrency=parse_int(
            "DAILYMED_CONCURRENCY", env.get("DAILYMED_CONCURRENCY", "4"), minimum=1, maximum=64
        ),
        dailymed_rate_limit=parse_float("DAILYMED_RATE_LIMIT", env.get("DAILYMED_RATE_LIMIT", "8")),
        dailymed_timeout=parse_float("DAILYMED_TIMEOUT", env.get("DAILYMED_TIMEOUT", "30")),
        dailymed_max_retries=parse_int(
            "DAILYMED_MAX_RETRIES", env.get("DAILYMED_MAX_RETRIES", "5"), minimum=0, maximum=20
        ),
        dailymed_retry_backoff=parse_float(
            "DAILYMED_RETRY_BACKOFF", env.get("DAILYMED_RETRY_BACKOFF", "0.5")
        ),
        portal_profile=profile,
        portal_base_url=given("PORTAL_BASE_URL", parse_url),
        portal_username=opt("PORTAL_USERNAME"),
        portal_password=opt("PORTAL_PASSWORD"),
        selenium_headless=parse_boolean("SELENIUM_HEADLESS", env.get("SELENIUM_HEADLESS", "true")),
        selenium_remote_url=given("SELENIUM_REMOTE_URL", parse_url),
        chrome_binary=opt("CHROME_BINARY"),
        chromedriver_path=opt("CHROMEDRIVER_PATH"),
        scrape_schedule=parse_cron("SCRAPE_SCHEDULE", env.get("SCRAPE_SCHEDULE", "0 0 * * *")),
        analytics_schedule=parse_cron(
            "ANALYTICS_SCHEDULE", env.get("ANALYTICS_SCHEDULE", "10 0 */2 * *")
        ),
        scheduler_enabled=parse_boolean("SCHEDULER_ENABLED", env.get("SCHEDULER_ENABLED", "true")),
        analytics_after_sync=parse_boolean(
            "ANALYTICS_AFTER_SYNC", env.get("ANALYTICS_AFTER_SYNC", "true")
        ),
        schedule_grace_minutes=parse_int(
            "SCHEDULE_GRACE_MINUTES",
            env.get("SCHEDULE_GRACE_MINUTES", "60"),
            minimum=1,
            maximum=7 * 24 * 60,
        ),
        # Heartbeats come every 5 s: a shorter cutoff would declare live runs dead.
        job_stale_after=parse_float(
            "JOB_STALE_AFTER", env.get("JOB_STALE_AFTER", "30"), minimum=10.0
        ),
        notify_webhook_url=given("NOTIFY_WEBHOOK_URL", parse_url),
        notify_on=parse_notify_on("NOTIFY_ON", env.get("NOTIFY_ON", "failed,needs_review")),
        notify_retries=parse_int(
            "NOTIFY_RETRIES", env.get("NOTIFY_RETRIES", "3"), minimum=0, maximum=10
        ),
        notify_retry_backoff=parse_float(
            "NOTIFY_RETRY_BACKOFF", env.get("NOTIFY_RETRY_BACKOFF", "1")
        ),
        migrate_on_start=parse_boolean("MIGRATE_ON_START", env.get("MIGRATE_ON_START", "true")),
        trusted_proxies=parse_int(
            "TRUSTED_PROXIES", env.get("TRUSTED_PROXIES", "0"), minimum=0, maximum=5
        ),
        session_idle_minutes=parse_int(
            "SESSION_IDLE_MINUTES",
            env.get("SESSION_IDLE_MINUTES", "30"),
            minimum=1,
            maximum=7 * 24 * 60,
        ),
        session_max_hours=parse_int(
            "SESSION_MAX_HOURS", env.get("SESSION_MAX_HOURS", "12"), minimum=1, maximum=30 * 24
        ),
        request_statement_timeout=parse_float(
            "REQUEST_STATEMENT_TIMEOUT", env.get("REQUEST_STATEMENT_TIMEOUT", "20"), minimum=0.1
        ),
        export_concurrency=parse_int(
            "EXPORT_CONCURRENCY", env.get("EXPORT_CONCURRENCY", "4"), minimum=1, maximum=50
        ),
        export_per_user=parse_int(
            "EXPORT_PER_USER", env.get("EXPORT_PER_USER", "2"), minimum=1, maximum=50
        ),
        search_concurrency=parse_int(
            "SEARCH_CONCURRENCY", env.get("SEARCH_CONCURRENCY", "4"), minimum=1, maximum=50
        ),
        run_retention_days=days("RUN_RETENTION_DAYS", "0"),
        run_log_retention_days=days("RUN_LOG_RETENTION_DAYS", "90"),
        retention_schedule=parse_cron(
            "RETENTION_SCHEDULE", env.get("RETENTION_SCHEDULE", "30 3 * * *")
        ),
        prometheus_multiproc_dir=opt("PROMETHEUS_MULTIPROC_DIR"),
        instance_path=given("INSTANCE_PATH", lambda _, raw: str(Path(raw).expanduser().resolve())),
    )
