"""MedSync: the application factory. `python app.py` or `flask --app app run` serves it."""

from __future__ import annotations

import atexit
import logging
import secrets
import signal
import sys
from pathlib import Path
from typing import Any

import orjson
from flask import Flask, has_request_context, request
from flask.json.provider import DefaultJSONProvider
from flask.sessions import SecureCookieSessionInterface
from werkzeug.middleware.proxy_fix import ProxyFix

import cli
import sync  # noqa: F401  (importing the package registers the "portal" and "dailymed" jobs)
from accounts import access
from api import bp as api_bp
from api.errors import register_error_handlers
from api.validation import check_query_text
from config import ConfigError, Settings, load_settings
from database import (
    DatabaseUnavailable,
    check_connection,
    db,
    engine_options,
    limit_request_statements,
    migrate,
    start_embedded_postgres,
    upgrade_schema,
)
from jobs import engine, run_log, runs, schedules
from observability import logs, metrics
from scraper.portal_profile import ProfileError, load_profile
from web import login, pages

log = logging.getLogger("medsync")


class SessionInterface(SecureCookieSessionInterface):
    """Marks the session cookie Secure whenever the request came over https."""

    def get_cookie_secure(self, app: Flask) -> bool:
        configured = bool(app.config.get("SESSION_COOKIE_SECURE"))
        return configured or (has_request_context() and request.is_secure)


class JSONProvider(DefaultJSONProvider):
    """Flask's JSON, written by orjson: a page of 25 drugs (29 kB) in 0.02 ms instead of
    0.7 ms (bench/README.md, "Load"). Dates, decimals, UUIDs and dataclasses are still turned
    into what Flask makes of them (`default`), text is UTF-8 rather than \\u escapes, and
    indented output (debug mode) is left to Flask."""

    sort_keys = False  # answers keep the key order our serializers build
    _OPTIONS = (
        orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
    )

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        if not set(kwargs) - {"separators"}:
            try:
                return orjson.dumps(obj, default=self.default, option=self._OPTIONS).decode()
            except orjson.JSONEncodeError:  # what orjson cannot hold, e.g. an integer past 64 bits
                pass
        return super().dumps(obj, **kwargs)


class _ConsoleHandler(logging.StreamHandler):
    """MedSync's log handler; a second create_app in one process (tests) finds it there."""


