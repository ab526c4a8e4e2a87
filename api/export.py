"""CSV export of what a list shows (same filters and sort), streamed so large tables fit.

An export holds a database connection for as long as the client takes to read it, so exports
have their own small pool (EXPORT_CONCURRENCY connections) and never take the app's: a flood of
slow downloads cannot starve other requests. At most EXPORT_CONCURRENCY exports stream at once
per process, and EXPORT_PER_USER per user; beyond that the answer is 429 with Retry-After."""

from __future__ import annotations

import csv
import io
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import sqlalchemy as sa
from flask import Flask, Response, current_app, stream_with_context
from flask_login import current_user
from sqlalchemy.orm import Session

from api.pagination import with_stable_order
from api.slots import Slots
from database import db

YIELD_PER = 500  # rows fetched from the cursor at a time
RETRY_AFTER = 5  # seconds, when every export slot is taken
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> Any:
    # A spreadsheet would run a cell that starts like a formula; quote it (CSV injection).
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return "" if value is None else value


class _Exports:
    """Per app: the slots and the exports' own engine (made on first use)."""

    def __init__(self, app: Flask) -> None:
        settings = app.config["SETTINGS"]
        self.slots = Slots(
            "exports", settings.export_concurrency, settings.export_per_user, RETRY_AFTER
        )
        self._size = settings.export_concurrency
        self._engine: sa.Engine | None = None
        self._lock = threading.Lock()

    def engine(self) -> sa.Engine:
        with self._lock:
            if self._engine is None:
                self._engine = sa.create_engine(
                    db.engine.url,
                    pool_size=self._size,
                    max_overflow=0,
                    pool_pre_ping=True,
                    pool_timeout=RETRY_AFTER,
                )
            return self._engine


def _exports() -> _Exports:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    found = app.extensions.get("medsync_exports")
    if found is None:
        found = app.extensions.setdefault("medsync_exports", _Exports(app))
    return found


def csv_response(
    query: sa.Select,
    columns: Sequence[str],
    serialize: Callable[[sa.Row[Any]], dict[str, Any]],
    filename: str,
) -> Response:
    """Stream `query`'s rows as CSV. Rows come from a server-side cursor YIELD_PER at a time, so
    an export never holds more than that many rows in memory, however large the table; the
    cursor lives on the exports' own pool. 429 when this user's or everyone's slots are taken."""
    exports = _exports()
    user_id = current_user.id
    exports.slots.take(user_id)
    # The stream keeps this request alive for as long as the client reads: hand the app's own
    # connection (taken to authenticate) back to its pool now, not when the download ends.
    db.session.close()

    def rows() -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(columns)
        ordered = with_stable_order(query).execution_options(yield_per=YIELD_PER)
        with Session(bind=exports.engine()) as session:
            for record in session.execute(ordered):
                item = serialize(record)
                writer.writerow([_cell(item.get(name)) for name in columns])
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()

    response = Response(stream_with_context(rows()), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.call_on_close(lambda: exports.slots.give_back(user_id))
    return response
