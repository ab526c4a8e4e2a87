"""DailyMed REST API v2 client: drug classes, the labels in each, and each label's NDCs and
ingredients, as plain frozen records.

Polite by construction (see `scraper.http`): one pooled session, a rate cap, a bounded number
of requests in flight, retries with backoff that honour Retry-After, a User-Agent naming the
product. Parsing is tolerant (`scraper.dailymed_records`: the records and their parsers).
Settings arrive as arguments; this module never reads the environment and never touches a
database.

Failures: a list page that still fails after its retries raises `FetchError` (the caller
decides whether the run can go on); a label that still fails comes back as a `LabelFailure`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import date
from itertools import chain
from typing import Any
from urllib.parse import quote

from reporting import Reporter
from scraper.dailymed_records import (
    LABEL_PAGE_URL,
    ClassSummary,
    Ingredient,
    LabelDetail,
    LabelFailure,
    LabelNdc,
    LabelSummary,
    Product,
    as_items,
    as_text,
    as_whole_number,
    detail_products,
    join_detail_pages,
    parse_label_detail,
    parse_published_date,
    parse_spl_version,
)
from scraper.http import SYSTEM_CLOCK, Clock, FetchError, HttpStats, PoliteSession

DEFAULT_USER_AGENT = "MedSync/1.0 (+https://github.com/medsync/medsync; drug label sync)"
DAILYMED_BASE_URL = "https://dailymed.nlm.nih.gov/dailymed/services/v2"
CLASS_TYPES = ("all", "epc", "moa", "pe", "ci")
MAX_PAGE_SIZE = 100
# The one drug_class_coding_system value the /spls docs list, also its default. /drugclasses
# items carry their own codingSystem, which may differ: a class's labels are asked for in one of
# these forms, and the other is tried once when the first is refused or answers nothing.
NDF_RT = "2.16.840.1.113883.3.26.1.5"
AS_LISTED = "as listed"  # drug_class_coding_system = the class's own codingSystem
DOCUMENTED_DEFAULT = "documented default"  # drug_class_coding_system left out
DOCUMENTED_VALUE = "documented value"  # drug_class_coding_system = NDF_RT

__all__ = [  # the client, and the records it returns (scraper.dailymed_records)
    "LABEL_PAGE_URL",
    "ClassSummary",
    "DailyMedClient",
    "FetchError",
    "HttpStats",
    "Ingredient",
    "LabelDetail",
    "LabelFailure",
    "LabelNdc",
    "LabelSummary",
    "Product",
    "parse_label_detail",
    "parse_published_date",
    "parse_spl_version",
]


# -- the client ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    """One page of a listing: its items and the listing's size as the page states it."""

    items: list[Mapping[str, Any]]
    total: int | None


LISTING_FORMS = (AS_LISTED, DOCUMENTED_DEFAULT, DOCUMENTED_VALUE)


def listing_forms_to_try(system: str, known: str | None = None) -> tuple[str, ...]:
    """The forms of a class listing to try, in order: the known one first, then the other."""
    pair = (AS_LISTED, DOCUMENTED_DEFAULT) if system else (DOCUMENTED_DEFAULT, DOCUMENTED_VALUE)
    if known is not None and known in pair:
        return (known, *(form for form in pair if form != known))
    return pair


def coding_parameter(form: str, system: str) -> dict[str, str]:
    """The drug_class_coding_system parameter of a class listing in `form`."""
    if form == AS_LISTED and system:
        return {"drug_class_coding_system": system}
    if form == DOCUMENTED_VALUE:
        return {"drug_class_coding_system": NDF_RT}
    return {}


def is_refusal(error: FetchError) -> bool:
    """A 4xx other than 429: the server refused the question, asking again will not help."""
    return error.status is not None and 400 <= error.status < 500 and error.status != 429