def _secret_key(settings: Settings, instance_path: str) -> str:
    """SECRET_KEY, or one generated once and kept in instance/ so sessions survive restarts."""
    if settings.secret_key:
        return settings.secret_key
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def _configure_logging(level: str, log_format: str) -> None:
    root = logging.getLogger()
    if not any(isinstance(h, _ConsoleHandler) for h in root.handlers):
        handler = _ConsoleHandler(sys.stderr)
        handler.addFilter(engine.RunIdLogFilter())
        root.addHandler(handler)
    for existing in root.handlers:
        if isinstance(existing, _ConsoleHandler):
            existing.setLevel(level)
            existing.setFormatter(logs.formatter(log_format))  # LOG_FORMAT: text or json
    # Runs keep their INFO lines (jobs/run_log.py) whatever the console shows.
    root.setLevel(min(logging.getLevelName(level), logging.INFO))
    run_log.install()


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the app. Bad settings or an unreachable database exit with one clear line."""
    test_config = test_config or {}
    try:
        settings = test_config.get("SETTINGS") or load_settings()
    except ConfigError as exc:
        raise SystemExit(f"medsync: configuration error: {exc}") from None
    # INSTANCE_PATH keeps `make demo`'s embedded database and secret apart from `make run`'s.
    app = Flask(__name__, instance_path=settings.instance_path, instance_relative_config=True)
    try:
        load_profile(settings.portal_profile)
    except ProfileError as exc:
        raise SystemExit(f"medsync: configuration error: PORTAL_PROFILE: {exc}") from None
    _configure_logging(settings.log_level, settings.log_format)

    app.config.update(
        SETTINGS=settings,
        SECRET_KEY=_secret_key(settings, app.instance_path),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        MAX_CONTENT_LENGTH=2 * 1024 * 1024,
        SQLALCHEMY_ENGINE_OPTIONS=engine_options(settings.web_threads),
    )
    app.config.update(test_config)
    app.session_interface = SessionInterface()
    if settings.trusted_proxies:
        # Behind a reverse proxy: take client address and scheme from X-Forwarded-* (as many
        # hops as configured), so throttling and Secure cookies see the real request.
        hops = settings.trusted_proxies
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]  # Flask's documented way to wrap it
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops
        )
    app.json = JSONProvider(app)

    try:
        if not app.config.get("SQLALCHEMY_DATABASE_URI"):
            app.config["SQLALCHEMY_DATABASE_URI"] = (
                settings.database_url or start_embedded_postgres(app.instance_path)
            )
        check_connection(app.config["SQLALCHEMY_DATABASE_URI"])
    except DatabaseUnavailable as exc:
        raise SystemExit(f"medsync: {exc}") from None

    db.init_app(app)
    migrate.init_app(app, db)
    access.init_app(app)
    limit_request_statements(app)
    app.before_request(check_query_text)
    register_error_handlers(app)
    app.register_blueprint(pages.bp)
    app.register_blueprint(login.bp)
    app.register_blueprint(api_bp)
    metrics.init_app(app)
    cli.init_app(app)
    schedules.init_app(app)

    command = _flask_command()
    # `flask db …` manages the schema itself; start-up must not upgrade underneath it.
    if settings.migrate_on_start and command != "db":
        upgrade_schema(app)
        _create_first_admin(app, settings)
        with app.app_context():
            recovered = engine.recover_on_startup()
            schedules.store_configured_crons()
        if recovered:
            log.warning("%d unfinished run(s) marked interrupted", recovered)
    if _serving(command):
        # Runs whose process was killed end interrupted within JOB_STALE_AFTER × 4/3.
        app.extensions["medsync.reaper"] = runs.Reaper(app).start()
    if settings.scheduler_enabled and _serving(command):
        scheduler = schedules.Scheduler(app)
        scheduler.start()
        atexit.register(scheduler.stop)
        app.extensions["medsync.scheduler"] = scheduler
    return app


def _serving(command: str | None) -> bool:
    """Does this process serve HTTP (`python app.py`, `flask run`, gunicorn)? Only those fire
    schedules: never `flask users …`, the seed script, a benchmark or the tests."""
    program = Path(sys.argv[0]).name
    if program == "flask":
        return command == "run"
    return program == "app.py" or "gunicorn" in sys.modules


def _flask_command() -> str | None:
    """The `flask …` command this process runs (`db`, `run`, `users`, …); None when it is not
    the flask command line (`python app.py`, gunicorn, tests)."""
    if Path(sys.argv[0]).name != "flask":
        return None
    args = iter(sys.argv[1:])
    for arg in args:
        if arg in ("--app", "-A", "--env-file", "-e"):
            next(args, None)
        elif not arg.startswith("-"):
            return arg
    return None


def _create_first_admin(app: Flask, settings: Settings) -> None:
    import accounts

    with app.app_context():
        generated = accounts.ensure_initial_admin(settings.admin_username, settings.admin_password)
    if generated:
        # Printed once, to the console only: never written to the log.
        print(
            f"\n  MedSync created the first admin.\n  username: {settings.admin_username}\n"
            f"  password: {generated}\n  (set ADMIN_PASSWORD to choose it yourself)\n",
            file=sys.stderr,
            flush=True,
        )


def _exit_on_sigterm() -> None:
    """SIGTERM (docker stop, kill) exits through atexit, so the embedded PostgreSQL stops too."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))


if __name__ == "__main__":
    _exit_on_sigterm()
    application = create_app()
    port = application.config["SETTINGS"].flask_port
    application.run(host=application.config["SETTINGS"].flask_host, port=port)
