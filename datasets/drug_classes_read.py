"""Drug classes as a drugs page shows them, read once per version of `drug_classes`.

A drugs page lists each drug's class ids (`Drug.class_ids`) and, in the same statement, the
version of `drug_classes` (migration 0019: drawn anew by each transaction that writes it, set
by the database as it commits, whoever writes). Each process keeps the classes it has read, by
id, for one version: while the version is unchanged a page reads no classes at all, and a page
that names classes not kept yet reads those alone, in one statement. A new version (a sync, an
edit, SQL by hand, in any process) replaces what was kept. Versions are compared for equality
only: each is a random number drawn once per writing transaction, so no version comes back
with other rows. A page read in a transaction that has written anything keeps nothing.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.dialects.postgresql import ARRAY

from database import db
from models import DrugClass, TableVersion

# The version the page's statement reads beside its rows (one indexed row, read once); NULL
# in a transaction that has written anything yet: classes it reads may not be committed, and
# its own class writes have not moved the version yet, so it reads them and keeps nothing.
VERSION = sa.case(
    (
        sa.func.pg_current_xact_id_if_assigned().is_(None),
        sa.select(TableVersion.version)
        .where(TableVersion.table_name == DrugClass.__tablename__)
        .scalar_subquery(),
    ),
    else_=sa.null(),
)
KEPT_AT_MOST = 50_000  # classes kept per process; past it, classes are read and not kept

# One array parameter (`= ANY`), not an IN list SQLAlchemy expands per call: a page's classes
# cost half as much to ask for.
_BY_ID = sa.select(DrugClass.id, DrugClass.code, DrugClass.name, DrugClass.class_type).where(
    DrugClass.id == sa.any_(sa.bindparam("ids", type_=ARRAY(sa.Integer)))
)


@dataclass
class _Kept:
    version: int | None = None
    by_id: dict[int, dict[str, Any]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


def classes_by_id(ids: set[int], version: int | None) -> dict[int, dict[str, Any]]:
    """The JSON of the classes `ids` that exist, by id, as of `version` of `drug_classes`
    (None: not kept by the database, so read every time). Shared: never change them."""
    if not ids:
        return {}
    if version is None:
        return _read(ids)
    kept: _Kept = current_app.extensions.setdefault("medsync.drug_classes_read", _Kept())
    with kept.lock:
        if version != kept.version:
            kept.version, kept.by_id = version, {}
        by_id = kept.by_id
        missing = ids - by_id.keys()
    found = _read(missing) if missing else {}
    with kept.lock:
        if len(by_id) + len(found) <= KEPT_AT_MOST:
            by_id.update(found)  # this version's classes, whether still kept or replaced since
        return {i: c for i in ids if (c := found.get(i) or by_id.get(i)) is not None}


def _read(ids: set[int]) -> dict[int, dict[str, Any]]:
    rows = db.session.execute(_BY_ID, {"ids": list(ids)})
    return {
        i: {"id": i, "code": code, "name": name, "class_type": kind} for i, code, name, kind in rows
    }
