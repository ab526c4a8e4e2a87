"""The one pagination helper: page/per_page in, {"success","count","total",...,"links","data"}
out; and the one sort parser (`?sort=name`, `?sort=-name`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import urlencode

import sqlalchemy as sa
from flask import jsonify, request

from database import db
from datasets.listing import Unparsable, parse_whole_number
from errors import ValidationFailed

DEFAULT_PER_PAGE = 25
MAX_PER_PAGE = 200  # beyond it a 422 naming per_page, never silently fewer rows
MAX_PAGE = 1_000_000
# Paged statements kept per list statement (api/records.py keeps as many list statements).
STATEMENTS_KEPT = 256


def page_args() -> tuple[int, int]:
    """`page` and `per_page`, as the route's query model (api/params.Paged) validated them;
    read with the same parser when a route has none (422 naming the one out of bounds)."""
    validated = getattr(getattr(request, "context", None), "query", None)
    if validated is not None and hasattr(validated, "per_page"):
        return validated.page or 1, validated.per_page or DEFAULT_PER_PAGE
    return (
        _bounded("page", MAX_PAGE) or 1,
        _bounded("per_page", MAX_PER_PAGE) or DEFAULT_PER_PAGE,
    )


def _bounded(name: str, maximum: int) -> int | None:
    try:
        return parse_whole_number(request.args.get(name), 1, maximum)
    except Unparsable as exc:
        raise ValidationFailed(f"{name} {exc}.", field=name) from None


def page_links(page: int, pages: int | None, has_next: bool) -> dict[str, str]:
    """Relative URLs of this list's pages, keeping every other query parameter. `last` (and
    `pages`) is None when the total is approximate (a capped search count)."""

    def link(number: int) -> str:
        args = [(key, value) for key, value in request.args.items(multi=True) if key != "page"]
        return f"{request.path}?{urlencode([*args, ('page', str(number))])}"

    links = {"self": link(page), "first": link(1)}
    if page > 1:
        links["prev"] = link(min(page - 1, pages) if pages else page - 1)
    if has_next:
        links["next"] = link(page + 1)
    if pages is not None:
        links["last"] = link(pages)
    return links


def with_stable_order(query: sa.Select) -> sa.Select:
    """Ties in the requested order are broken by primary key, so pages never overlap or skip."""
    entity = query.column_descriptions[0]["entity"]
    if entity is None:  # not rows of a table (the audit log): its own order is already total
        return query
    return query.order_by(*entity.__mapper__.primary_key)


def sort_clause(allowed: dict[str, Any], default: str) -> list[Any]:
    """`?sort=name` or `?sort=-name` → an ORDER BY list; an unknown key is a 422 naming `sort`
    and listing the allowed keys (`details.allowed`)."""
    key, descending = sort_arg(tuple(allowed), default)
    column = allowed[key]
    if not getattr(column, "nullable", True):  # a plain ORDER BY can walk an index both ways
        return [column.desc() if descending else column.asc()]
    return [column.desc().nulls_last() if descending else column.asc().nulls_last()]


def sort_arg(allowed: tuple[str, ...], default: str) -> tuple[str, bool]:
    """The requested sort key and whether it is descending (`-name`), or a 422 listing
    `allowed`. For lists whose order is not a column of one table (the audit log)."""
    raw = request.args.get("sort") or default
    key = raw[1:] if raw.startswith("-") else raw
    if key not in allowed:
        choices = sorted(allowed)
        raise ValidationFailed(
            f"Cannot sort by {key[:40]!r}; choose one of {', '.join(choices)} "
            "(prefix - for descending).",
            field="sort",
            allowed=choices,
        )
    return key, raw.startswith("-")


@dataclass(frozen=True)
class _Paged:
    """The statements a page of one list runs, with its page, its size and the count's cap as
    parameters (`page_limit`, `page_offset`, `count_cap`), so that each is built, and its
    SQLAlchemy cache key computed, once (a key walks the whole statement: 0.1 ms of a page's
    CPU; bench/README.md, "Load")."""

    page: sa.Select
    with_total: sa.Select | None  # the page with the kept total as its last column
    count: sa.Select
    capped_count: sa.Select  # how many rows, stopping past count_cap


@lru_cache(maxsize=STATEMENTS_KEPT)
def _paged(query: sa.Select, known_total: sa.ScalarSelect[int] | None) -> _Paged:
    """`query`'s page statements. Kept per statement object: a route that builds its query per
    request (a record's history) only cycles the oldest; the record lists keep theirs
    (api/records.py), so theirs are found here."""
    unordered = query.order_by(None)
    page = (
        with_stable_order(query)
        .limit(sa.bindparam("page_limit"))
        .offset(sa.bindparam("page_offset"))
    )
    return _Paged(
        page=page,
        with_total=None if known_total is None else page.add_columns(known_total),
        count=sa.select(sa.func.count()).select_from(unordered.subquery()),
        capped_count=sa.select(sa.func.count()).select_from(
            unordered.limit(sa.bindparam("count_cap")).subquery()
        ),
    )


PageSerializer = Callable[[Sequence[Any]], list[dict[str, Any]]]


def each(serialize: Callable[[Any], dict[str, Any]]) -> PageSerializer:
    """A page's rows serialized one by one by `serialize` (most lists: a row's JSON needs
    nothing from the other rows of its page)."""
    return lambda rows: [serialize(row) for row in rows]


def paginate(
    query: sa.Select,
    serialize: PageSerializer,
    *,
    count_limit: int | None = None,
    count_plan: AbstractContextManager[Any] | None = None,
    known_total: sa.ScalarSelect[int] | None = None,
):
    """Run `query` for the requested page and answer the list envelope, the page's rows as
    `serialize` gives them (`each(row_json)` for one row at a time).

    With `count_limit` (text searches), counting stops there: `total` is then at most that and
    `total_exact` says whether there are more. `count_plan` (the search's own planner settings,
    say) is entered around the capped count and, when that found every match, the page query;
    with more matches than the cap, the page is read outside it. `known_total` (a scalar
    subquery of the count the database keeps, for an unfiltered list) is read in the page's own
    statement and answered as the exact total, without counting."""
    page, per_page = page_args()
    statements = _paged(query, known_total)
    window = {"page_limit": per_page, "page_offset": (page - 1) * per_page}

    def count() -> int:
        return db.session.execute(statements.count).scalar_one()

    def rows_of_page() -> Sequence[Any]:
        return db.session.scalars(statements.page, window).all()

    exact = True
    if statements.with_total is not None:  # kept by the database (an unfiltered list)
        found = db.session.execute(statements.with_total, window).all()
        rows: Sequence[Any] = [row[0] for row in found]
        total = found[0][1] if found else None
        if total is None:  # past the last page, or a table not counted yet
            total = count()
    elif count_limit is None:
        total, rows = count(), rows_of_page()
    else:
        with count_plan or nullcontext():
            total = db.session.execute(
                statements.capped_count, {"count_cap": count_limit + 1}
            ).scalar_one()
            exact = total <= count_limit
            if exact:
                rows = rows_of_page()
        if not exact:
            total, rows = count_limit, rows_of_page()
    data = serialize(rows)
    pages = max(1, -(-total // per_page))
    has_next = page < pages or (not exact and len(data) == per_page)
    return jsonify(
        {
            "success": True,
            "count": len(data),
            "total": total,
            "total_exact": exact,
            "page": page,
            "per_page": per_page,
            "max_per_page": MAX_PER_PAGE,
            "pages": pages,
            "links": page_links(page, pages if exact else None, has_next),
            "data": data,
        }
    )
