"""Fill the run history with believable sample runs for a demo: `python seed_scrape_runs.py`.

Idempotent: the sample runs are marked `triggered_by = "seed"` and replaced on every call, so
running it twice leaves one set. Real runs are never touched.
"""

from __future__ import annotations

import argparse
import random
from datetime import datetime, timedelta

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


def sample_runs(days: int, now: datetime, rng: random.Random) -> list[dict]:
    runs = []
    for day in range(days, 0, -1):
        midnight = (now - timedelta(days=day)).replace(hour=0, minute=0, second=0, microsecond=0)
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
    return runs


def seed(days: int = 42, random_seed: int = 7) -> int:
    from database import db
    from models import Run, utcnow

    runs = sample_runs(days, utcnow(), random.Random(random_seed))
    db.session.execute(sa.delete(Run).where(Run.triggered_by == SEED_MARK))
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
