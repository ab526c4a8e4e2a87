"""Set-based writes: one statement for many rows, in the session's transaction.

The one place where syncs write in bulk. Each helper sends a single statement for a whole batch
(INSERT … SELECT FROM unnest(…) and UPDATE … FROM unnest(…) with one array per column,
`COPY … FROM STDIN` for append-only rows), never one statement per row. Values are typed by the
target column: JSONB values are serialised here, every array is cast to its column's type.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from database import db

_DIALECT = postgresql.dialect()
# COPY's text format: backslash escapes; PostgreSQL text cannot hold NUL at all.
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r", "\x00": ""})
_needs_escape = re.compile(r"[\\\t\n\r\x00]").search  # most values need none: skip translate


def _cursor() -> Any:
    """A DB-API cursor on the session's connection (pending ORM changes flushed first)."""
    db.session.flush()
    return db.session.connection().connection.cursor()


def _sql_type(column: sa.Column) -> str:
    # VARCHAR, not VARCHAR(n): an explicit cast to varchar(n) would truncate silently, while
    # the assignment to the column rejects an over-long value.
    return re.sub(r"\(\d+\)", "", column.type.compile(dialect=_DIALECT))


def _is_json(column: sa.Column) -> bool:
    return isinstance(column.type, sa.JSON)


def _adapt(column: sa.Column, value: Any) -> Any:
    return json.dumps(value) if _is_json(column) else value


def _quoted(names: Iterable[str]) -> str:
    return ", ".join(f'"{name}"' for name in names)


def _columns_as_arrays(
    columns: Sequence[sa.Column], rows: Sequence[Mapping[str, Any]]
) -> tuple[str, list[list[Any]]]:
    """`unnest(%s::type[], …)` and its parameters: one array per column. The server reads a
    handful of array literals instead of parsing a VALUES row per record, and the statement
    text stays the same size whatever the batch."""
    unnest = "unnest(" + ", ".join(f"%s::{_sql_type(c)}[]" for c in columns) + ")"
    return unnest, [[_adapt(c, row[c.name]) for row in rows] for c in columns]


def insert_rows(
    table: sa.Table,
    rows: Sequence[Mapping[str, Any]],
    *,
    returning: Sequence[str] = (),
    on_conflict: str = "",
) -> list[tuple[Any, ...]]:
    """One INSERT … SELECT FROM unnest(…) of `rows` (dicts sharing their keys); `on_conflict`
    is appended as written (e.g. "ON CONFLICT DO NOTHING"). Returns the `returning` columns
    per row written."""
    if not rows:
        return []
    names = list(rows[0])
    unnest, arrays = _columns_as_arrays([table.c[name] for name in names], rows)
    sql = f"INSERT INTO {table.name} ({_quoted(names)}) SELECT * FROM {unnest} {on_conflict}"  # noqa: S608 - names are the model's table and columns (table.c refuses others), on_conflict a constant of ours; values are bound
    if returning:
        sql += f" RETURNING {_quoted(returning)}"
    with _cursor() as cursor:
        cursor.execute(sql, arrays)
        return [tuple(r) for r in cursor.fetchall()] if returning else []


def insert_new_rows(table: sa.Table, rows: Sequence[Mapping[str, Any]]) -> list[int]:
    """Rows known to be new (their keys were looked up under lock in this transaction): their
    ids drawn from the table's sequence in one statement, then one COPY. Returns the ids in
    row order. A unique column that does clash still fails the COPY, as an INSERT would."""
    if not rows:
        return []
    with _cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            (table.name, len(rows)),
        )
        ids = [row[0] for row in cursor.fetchall()]
    names = [name for name in rows[0] if name != "id"]
    copy_rows(
        table,
        ("id", *names),
        ((new_id, *(row[name] for name in names)) for new_id, row in zip(ids, rows, strict=True)),
    )
    return ids


def update_rows(table: sa.Table, rows: Sequence[Mapping[str, Any]], key: str = "id") -> None:
    """One UPDATE table SET c = v.c, … FROM unnest(…) v WHERE table.key = v.key for all rows
    (dicts sharing their keys, each holding `key`)."""
    if not rows:
        return
    names = list(rows[0])
    unnest, arrays = _columns_as_arrays([table.c[name] for name in names], rows)
    assignments = ", ".join(f'"{name}" = v."{name}"' for name in names if name != key)
    sql = (
        f"UPDATE {table.name} AS t SET {assignments} FROM {unnest} AS v ({_quoted(names)}) "  # noqa: S608 - names are the model's table and columns (table.c refuses others); values are bound
        f'WHERE t."{key}" = v."{key}"'
    )
    with _cursor() as cursor:
        cursor.execute(sql, arrays)


def _copy_text(value: Any) -> str:
    kind = type(value)
    if kind is str:
        return value.translate(_COPY_ESCAPES) if _needs_escape(value) else value
    if value is None:
        return "\\N"
    if kind is bool:
        return "t" if value else "f"
    if kind is int:
        return str(value)
    text = str(value)
    return text.translate(_COPY_ESCAPES) if _needs_escape(text) else text


def copy_rows(table: sa.Table, names: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Append rows (tuples in `names` order) with one COPY … FROM STDIN; returns the count."""
    json_positions = [i for i, name in enumerate(names) if _is_json(table.c[name])]
    buffer = io.StringIO()
    write = buffer.write
    count = 0
    for row in rows:
        if json_positions:
            row = list(row)
            for i in json_positions:
                row[i] = json.dumps(row[i])
        write("\t".join(map(_copy_text, row)))
        write("\n")
        count += 1
    if count:
        buffer.seek(0)
        with _cursor() as cursor:
            cursor.copy_expert(f"COPY {table.name} ({_quoted(names)}) FROM STDIN", buffer)
    return count


def expire_cached(model: type, ids: list[int]) -> None:
    """ORM objects of rows just written with SQL would show old values: reload them on use."""
    wanted = set(ids)
    for instance in list(db.session.identity_map.values()):
        if isinstance(instance, model) and sa.inspect(instance).identity[0] in wanted:
            db.session.expire(instance)


def column_default(column: sa.Column) -> Any:
    """A column's Python-side default, for source rows that leave a column out."""
    default = column.default
    if not isinstance(default, sa.ColumnDefault):  # none, or one the database computes
        return None
    return default.arg(None) if default.is_callable else default.arg
