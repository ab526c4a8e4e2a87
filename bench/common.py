"""What the DailyMed benchmarks share: a throw-away database, the app on it, sandbox data shaped
as the client returns it, percentiles and writing a section of bench/README.md."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from datetime import date
from pathlib import Path

import sqlalchemy as sa
from flask import Flask

from bench.latency import delayed_link
from config import load_settings
from sandbox.catalogue import Catalogue, Label
from scraper.dailymed import ClassSummary, LabelDetail, LabelSummary, parse_label_detail
from tests.fixtures.app import postgres_server, recreate_database

README = Path(__file__).with_name("README.md")


@contextmanager
def benchmark_server(one_way_ms: float | None = None) -> Iterator[str]:
    """An admin URL on a throw-away embedded PostgreSQL (or on the server DATABASE_URL names).
    With `one_way_ms`, the embedded server is reached through the latency proxy instead of its
    Unix socket: a database across a network (bench/latency.py)."""
    with postgres_server() as server_url:
        socket_dir = sa.engine.make_url(server_url).query.get("host")
        if one_way_ms is None:
            yield server_url
            return
        if not isinstance(socket_dir, str) or os.environ.get("DATABASE_URL"):
            raise SystemExit("a simulated link needs the embedded server: unset DATABASE_URL")
        with delayed_link(f"{socket_dir}/.s.PGSQL.5432", one_way_ms) as (host, port):
            yield f"postgresql+psycopg2://postgres@{host}:{port}/postgres"


@contextmanager
def benchmark_app(database: str, server_url: str | None = None) -> Iterator[Flask]:
    """The app, migrated, on a fresh database of `server_url` (by default a throw-away embedded
    PostgreSQL, or the server DATABASE_URL names): a database of its own, never the app's."""
    from app import create_app

    with ExitStack() as stack:
        if server_url is None:
            server_url = stack.enter_context(benchmark_server())
        url = recreate_database(server_url, database)
        settings = load_settings(
            {"ADMIN_PASSWORD": "bench-password-123", "SECRET_KEY": "bench", "LOG_LEVEL": "WARNING"}
        )
        app = create_app({"SETTINGS": settings, "SQLALCHEMY_DATABASE_URI": url})
        with app.app_context():
            yield app
            from database import db

            db.session.remove()
            db.engine.dispose()


def source_classes(catalogue: Catalogue) -> list[ClassSummary]:
    return [ClassSummary(c.code, c.coding_system, c.type, c.name) for c in catalogue.classes]


def summary(label: Label) -> LabelSummary:
    return LabelSummary(label.set_id, label.title, label.spl_version, label.published)


def detail(catalogue: Catalogue, label: Label) -> LabelDetail:
    """The label's packaging.json as the client parses it."""
    body = {"data": {**label.summary_json(), "products": catalogue.products(label)}}
    return parse_label_detail(label.set_id, body)


def write_readme_section(title: str, section: str) -> None:
    """Replace (or add) the section headed `title`, keeping every other section as it is."""
    text = README.read_text(encoding="utf-8") if README.exists() else "# Benchmarks\n"
    pattern = re.compile(rf"^{re.escape(title)}\n.*?(?=^## |\Z)", re.DOTALL | re.MULTILINE)
    if pattern.search(text):
        text = pattern.sub(lambda _: section + "\n", text, count=1)
    else:
        text = text.rstrip("\n") + "\n\n" + section
    README.write_text(text.rstrip("\n") + "\n", encoding="utf-8")


def percentile(values: Sequence[float], fraction: float) -> float:
    """The value `fraction` of the way through `values` sorted, by nearest rank (0.99: the p99)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def machine() -> str:
    """CPUs, date and load: the context a reader needs to judge the figures."""
    one, five, _ = os.getloadavg()
    return (
        f"{os.cpu_count()} CPUs, {date.today().isoformat()}, load average {one:.1f} "
        f"(5 min: {five:.1f}) when the run ended"
    )
