"""Benchmark #9, the kept counts (`analytics.kept`): what keeping them costs and when.

- the build: the first catch-up after the load (every drug noted by the COPY's triggers);
- a sync's worth of change before each timed stored run: `CHANGED` labels (1% of 100,000) get
  their codes and memberships replaced, as a sync replaces a re-fetched label's, and a flag
  flipped; then the catch-up a DailyMed sync ends with (timed: the sync's cost);
- the writes of such a change with the analytics triggers and without them, alternately (the
  cost the triggers add to a sync's write path)."""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass

import sqlalchemy as sa

from analytics import kept
from database import db

CHANGED = 1000
_TRIGGERS = {
    "ndc_codes": ("inserts", "updates", "deletes"),
    "drug_class_memberships": ("inserts", "updates", "deletes"),
    "drugs": ("inserts", "updates", "deletes"),
}


@dataclass
class KeptCosts:
    build_s: float
    catch_ups_s: list[float]  # after each timed run's change
    change_with_s: float
    change_without_s: float

    @property
    def catch_up_s(self) -> float:
        return statistics.median(self.catch_ups_s)


def timed_catch_up() -> float:
    """Seconds of a catch-up (the first after the load builds everything)."""
    started = time.perf_counter()
    kept.catch_up()
    return time.perf_counter() - started


def change(round_: int, labels: int = CHANGED) -> float:
    """Replace the codes and memberships of `labels` labels (a different set each round, the
    same rows put back) and flip a flag of each, in one transaction; its seconds."""
    started = time.perf_counter()
    session = db.session
    session.execute(
        sa.text(
            "CREATE TEMPORARY TABLE changed ON COMMIT DROP AS SELECT id FROM drugs "
            "WHERE archived_at IS NULL ORDER BY md5(id::text || :round) LIMIT :labels"
        ),
        {"round": str(round_), "labels": labels},
    )
    for table in ("ndc_codes", "drug_class_memberships"):
        session.execute(
            sa.text(
                f"CREATE TEMPORARY TABLE saved_{table} ON COMMIT DROP AS "
                f"SELECT * FROM {table} WHERE drug_id IN (SELECT id FROM changed)"
            )
        )
        session.execute(sa.text(f"DELETE FROM {table} WHERE drug_id IN (SELECT id FROM changed)"))
        session.execute(sa.text(f"INSERT INTO {table} SELECT * FROM saved_{table}"))
    session.execute(
        sa.text(
            "UPDATE drugs SET needs_review = NOT needs_review WHERE id IN (SELECT id FROM changed)"
        )
    )
    session.commit()
    return time.perf_counter() - started


def triggers(enabled: bool) -> None:
    """Turn the analytics triggers on or off (the bench's own database only)."""
    action = "ENABLE" if enabled else "DISABLE"
    for table, events in _TRIGGERS.items():
        for event in events:
            db.session.execute(
                sa.text(f"ALTER TABLE {table} {action} TRIGGER {table}_analytics_{event}")
            )
    db.session.commit()


def synced(round_: int) -> float:
    """A sync's worth of change (`change`) and the catch-up the sync ends with: its seconds."""
    change(round_)
    return timed_catch_up()


def costs(build_s: float, catch_ups_s: list[float], rounds: int = 3) -> KeptCosts:
    """Changes with and without the triggers, alternately."""
    with_, without = [], []
    for round_ in range(rounds):
        with_.append(change(100 + round_))
        triggers(enabled=False)
        try:
            without.append(change(200 + round_))
            change(200 + round_)  # the same labels' flags flipped back: nothing left unnoted
        finally:
            triggers(enabled=True)
    kept.catch_up()
    return KeptCosts(build_s, catch_ups_s, statistics.median(with_), statistics.median(without))
