"""The DailyMed sync job: drug classes → the labels in each → packaging of new or changed labels.

Three phases, each reported in the run's progress details for the dashboard:

1. classes — every class of the configured types (DAILYMED_CLASS_TYPES, the first
   DAILYMED_MAX_CLASSES of them when set), merged by the merge rules;
2. labels — each class's labels, `DAILYMED_CONCURRENCY` classes at a time. Labels are merged
   into drugs (people's corrections protected) and every (label, class) pair is kept. After a
   completed run only labels published since it started, minus SAFETY_MARGIN, are asked for; a
   class first seen since then is listed in full, and every FULL_LISTING_EVERY the whole
   listing is read again so labels gone from DailyMed can be marked missing;
3. details — packaging.json of every label whose stored NDCs and ingredients lag its version:
   new labels, changed ones, and those a cancelled or failed run left behind.

Every batch is its own transaction, so a cancelled or failed run keeps what it wrote and the
next run carries on from there. A label that keeps failing is reported and skipped; the run then
completes with errors.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from typing import TypeVar

import merge
from analytics import kept
from config import DAILYMED_CLASS_TYPE_CHOICES
from database import db
from datasets import drug_classes, drugs
from jobs import engine
from models import Run, utcnow
from reporting import Cancelled, Reporter
from scraper.dailymed import (
    ClassSummary,
    DailyMedClient,
    FetchError,
    LabelDetail,
    LabelFailure,
    LabelSummary,
    listing_forms_to_try,
)
from sync import dailymed_store as store

log = logging.getLogger(__name__)
T = TypeVar("T")

SAFETY_MARGIN = timedelta(days=3)
FULL_LISTING_EVERY = timedelta(days=7)
BATCH_SIZE = 1000  # labels per transaction
CLASS_REPORT_EVERY = 100  # classes read between two progress reports in phase 1
FLUSH_SECONDS = 5.0  # …or fewer, when DailyMed is slow: never hold fetched work for long


class SharedReporter(Reporter):
    """The run's reporter, usable from the client's listing threads too.

    The run's own reporter reads the database, which only the job's thread may do; from other
    threads a checkpoint stops work once the job's thread has seen a cancel request."""

    def __init__(self, run_reporter: Reporter) -> None:
        self.run_reporter = run_reporter
        self.owner = threading.get_ident()
        self.stopped = threading.Event()

    def checkpoint(self) -> None:
        if threading.get_ident() != self.owner:
            if self.stopped.is_set():
                raise Cancelled()
            return
        try:
            self.run_reporter.checkpoint()
        except Cancelled:
            self.stopped.set()
            raise

    def warn(self, message: str) -> None:
        self.run_reporter.warn(message)

    def progress(self, done: int, total: int | None, step: str, **details: object) -> None:
        self.run_reporter.progress(done, total, step, **details)


@dataclass
class Progress:
    phase: str = "classes"
    mode: str = "full"  # or "incremental"
    since: str | None = None
    classes_read: int = 0  # phase 1: classes listed so far …
    classes_expected: int | None = None  # … of what the listings announce (within the cap)
    classes_done: int = 0  # phase 2: classes whose labels are listed …
    classes_total: int = 0  # … of the classes read
    labels_listed: int = 0
    labels_done: int = 0
    labels_total: int = 0
    labels_failed: int = 0
    listing_complete: bool = False
    # coding system → how its class listings were asked for ("as listed", "documented default"…)
    class_listing_forms: dict[str, str] = field(default_factory=dict)


class NothingSynced(Exception):
    """The run found something to sync but got none of it: it ends failed, with this message."""

    failure = "DailyMed listed labels, but not one of them could be fetched"


@engine.register("dailymed")
def sync_dailymed(ctx: engine.JobContext) -> None:
    settings = ctx.settings
    reporter = SharedReporter(ctx.reporter)
    with DailyMedClient(
        settings.dailymed_base_url,
        concurrency=settings.dailymed_concurrency,
        rate_limit=settings.dailymed_rate_limit,
        timeout=settings.dailymed_timeout,
        max_retries=settings.dailymed_max_retries,
        backoff_base=settings.dailymed_retry_backoff,
        reporter=reporter,
    ) as client:
        DailyMedSync(ctx, client, reporter).run()


