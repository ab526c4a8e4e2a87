"""The URLs analysis: each record's source links grouped by host and path pattern, and the
records whose link is missing or malformed.

A label's links are its public DailyMed page and its SPL document, both by set id
(`LINK_TEMPLATES`); an authorization's link is its portal's table page (the profile's
`base_url` — or `PORTAL_BASE_URL` for the configured profile — joined with its first table page:
portals have no page per record). Links are built, split and generalised in SQL: the pattern is
the link's path with set ids (UUIDs) written `{set_id}` and numeric path segments `{n}`. A link
is malformed when it is no http(s) URL or a label's set id is no UUID; missing when there is
no set id, or no known portal profile for an authorization's source. The filters choose labels:
authorizations, which no label filter can choose, are counted only when no filter is set."""

from __future__ import annotations

from functools import cache
from typing import Any

import sqlalchemy as sa
from flask import current_app, has_app_context

from analytics.filters import Filters
from config import DEFAULT_DAILYMED_BASE_URL
from database import db
from models import Authorization, Drug
from scraper.dailymed_records import LABEL_PAGE_URL
from scraper.portal_profile import PortalProfile, builtin_profile_names, load_profile

LINK_TEMPLATES = (  # a label's public links; {set_id} is its set id
    LABEL_PAGE_URL,
    DEFAULT_DAILYMED_BASE_URL + "/spls/{set_id}.xml",
)
TOP_HOSTS = 50
LISTED = 100  # records listed as missing or malformed; the summary counts them all
UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
URL = r"^https?://[^/?#\s]+[^\s]*$"


def analyze(filters: Filters) -> dict[str, Any]:
    links = _links(filters)
    per_record = (
        sa.select(
            links.c.dataset,
            links.c.id,
            links.c.name,
            sa.func.min(links.c.link).label("link"),
            sa.func.count(links.c.link).label("present"),
            sa.func.bool_or(~links.c.well_formed).label("malformed"),
        )
        .group_by(links.c.dataset, links.c.id, links.c.name)
        .subquery("per_record")
    )
    totals = db.session.execute(
        sa.select(
            sa.func.count().label("records"),
            sa.func.count().filter(per_record.c.present == 0).label("missing"),
            sa.func.count().filter(per_record.c.malformed).label("malformed"),
        )
    ).one()
    good_links = db.session.scalar(
        sa.select(sa.func.count()).where(links.c.link.is_not(None), links.c.well_formed)
    )
    return {
        "summary": {
            "records": totals.records,
            "links": good_links,
            "missing": totals.missing,
            "malformed": totals.malformed,
        },
        "data": {
            "hosts": _hosts(links),
            "missing": _listed(per_record, per_record.c.present == 0),
            "malformed": _listed(per_record, per_record.c.malformed.is_(True)),
        },
    }


def _links(filters: Filters) -> sa.Subquery:
    """(dataset, id, name, link, well_formed): every link every record in scope should have,
    `link` NULL where it cannot be built."""
    set_id = sa.func.trim(Drug.set_id)
    drug_links = [
        sa.select(
            sa.literal("drugs").label("dataset"),
            Drug.id,
            Drug.title.label("name"),
            sa.case(
                (set_id == "", sa.null()),
                else_=sa.func.replace(sa.literal(template), "{set_id}", set_id),
            ).label("link"),
            sa.or_(set_id == "", set_id.regexp_match(f"^{UUID}$", flags="i")).label("well_formed"),
        ).where(filters.where())
        for template in LINK_TEMPLATES
    ]
    parts: list[sa.Select[Any]] = list(drug_links)
    if not filters.as_json():
        pages = _portal_pages()
        link: sa.ColumnElement[Any] = (
            sa.case(*((Authorization.source == s, url) for s, url in pages.items()))
            if pages
            else sa.null()
        )
        parts.append(
            sa.select(
                sa.literal("authorizations").label("dataset"),
                Authorization.id,
                Authorization.source_key.label("name"),
                link.label("link"),
                sa.func.coalesce(sa.cast(link, sa.Text).regexp_match(URL), sa.true()),
            )
        )
    return sa.union_all(*parts).subquery("links")


def _hosts(links: sa.Subquery) -> list[dict[str, Any]]:
    """Well-formed links per host and path pattern, most links first."""
    host = sa.func.substring(links.c.link, "^[a-zA-Z]+://([^/?#]+)")
    path = sa.func.substring(links.c.link, "^[a-zA-Z]+://[^/?#]+(.*)$")
    pattern = sa.func.regexp_replace(
        sa.func.regexp_replace(path, UUID, "{set_id}", "gi"), "/[0-9]+(?=[/?#]|$)", "/{n}", "g"
    )
    grouped = (
        sa.select(host.label("host"), pattern.label("pattern"))
        .where(links.c.link.is_not(None), links.c.well_formed)
        .subquery("grouped")
    )
    count = sa.func.count()
    rows = db.session.execute(
        sa.select(grouped.c.host, grouped.c.pattern, count.label("links"))
        .group_by(grouped.c.host, grouped.c.pattern)
        .order_by(count.desc(), grouped.c.host, grouped.c.pattern)
        .limit(TOP_HOSTS)
    )
    return [{"host": row.host, "pattern": row.pattern, "links": row.links} for row in rows]


def _listed(per_record: sa.Subquery, where: sa.ColumnElement[bool]) -> list[dict[str, Any]]:
    rows = db.session.execute(
        sa.select(per_record)
        .where(where)
        .order_by(per_record.c.dataset, per_record.c.name, per_record.c.id)
        .limit(LISTED)
    )
    return [
        {"dataset": row.dataset, "id": row.id, "name": row.name, "link": row.link} for row in rows
    ]


def _portal_pages() -> dict[str, str]:
    """Each known portal source (a built-in profile, or the configured one) and its table page."""
    settings = current_app.config["SETTINGS"] if has_app_context() else None
    pages = {name: _table_page(_builtin(name), None) for name in builtin_profile_names()}
    if settings is not None:
        configured = _builtin(settings.portal_profile)
        pages[configured.name] = _table_page(configured, settings.portal_base_url)
    return {name: url for name, url in pages.items() if url}


@cache
def _builtin(name_or_path: str) -> PortalProfile:
    return load_profile(name_or_path)


def _table_page(profile: PortalProfile, base_url: str | None) -> str | None:
    base = base_url or profile.base_url
    if not base or not profile.table_paths:
        return None
    return base.rstrip("/") + "/" + profile.table_paths[0].lstrip("/")
