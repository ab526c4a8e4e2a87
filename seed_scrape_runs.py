"""Fill the run history with believable sample runs for a demo: `python seed_scrape_runs.py`.

Idempotent: the sample runs are marked `is_sample` (and `triggered_by = "seed"`) and replaced
on every call, so running it twice leaves one set. Real runs are never touched.

Samples never pass for real history: they are left out of the success rate and /health, and
they are dated before the first real run (or before today when there is none), inserted oldest
first, so sorted by start time every real run comes after every sample. Their ids are drawn from
the same sequence as real runs (an id always names one run, in every URL and API answer).
"""

from __future__ import annotations

import argparse
import random
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

SEED_MARK = "seed"
FAILURES = {
    "portal": [
        "Login failed: Your password is invalid!",
        "Timed out after 20s waiting for table#authorizations[data-loaded='true']",
    ],
    "dailymed": [
        "DailyMed answered 503 Service Unavailable after 5 attempts",
        "Read timed out (30s) fetching /spls.json page 12",
    ],
}


def sample_runs(days: int, end: datetime, rng: random.Random) -> list[dict[str, Any]]:
    """`days` nights of runs, the last one on the night before `end`, oldest first."""
    runs: list[dict[str, Any]] = []
    for day in range(days, 0, -1):
        midnight = (end - timedelta(days=day)).replace(hour=0, minute=0, second=0, microsecond=0)
        for source, base_seconds, base_found in (("portal", 14, 45), ("dailymed", 420, 600)):
            started = midnight + timedelta(seconds=rng.randint(1, 40))
            failed = rng.random() < 0.12
            duration = base_seconds * rng.uniform(0.7, 1.6) * (0.3 if failed else 1)
            found = 0 if failed else base_found + rng.randint(-3, 12)
            inserted = 0 if failed else rng.randint(0, 6)
            updated = 0 if failed else rng.randint(0, 15)
            runs.append(
                {
                    "source": source,
                    "status": "failed" if failed else "completed",
                    "triggered_by": SEED_MARK,
                    "is_sample": True,
                    "created_at": started,
                    "started_at": started,
                    "heartbeat_at": started + timedelta(seconds=duration),
                    "completed_at": started + timedelta(seconds=duration),
                    "duration_seconds": round(duration, 2),
                    "progress_done": found,
                    "progress_total": found or None,
                    "current_step": None if failed else "done",
                    "records_found": found,
                    "records_inserted": inserted,
                    "records_updated": updated,
                    "records_unchanged": max(found - inserted - updated, 0),
                    "records_kept_manual": 0 if failed else rng.randint(0, 2),
                    "error_message": rng.choice(FAILURES[source]) if failed else None,
                    "progress_details": {},
                    "warnings": [],
                }
            )
    return sorted(runs, key=lambda run: run["created_at"])


def seed(days: int = 42, random_seed: int = 7) -> int:
    from database import db
    from models import Run, utcnow

    db.session.execute(sa.delete(Run).where(Run.is_sample))
    first_real = db.session.scalar(sa.select(sa.func.min(Run.created_at)))
    end = min(first_real, utcnow()) if first_real else utcnow()
    runs = sample_runs(days, end, random.Random(random_seed))
    db.session.execute(sa.insert(Run), runs)
    db.session.commit()
    return len(runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=42, help="how many days of history (42)")
    args = parser.parse_args()
    if args.days < 1:
        parser.error("--days must be at least 1")
    from app import create_app

    with create_app().app_context():
        count = seed(args.days)
    print(f"Seeded {count} sample runs over {args.days} days (replacing earlier sample runs).")


if __name__ == "__main__":
    main()
