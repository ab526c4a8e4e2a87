"""The one pagination helper: page/per_page in, {"success","count","total",...,"data"} out."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from typing import Any

import sqlalchemy as sa
from flask import jsonify, request

from api.validation import whole_number
from database import db
from errors import BadRequest

DEFAULT_PER_PAGE = 25
MAX_PER_PAGE = 200


MAX_PAGE = 1_000_000


def page_args() -> tuple[int, int]:
    return (
        whole_number(
            "page", request.args.get("page") or 1, minimum=1, maximum=MAX_PAGE, error=BadRequest
        ),
        whole_number(
            "per_page",
            request.args.get("per_page") or DEFAULT_PER_PAGE,
            minimum=1,
            maximum=MAX_PER_PAGE,
            error=BadRequest,
        ),
    )


def with_stable_order(query: sa.Select) -> sa.Select:
    """Ties in the requested order are broken by primary key, so pages never overlap or skip."""
    entity = query.column_descriptions[0]["entity"]
    if entity is None:  # not rows of a table (the audit log): its own order is already total
        return query
    return query.order_by(*entity.__mapper__.primary_key)


def sort_clause(allowed: dict[str, Any], default: str) -> list[Any]:
    """`?sort=name` or `?sort=-name` → an ORDER BY list; unknown keys are a 400 naming them."""
    raw = request.args.get("sort") or default
    key = raw.lstrip("-")
    if key not in allowed:
        raise BadRequest(
            f"Cannot sort by {key!r}; choose one of {', '.join(sorted(allowed))}.", field="sort"
        )
    column = allowed[key]
    descending = raw.startswith("-")
    if not getattr(column, "nullable", True):  # a plain ORDER BY can walk an index both ways
        return [column.desc() if descending else column.asc()]
    return [column.desc().nulls_last() if descending else column.asc().nulls_last()]


def paginate(
    query: sa.Select,
    serialize: Callable[[Any], dict[str, Any]],
    *,
    count_limit: int | None = None,
    count_plan: AbstractContextManager[Any] | None = None,
):
    """Run `query` for the requested page and answer the list envelope.

    With `count_limit` (text searches), counting stops there: `total` is then at most that and
    `total_exact` says whether there are more. `count_plan` (the search's own planner settings,
    say) is entered around the capped count and, when that found every match, the page query;
    with more matches than the cap, the page is read outside it."""
    page, per_page = page_args()
    page_query = with_stable_order(query).limit(per_page).offset((page - 1) * per_page)
    if count_limit is None:
        total = db.session.execute(
            sa.select(sa.func.count()).select_from(query.order_by(None).subquery())
        ).scalar_one()
        exact, rows = True, db.session.scalars(page_query).all()
    else:
        with count_plan or nullcontext():
            counted = query.order_by(None).limit(count_limit + 1).subquery()
            total = db.session.execute(sa.select(sa.func.count()).select_from(counted)).scalar_one()
            exact = total <= count_limit
            if exact:
                rows = db.session.scalars(page_query).all()
        if not exact:
            total, rows = count_limit, db.session.scalars(page_query).all()
    data = [serialize(row) for row in rows]
    return jsonify(
        {
            "success": True,
            "count": len(data),
            "total": total,
            "total_exact": exact,
            "page": page,
            "per_page": per_page,
            "pages": max(1, -(-total // per_page)),
            "data": data,
        }
    )
