"""The URLs analysis: each record's source links grouped by host and path pattern, and the
records whose link is missing or malformed.

A label's links are its public DailyMed page and its SPL document, both by set id
(`LINK_TEMPLATES`); an authorization's link is its portal's table page (the profile's
`base_url` — or `PORTAL_BASE_URL` for the configured profile — joined with its first table page:
portals have no page per record). Links are made from templates, so the records are counted in
SQL by what decides their links (a label's set id, an authorization's source) and the links of
each template counted at once: no link string is built per row. A pattern is a link's path and
query with set ids (UUIDs) written `{set_id}` and numeric path segments `{n}`. A record's link
is malformed when a label's set id is no UUID (or a portal's page no http(s) URL); missing when
a label has no set id, or an authorization's source is no known portal profile (or none: one a
person made has no source). The filters choose labels: authorizations, which no label filter
chooses, count only when no filter is set. Archived records (labels, authorizations) are left
out."""

from __future__ import annotations

import re
from collections import Counter
from functools import cache
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app, has_app_context

from analytics.filters import Filters
from config import DEFAULT_DAILYMED_BASE_URL
from database import db
from models import Authorization, Drug, unarchived
from scraper.dailymed_records import LABEL_PAGE_URL
from scraper.portal_profile import PortalProfile, builtin_profile_names, load_profile

LINK_TEMPLATES = (  # a label's public links; {set_id} is its set id
    LABEL_PAGE_URL,
    DEFAULT_DAILYMED_BASE_URL + "/spls/{set_id}.xml",
)
TOP_HOSTS = 50
LISTED = 100  # records listed as missing or malformed; the summary counts them all
UUID = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
_URL = re.compile(r"https?://[^/?#\s]+\S*")
_NUMBER_SEGMENT = re.compile(r"/[0-9]+(?=[/?#]|$)")


def analyze(filters: Filters) -> dict[str, Any]:
    set_id = sa.func.trim(Drug.set_id)
    missing = set_id == ""
    malformed = sa.and_(~missing, sa.not_(set_id.regexp_match(f"^{UUID}$")))
    records = filters.labels()
    listed, problems = _drugs_listed(filters, missing, malformed)
    missing_total, malformed_total = problems["missing"], problems["malformed"]
    links: Counter[tuple[str, str]] = Counter()
    for template in LINK_TEMPLATES:
        links[host_and_pattern(template.format(set_id="{set_id}"))] += (
            records - missing_total - malformed_total
        )
    if not filters.as_json():
        pages = _portal_pages()
        kept = unarchived(Authorization)
        for source, count in db.session.execute(
            sa.select(Authorization.source, sa.func.count())
            .where(kept)
            .group_by(Authorization.source)
        ):
            records += count
            page = pages.get(source) if source is not None else None
            if page is None:
                missing_total += count
            elif not _URL.fullmatch(page):
                malformed_total += count
            else:
                links[host_and_pattern(page)] += count
        # A NULL source is no portal: said outright, since NOT IN would leave it out.
        unknown = sa.or_(Authorization.source.is_(None), Authorization.source.not_in(list(pages)))
        bad = [source for source, page in pages.items() if not _URL.fullmatch(page)]
        listed["missing"][:0] = _authorizations_listed(sa.and_(kept, unknown), None)
        listed["malformed"][:0] = _authorizations_listed(
            sa.and_(kept, Authorization.source.in_(bad)), pages
        )
    return {
        "summary": {
            "records": records,
            "links": sum(links.values()),
            "missing": missing_total,
            "malformed": malformed_total,
        },
        "data": {
            "hosts": [
                {"host": host, "pattern": pattern, "links": count}
                for (host, pattern), count in sorted(
                    links.items(), key=lambda item: (-item[1], item[0])
                )[:TOP_HOSTS]
                if count
            ],
            "missing": listed["missing"][:LISTED],
            "malformed": listed["malformed"][:LISTED],
        },
    }