class DailyMedSync:
    def __init__(
        self, ctx: engine.JobContext, client: DailyMedClient, reporter: SharedReporter
    ) -> None:
        self.ctx = ctx
        self.client = client
        self.reporter = reporter
        self.settings = ctx.settings
        self.progress = Progress()
        self.classes_complete = True
        self.drug_ids: dict[str, int] = {}  # set id → drug id, for labels seen in this run

    def run(self) -> None:
        last_good, last_full = store.last_good_run(), store.last_good_run(full=True)
        since: date | None = None
        if (
            last_good
            and last_good.started_at  # a completed run has started; said for the type checker
            and last_full
            and last_full.started_at
            and last_full.started_at > utcnow() - FULL_LISTING_EVERY
        ):
            since = last_good.started_at.date() - SAFETY_MARGIN
            self.progress.mode, self.progress.since = "incremental", since.isoformat()
            # A full run finds out again how to ask for each coding system's listings.
            self.client.remember_listing_forms(
                last_good.progress_details.get("class_listing_forms") or {}
            )
        log.info("DailyMed sync (%s) from %s", self.progress.mode, self.settings.dailymed_base_url)
        classes = self.sync_classes()
        labels_complete = self.list_labels(classes, since, last_good)
        self.require_labels(len(classes))
        self.progress.listing_complete = self.classes_complete and labels_complete
        self.fetch_details()
        self.require_details()
        if self.progress.mode == "full" and self.progress.listing_complete and self.everything:
            self.ctx.counts.missing = merge.mark_missing(drugs.DATASET, self.ctx.run_id)
            db.session.commit()
        # The analyses' kept counts follow what this run wrote now, as part of the sync (the
        # analytics run after it, and the dashboard's unfiltered analyses, read them at once).
        # The run's data is committed: should this fail, the next unfiltered analysis catches up.
        try:
            kept.catch_up()
        except Exception as exc:
            log.warning("Analytics' kept counts not brought up to date after the sync: %s", exc)
        self.progress.phase = "done"
        failed = self.progress.labels_failed
        self.report(f"done: {self.progress.labels_done} labels fetched, {failed} failed")

    def require_labels(self, classes: int) -> None:
        """A full listing that found classes but no label in any of them synced nothing: most
        likely DailyMed and MedSync read its documentation differently."""
        if classes and not self.drug_ids and self.progress.mode == "full":
            raise NothingSynced(
                f"DailyMed listed {classes} drug classes but no labels in any of them, so no "
                "drugs were synced. Run `flask --app app dailymed check` to compare DailyMed's "
                "answers with what MedSync expects."
            )

    def require_details(self) -> None:
        failed, total = self.progress.labels_failed, self.progress.labels_total
        if total and failed == total:
            raise NothingSynced(
                f"All {total} label detail requests failed, so no NDCs or ingredients were "
                "stored; the run's warnings say why."
            )

    @property
    def everything(self) -> bool:
        """Whether this run walks all of DailyMed (every class type, no cap)."""
        return (
            set(self.settings.dailymed_class_types) == set(DAILYMED_CLASS_TYPE_CHOICES)
            and self.settings.dailymed_max_classes is None
        )

    # -- phase 1 ----------------------------------------------------------------------------

    def sync_classes(self) -> list[tuple[ClassSummary, store.StoredClass]]:
        self.report("reading drug classes")
        wanted = [kind.lower() for kind in self.settings.dailymed_class_types]
        cap = self.settings.dailymed_max_classes
        found: dict[str, ClassSummary] = {}

        def expect(total: int) -> None:  # what the listings announce, within the cap
            self.progress.classes_expected = total if cap is None else min(total, cap)
            self.report("reading drug classes")

        try:
            for drug_class in self.client.iter_drug_classes(wanted, on_total=expect):
                if drug_class.code not in found:
                    found[drug_class.code] = drug_class
                    self.progress.classes_read = len(found)
                    if len(found) % CLASS_REPORT_EVERY == 0:
                        self.report("reading drug classes")
                if cap is not None and len(found) >= cap:
                    break
        except FetchError as error:
            if not found:
                raise  # nothing to go on: the run fails with the reason
            self.classes_complete = False  # carry on with the classes read so far
            self.reporter.warn(f"DailyMed drug classes: not all read: {error}")
        classes = list(found.values())
        stored: dict[str, store.StoredClass] = {}
        for batch in _batches(classes):
            stored.update(store.save_classes(batch, self.ctx.run_id))
            db.session.commit()
        if self.everything and self.classes_complete:
            merge.mark_missing(drug_classes.DATASET, self.ctx.run_id)
            db.session.commit()
        self.progress.classes_total = len(classes)
        log.info("%d drug classes", len(classes))
        return [(c, stored[c.code]) for c in classes]

    # -- phase 2 ----------------------------------------------------------------------------

    def list_labels(
        self,
        classes: Sequence[tuple[ClassSummary, store.StoredClass]],
        since: date | None,
        last_good: Run | None,
    ) -> bool:
        """Every class's labels, `concurrency` classes at a time; True when none failed."""
        self.progress.phase = "labels"
        self.report("listing labels")
        last_good_id = last_good.id if last_good else 0
        complete = True
        pool = ThreadPoolExecutor(self.client.concurrency, thread_name_prefix="dailymed-list")
        futures: dict[Future[list[LabelSummary]], tuple[ClassSummary, int]] = {}
        for drug_class, stored in classes:
            # A class first seen after the last good run may hold older labels: list it all.
            first_seen = stored.first_seen_run_id
            is_new = first_seen is None or first_seen > last_good_id
            future = pool.submit(self._list_class, drug_class, None if is_new else since)
            futures[future] = (drug_class, stored.id)
        try:
            pending = set(futures)
            while pending:
                done, pending = wait(pending, timeout=0.5, return_when=FIRST_COMPLETED)
                self.reporter.checkpoint()
                for future in done:
                    drug_class, class_id = futures.pop(future)
                    try:
                        labels = future.result()
                    except FetchError as error:
                        complete = False
                        self.reporter.warn(
                            f"DailyMed class {drug_class.code} ({drug_class.name}): "
                            f"labels not read: {error}"
                        )
                    else:
                        self.save_class_labels(class_id, labels)
                    self.note_listing_forms()
                    self.progress.classes_done += 1
                    self.report(
                        f"listed {self.progress.classes_done} of "
                        f"{self.progress.classes_total} classes"
                    )
        finally:
            self.reporter.stopped.set()  # listing threads still paging stop at their next page
            pool.shutdown(wait=True, cancel_futures=True)
            self.reporter.stopped.clear()
        log.info("%d labels listed", self.progress.labels_listed)
        return complete

    def note_listing_forms(self) -> None:
        """Record in the run's figures how each coding system's listings were asked for, and
        warn in the run log when a system needed the fallback form."""
        known = self.progress.class_listing_forms
        for system, form in self.client.listing_forms.items():
            if known.get(system) == form:
                continue
            known[system] = form
            if form != listing_forms_to_try(system)[0]:
                log.warning(
                    "DailyMed refused or answered nothing for drug_class_coding_system=%s; "
                    "class listings of that system use the %s form for the rest of the run",
                    system or "(none)",
                    form,
                )

    def _list_class(self, drug_class: ClassSummary, since: date | None) -> list[LabelSummary]:
        return list(self.client.iter_class_labels(drug_class, since))

    def save_class_labels(self, class_id: int, labels: Sequence[LabelSummary]) -> None:
        new = [label for label in labels if label.set_id not in self.drug_ids]
        inserted: set[int] = set()  # in this transaction: they hold no membership yet
        for batch in _batches(new):
            result = store.save_labels(batch, self.ctx.run_id)
            self.ctx.counts.add(result.counts)
            self.drug_ids.update((key[0], drug_id) for key, drug_id in result.ids.items())
            inserted |= result.inserted
        store.save_memberships(
            ((self.drug_ids[label.set_id], class_id) for label in labels),
            self.ctx.run_id,
            new_drugs=inserted,
        )
        db.session.commit()
        self.progress.labels_listed = len(self.drug_ids)

    # -- phase 3 ----------------------------------------------------------------------------

    def fetch_details(self) -> None:
        targets = store.labels_needing_details()
        self.progress.phase = "details"
        self.progress.labels_total = len(targets)
        self.report(f"fetching {len(targets)} labels")
        fetched: list[LabelDetail] = []
        last_write = time.monotonic()

        def write() -> None:
            nonlocal last_write
            if fetched:
                store.save_details(fetched, targets)
                db.session.commit()
                fetched.clear()
            last_write = time.monotonic()

        try:
            for result in self.client.fetch_label_details(list(targets)):
                self.progress.labels_done += 1
                if isinstance(result, LabelFailure):  # the client has reported it
                    self.progress.labels_failed += 1
                else:
                    fetched.append(result)
                if len(fetched) >= BATCH_SIZE or time.monotonic() - last_write > FLUSH_SECONDS:
                    write()
                self.report(
                    f"fetched {self.progress.labels_done} of {self.progress.labels_total} labels"
                )
        except Cancelled:
            write()  # keep what was fetched before the cancel
            raise
        write()

    # -- progress ---------------------------------------------------------------------------

    def report(self, step: str) -> None:
        progress = self.progress
        total: int | None
        if progress.phase == "labels":
            done, total = progress.classes_done, progress.classes_total
        elif progress.phase in ("details", "done"):
            done, total = progress.labels_done, progress.labels_total
        else:
            done, total = progress.classes_read, progress.classes_expected
        stats = self.client.stats
        self.reporter.progress(
            done,
            total,
            step,
            **asdict(progress),
            requests=stats.requests,
            retries=stats.retries,
            throttled=stats.throttled,
            rate=round(stats.current_rate, 2),
        )


def _batches(items: Sequence[T], size: int = BATCH_SIZE) -> list[Sequence[T]]:
    return [items[start : start + size] for start in range(0, len(items), size)]
