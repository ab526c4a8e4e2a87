"""The one pagination helper: page/per_page in, {"success","count","total",...,"data"} out."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from flask import jsonify, request

from database import db
from errors import BadRequest

DEFAULT_PER_PAGE = 25
MAX_PER_PAGE = 200


def _int_arg(name: str, default: int, minimum: int, maximum: int | None = None) -> int:
    raw = request.args.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadRequest(f"{name} must be a whole number, got {raw!r}.", field=name) from None
    if value < minimum or (maximum is not None and value > maximum):
        limit = f" and at most {maximum}" if maximum is not None else ""
        raise BadRequest(f"{name} must be at least {minimum}{limit}.", field=name)
    return value


def page_args() -> tuple[int, int]:
    return (
        _int_arg("page", 1, 1),
        _int_arg("per_page", DEFAULT_PER_PAGE, 1, MAX_PER_PAGE),
    )


def sort_clause(allowed: dict[str, Any], default: str) -> list[Any]:
    """`?sort=name` or `?sort=-name` → an ORDER BY list; unknown keys are a 400 naming them."""
    raw = request.args.get("sort") or default
    key = raw.lstrip("-")
    if key not in allowed:
        raise BadRequest(
            f"Cannot sort by {key!r}; choose one of {', '.join(sorted(allowed))}.", field="sort"
        )
    column = allowed[key]
    return [column.desc().nulls_last() if raw.startswith("-") else column.asc().nulls_last()]


def paginate(query: sa.Select, serialize: Callable[[Any], dict[str, Any]]):
    """Run `query` for the requested page and answer the list envelope."""
    page, per_page = page_args()
    total = db.session.scalar(
        sa.select(sa.func.count()).select_from(query.order_by(None).subquery())
    )
    rows = db.session.scalars(query.limit(per_page).offset((page - 1) * per_page)).all()
    data = [serialize(row) for row in rows]
    return jsonify(
        {
            "success": True,
            "count": len(data),
            "total": total,
            "page": page,
            "per_page": per_page,
            "pages": max(1, -(-total // per_page)),
            "data": data,
        }
    )