def host_and_pattern(link: str) -> tuple[str, str]:
    """A link's host, and its path and query with ids written as placeholders."""
    parts = urlsplit(link)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    path = re.sub(UUID, "{set_id}", path)
    return parts.netloc, _NUMBER_SEGMENT.sub("/{n}", path)


def _drugs_listed(
    filters: Filters, missing: sa.ColumnElement[bool], malformed: sa.ColumnElement[bool]
) -> tuple[dict[str, list[dict[str, Any]]], dict[str, int]]:
    """The first LISTED labels (by title) whose link is missing, and whose link is malformed;
    and how many there are of each. The few such labels are found in one pass (MATERIALIZED),
    then sorted: never a walk of the whole title index looking for them."""
    problems = (
        sa.select(
            Drug.id,
            Drug.title,
            Drug.set_id,
            sa.case((missing, "missing"), else_="malformed").label("problem"),
        )
        .where(filters.where(), sa.or_(missing, malformed))
        .cte("problems")
        .prefix_with("MATERIALIZED")
    )
    rank = sa.func.row_number().over(
        partition_by=problems.c.problem, order_by=(problems.c.title, problems.c.id)
    )
    total = sa.func.count().over(partition_by=problems.c.problem)
    ranked = sa.select(problems, rank.label("rank"), total.label("total")).subquery("ranked")
    rows = db.session.execute(
        sa.select(ranked).where(ranked.c.rank <= LISTED).order_by(ranked.c.rank)
    )
    listed: dict[str, list[dict[str, Any]]] = {"missing": [], "malformed": []}
    totals = {"missing": 0, "malformed": 0}
    for row in rows:
        totals[row.problem] = row.total
        listed[row.problem].append(_listed("drugs", row.id, row.title, _label_page(row.set_id)))
    return listed, totals


def _label_page(set_id: str) -> str | None:
    return LINK_TEMPLATES[0].format(set_id=set_id.strip()) if set_id.strip() else None


def _authorizations_listed(
    where: sa.ColumnElement[bool], pages: dict[str, str] | None
) -> list[dict[str, Any]]:
    rows = db.session.execute(
        sa.select(Authorization.id, Authorization.source_key, Authorization.source)
        .where(where)
        .order_by(Authorization.source_key, Authorization.id)
        .limit(LISTED)
    )
    return [
        _listed(
            "authorizations",
            row.id,
            row.source_key,
            pages.get(row.source) if pages and row.source is not None else None,
        )
        for row in rows
    ]


RECORD_KINDS = {"drugs": "Label", "authorizations": "Authorization"}


def _listed(dataset: str, record_id: int, name: str | None, link: str | None) -> dict[str, Any]:
    """A record listed for its link: its dataset and id, its name (a label's title, an
    authorization's portal key) or, when it has none, its kind and id ("Authorization #12": one
    a person made has no portal key), where the API serves it, and the link (None: missing)."""
    return {
        "dataset": dataset,
        "id": record_id,
        "name": name or f"{RECORD_KINDS[dataset]} #{record_id}",
        "record": f"/api/{dataset}/{record_id}",
        "link": link,
    }


def _portal_pages() -> dict[str, str]:
    """Each known portal source (a built-in profile, or the configured one) and its table page."""
    settings = current_app.config["SETTINGS"] if has_app_context() else None
    pages = {name: _table_page(_profile(name), None) for name in builtin_profile_names()}
    if settings is not None:
        configured = _profile(settings.portal_profile)
        pages[configured.name] = _table_page(configured, settings.portal_base_url)
    return {name: url for name, url in pages.items() if url}


@cache
def _profile(name_or_path: str) -> PortalProfile:
    return load_profile(name_or_path)


def _table_page(profile: PortalProfile, base_url: str | None) -> str | None:
    base = base_url or profile.base_url
    if not base or not profile.table_paths:
        return None
    return base.rstrip("/") + "/" + profile.table_paths[0].lstrip("/")