class DailyMedClient:
    """Walks DailyMed politely. Thread-safe; use one per sync run and `close()` it after."""

    def __init__(
        self,
        base_url: str = DAILYMED_BASE_URL,
        *,
        concurrency: int = 4,
        rate_limit: float | None = 8.0,
        timeout: float = 30.0,
        max_retries: int = 5,
        backoff_base: float = 0.5,
        page_size: int = MAX_PAGE_SIZE,
        reporter: Reporter | None = None,
        user_agent: str = DEFAULT_USER_AGENT,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.concurrency = max(1, concurrency)
        self.page_size = max(1, min(MAX_PAGE_SIZE, page_size))
        self.reporter = reporter or Reporter()
        self._listing_forms: dict[str, str] = {}  # coding system → the form that works
        self._forms_lock = threading.Lock()
        self._probe_locks: dict[str, threading.Lock] = {}
        self.http = PoliteSession(
            user_agent=user_agent,
            concurrency=self.concurrency,
            rate_limit=rate_limit,
            timeout=timeout,
            max_retries=max_retries,
            backoff_base=backoff_base,
            clock=clock,
            name="DailyMed",
            setting="DAILYMED_BASE_URL",
        )

    def __enter__(self) -> DailyMedClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self.http.close()

    @property
    def stats(self) -> HttpStats:
        """Requests sent, retries, failures, 429s and the current request rate."""
        return self.http.stats

    def iter_drug_classes(
        self,
        class_types: Iterable[str] = ("all",),
        on_total: Callable[[int], None] | None = None,
    ) -> Iterator[ClassSummary]:
        """Every class of the given types (all, epc, moa, pe, ci), each once. The first page of
        every type is read before any class is yielded, so `on_total` hears once, up front, how
        many classes the listings hold (the sum of their total_elements) — unless a type's
        listing does not say."""
        kinds = [kind.strip().lower() for kind in class_types]
        if unknown := [kind for kind in kinds if kind not in CLASS_TYPES]:
            raise ValueError(f"unknown class types {unknown}; expected some of {CLASS_TYPES}")
        listings = [
            self._iter_pages("/drugclasses.json", {"class_code_type": kind})
            for kind in dict.fromkeys(kinds)
        ]
        firsts = [next(listing, None) for listing in listings]
        totals = [page.total for page in firsts if page is not None and page.total is not None]
        if on_total is not None and len(totals) == sum(page is not None for page in firsts):
            on_total(sum(totals))
        seen: set[tuple[str, str]] = set()
        for first, listing in zip(firsts, listings, strict=True):
            for page in chain([first] if first else [], listing):
                for item in page.items:
                    code, system = as_text(item.get("code")), as_text(item.get("codingSystem"))
                    if code and (code, system) not in seen:
                        seen.add((code, system))
                        kind, name = as_text(item.get("type")).upper(), as_text(item.get("name"))
                        yield ClassSummary(code, system, kind, name)

    def iter_class_labels(
        self, drug_class: ClassSummary, published_since: date | None = None
    ) -> Iterator[LabelSummary]:
        """The labels indexed under `drug_class`; only those published on or after
        `published_since` when given (the server filters, so unchanged labels cost nothing)."""
        params = {"drug_class_code": drug_class.code}
        if published_since is not None:
            params["published_date"] = published_since.isoformat()
            params["published_date_comparison"] = "gte"
        seen: set[str] = set()
        for item in self._iter_class_items(drug_class.coding_system, params):
            set_id = as_text(item.get("setid"))
            if set_id and set_id not in seen:
                seen.add(set_id)
                yield LabelSummary(
                    set_id=set_id,
                    title=as_text(item.get("title")),
                    spl_version=parse_spl_version(item.get("spl_version")),
                    published_date=parse_published_date(item.get("published_date")),
                )

    @property
    def listing_forms(self) -> dict[str, str]:
        """The form of the class listing found to work, per coding system, in this run."""
        with self._forms_lock:
            return dict(self._listing_forms)

    def remember_listing_forms(self, forms: Mapping[str, str]) -> None:
        """Start from forms an earlier run found to work (unknown forms are ignored)."""
        with self._forms_lock:
            self._listing_forms.update(
                (system, form) for system, form in forms.items() if form in LISTING_FORMS
            )

    def _iter_class_items(
        self, system: str, params: Mapping[str, str]
    ) -> Iterator[Mapping[str, Any]]:
        """A class's listing in the form that works for its coding system."""
        first, pages = self._first_class_page(system, params)
        yield from first.items
        for page in pages:
            yield from page.items

    def _first_class_page(
        self, system: str, params: Mapping[str, str]
    ) -> tuple[Page, Iterator[Page]]:
        """The first page of a class's listing, and the rest to come. While the form for its
        coding system is unknown, one class at a time finds it (the others of that system wait),
        so the fallback costs one extra request per coding system, not one per class. A listing
        filtered by date is often empty: only a 4xx sends it to the other form."""
        filtered = "published_date" in params
        with self._forms_lock:
            known = self._listing_forms.get(system)
            probe_lock = self._probe_locks.setdefault(system, threading.Lock())
        if known is not None or filtered:
            return self._probe(system, params, known, trust_empty=True)
        with probe_lock:
            with self._forms_lock:
                known = self._listing_forms.get(system)
            return self._probe(system, params, known, trust_empty=known is not None)

    def _probe(
        self, system: str, params: Mapping[str, str], known: str | None, *, trust_empty: bool
    ) -> tuple[Page, Iterator[Page]]:
        """A 4xx (or, unless `trust_empty`, an empty first page) is retried once in the other
        form; the form that answered is remembered for the rest of the run."""
        first_form, *others = listing_forms_to_try(system, known)
        refused = False
        if others:
            try:
                first, pages = self._first_page_as(first_form, system, params)
            except FetchError as error:
                if not is_refusal(error):
                    raise
                refused = True
            else:
                if first.items or trust_empty:
                    self._remember(system, first_form, bool(first.items))
                    return first, pages
        last_form = others[-1] if others else first_form
        first, pages = self._first_page_as(last_form, system, params)
        self._remember(system, last_form, bool(first.items) or refused)
        return first, pages

    def _first_page_as(
        self, form: str, system: str, params: Mapping[str, str]
    ) -> tuple[Page, Iterator[Page]]:
        pages = self._iter_pages("/spls.json", {**params, **coding_parameter(form, system)})
        return next(pages), pages

    def _remember(self, system: str, form: str, works: bool) -> None:
        if works:
            with self._forms_lock:
                self._listing_forms[system] = form

    def fetch_label_detail(self, set_id: str, cancel: threading.Event | None = None) -> LabelDetail:
        """One label's products, NDCs and ingredients, every page of them; raises FetchError, or
        ValueError when the pages are truncated or disagree."""
        url = f"{self.base_url}/spls/{quote(set_id, safe='')}/packaging.json"
        bodies = []
        page: int | None = 1
        while page is not None:
            body = self.http.get_json(url, {"page": page, "pagesize": self.page_size}, cancel)
            bodies.append(body)
            page = next_page_number(_metadata(body), page, bool(detail_products(body)))
        return parse_label_detail(set_id, join_detail_pages(bodies))

    def fetch_label_details(self, set_ids: Iterable[str]) -> Iterator[LabelDetail | LabelFailure]:
        """Details of many labels, `concurrency` at a time, in completion order.

        A label that still fails after its retries comes back as a LabelFailure (and a
        reporter warning); the rest carry on. The reporter's checkpoint runs after each label,
        so a cancel stops promptly: queued labels are dropped, waiting retries abandoned.
        """
        cancel = threading.Event()
        pending: set[Future[LabelDetail | LabelFailure]] = set()
        queued = iter(dict.fromkeys(set_ids))  # a label listed under several classes: once
        executor = ThreadPoolExecutor(self.concurrency, thread_name_prefix="dailymed")
        try:
            while True:
                for set_id in queued:
                    pending.add(executor.submit(self._detail_or_failure, set_id, cancel))
                    if len(pending) >= 2 * self.concurrency:
                        break
                if not pending:
                    return
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    result = future.result()
                    if isinstance(result, LabelFailure):
                        self.reporter.warn(f"DailyMed label {result.set_id}: {result.error}")
                    yield result
                    self.reporter.checkpoint()
        finally:
            cancel.set()
            executor.shutdown(wait=True, cancel_futures=True)

    def _detail_or_failure(
        self, set_id: str, cancel: threading.Event
    ) -> LabelDetail | LabelFailure:
        try:
            return self.fetch_label_detail(set_id, cancel)
        except FetchError as error:
            return LabelFailure(set_id, str(error), error.status)
        except (ValueError, TypeError, AttributeError) as error:  # an unreadable answer
            return LabelFailure(set_id, f"unreadable packaging.json: {error}")

    def _iter_items(self, path: str, params: Mapping[str, str]) -> Iterator[Mapping[str, Any]]:
        """The data items of every page, following the paging metadata."""
        for page in self._iter_pages(path, params):
            yield from page.items

    def _iter_pages(self, path: str, params: Mapping[str, str]) -> Iterator[Page]:
        """Every page of a listing, following the paging metadata."""
        page = 1
        while True:
            self.reporter.checkpoint()
            body = self.http.get_json(
                self.base_url + path, {**params, "page": page, "pagesize": self.page_size}
            )
            metadata = _metadata(body)
            data = as_items(body.get("data") if isinstance(body, Mapping) else None)
            items = [item for item in data if isinstance(item, Mapping)]
            yield Page(items, as_whole_number(metadata.get("total_elements")))
            following = next_page_number(metadata, page, bool(data))
            if following is None:
                return
            page = following


def _metadata(body: Any) -> Mapping[str, Any]:
    metadata = body.get("metadata") if isinstance(body, Mapping) else None
    return metadata if isinstance(metadata, Mapping) else {}


def next_page_number(metadata: Mapping[str, Any], page: int, had_items: bool) -> int | None:
    """The page after `page` by the paging metadata, or None on the last page. A page without
    `next_page_url` (absent, null or empty) may still announce more in `total_pages`."""
    current = as_whole_number(metadata.get("current_page")) or page
    total_pages = as_whole_number(metadata.get("total_pages"))
    next_url = metadata.get("next_page_url")
    has_next_url = isinstance(next_url, str) and next_url.strip() not in ("", "null")
    more = has_next_url or (total_pages is not None and current < total_pages)
    if not had_items or not more or current < page:  # the last test: a server going round
        return None
    return current + 1
