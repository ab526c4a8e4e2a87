"""The portal sync job: scrape the portal's authorization table, merge it by the merge rules."""

from __future__ import annotations

import logging
from functools import partial
from typing import Any

import merge
from database import db
from datasets import authorizations
from jobs import engine
from scraper.browser import make_driver
from scraper.portal import AuthorizationRecord, scrape_portal
from scraper.portal_profile import PortalProfile, load_profile

log = logging.getLogger(__name__)

BATCH_SIZE = 500


class PortalNotConfigured(RuntimeError):
    failure = "The portal is not configured"


def record_row(record: AuthorizationRecord) -> dict[str, Any]:
    return {
        "source_key": record.key,
        "patient_name": record.patient_name,
        "authorization_number": record.authorization_number or None,
        "status": record.status,
        "payer": record.payer,
        "service_start": record.service_start,
        "service_end": record.service_end,
        "amount": record.amount,
        "extra": dict(record.extra),
    }


def _connection(settings: Any, profile: PortalProfile) -> tuple[str, str, str]:
    """Where to log in, and as whom: the settings, else the profile's own defaults."""

    def required(value: str | None, variable: str) -> str:
        if not value:
            raise PortalNotConfigured(f"{variable} is not set for portal profile {profile.name!r}")
        return value

    return (
        required(settings.portal_base_url or profile.base_url, "PORTAL_BASE_URL"),
        required(settings.portal_username or profile.username, "PORTAL_USERNAME"),
        required(settings.portal_password or profile.password, "PORTAL_PASSWORD"),
    )


@engine.register("portal")
def sync_portal(ctx: engine.JobContext) -> None:
    settings = ctx.settings
    profile = load_profile(settings.portal_profile)
    base_url, username, password = _connection(settings, profile)
    driver_factory = partial(
        make_driver,
        headless=settings.selenium_headless,
        remote_url=settings.selenium_remote_url,
        chrome_binary=settings.chrome_binary,
        chromedriver_path=settings.chromedriver_path,
    )
    log.info("syncing portal profile %s at %s", profile.name, base_url)
    records = scrape_portal(
        profile, base_url, username, password, driver_factory=driver_factory, reporter=ctx.reporter
    )
    dataset = authorizations.dataset(profile.name)
    total = len(records)
    ctx.reporter.progress(0, total, f"saving {total} records", phase="saving", unit="records")
    for start in range(0, total, BATCH_SIZE):
        ctx.reporter.checkpoint()
        batch = [record_row(r) for r in records[start : start + BATCH_SIZE]]
        merged = merge.merge_rows(dataset, batch, ctx.run_id)
        db.session.commit()  # each batch is its own transaction: all of it or none of it
        ctx.counts.add(merged.counts)
        for warning in merged.warnings:
            ctx.reporter.warn(warning)
        done = min(start + BATCH_SIZE, total)
        ctx.reporter.progress(
            done, total, f"saved {done} of {total} records", phase="saving", unit="records"
        )
    ctx.counts.missing = merge.mark_missing(dataset, ctx.run_id)
    db.session.commit()
