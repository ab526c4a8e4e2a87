"""CSV export of what a list shows (same filters and sort), streamed so large tables fit."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import sqlalchemy as sa
from flask import Response, stream_with_context

from api.pagination import with_stable_order
from database import db

YIELD_PER = 500  # rows fetched from the cursor at a time
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> Any:
    # A spreadsheet would run a cell that starts like a formula; quote it (CSV injection).
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return "" if value is None else value


def csv_response(
    query: sa.Select,
    columns: Sequence[str],
    serialize: Callable[[sa.Row[Any]], dict[str, Any]],
    filename: str,
) -> Response:
    """Stream `query`'s rows as CSV. Rows come from a server-side cursor YIELD_PER at a time, so
    an export never holds more than that many rows in memory, however large the table."""

    def rows() -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(columns)
        ordered = with_stable_order(query).execution_options(yield_per=YIELD_PER)
        for record in db.session.execute(ordered):
            item = serialize(record)
            writer.writerow([_cell(item.get(name)) for name in columns])
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
        yield buffer.getvalue()

    response = Response(stream_with_context(rows()), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
