"""The DailyMed contract check: a handful of real requests, each answer compared with the shapes
the client relies on.

No machine that runs the tests reaches DailyMed, so the client is tested against a sandbox that
reads the documentation as we do. This check is how an operator learns whether the real service
reads it the same way: it asks what a sync asks (the first page of `/drugclasses` per configured
type, one class's first `/spls` page in both coding-system forms, one label's `ndcs.json` and
`packaging.json`, and `/drugnames`) and reports, per answer, what matched, what was missing or
new, and how long the round trip took. A row that `breaks_sync` is a difference a sync would not
survive; the rest are differences the client already tolerates.

Fetch and compare only: it never touches the database. Each request is sent once (an HTML page
answered with status 200 is reported, then asked again up to twice, as the client would).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

import requests

from scraper.dailymed import (
    DEFAULT_USER_AGENT,
    MAX_PAGE_SIZE,
    NDF_RT,
    coding_parameter,
    listing_forms_to_try,
)
from scraper.dailymed_records import as_items, as_text, as_whole_number, parse_published_date

PAGING_KEYS = (
    "total_elements",
    "elements_per_page",
    "total_pages",
    "current_page",
    "current_url",
    "next_page_url",
    "previous_page",
    "previous_page_url",
    "next_page",
    "db_published_date",
)
# field → whether a sync needs it (a missing one breaks the sync)
CLASS_FIELDS = {"code": True, "codingSystem": False, "type": True, "name": True}
LABEL_FIELDS = {"setid": True, "title": True, "spl_version": False, "published_date": False}
PRODUCT_FIELDS = {
    "product_name": False,
    "product_name_generic": False,
    "product_code": False,
    "active_ingredients": False,
    "packaging": False,
    "parts": False,
}
DRUG_NAME_FIELDS = {"drug_name": False, "name_type": False}
HTML_RETRIES = 2
CLASSES_TO_TRY = 3  # classes whose listing is asked for until one holds labels


@dataclass(frozen=True)
class CheckRow:
    request: str  # "GET /drugclasses.json?class_code_type=epc"
    check: str  # what was compared: "answer", "envelope", "metadata", "data[] fields" …
    result: str  # "ok", "missing", "new" or "differs"
    note: str = ""
    milliseconds: float | None = None  # the round trip, on the request's "answer" row
    breaks_sync: bool = False


@dataclass(frozen=True)
class CheckReport:
    base_url: str
    rows: tuple[CheckRow, ...]

    @property
    def breaking(self) -> list[CheckRow]:
        return [row for row in self.rows if row.breaks_sync]

    @property
    def differences(self) -> list[CheckRow]:
        return [row for row in self.rows if row.result != "ok"]

    @property
    def ok(self) -> bool:
        return not self.breaking

    @property
    def summary(self) -> str:
        differences, breaking = len(self.differences), len(self.breaking)
        if breaking:
            return f"{breaking} of {differences} differences would break a sync."
        if differences:
            return f"{differences} differences, none that would break a sync."
        return "Every answer matched."

    def as_json(self) -> dict[str, Any]:
        return {
            "base_url": self.base_url,
            "ok": self.ok,
            "summary": self.summary,
            "rows": [asdict(row) for row in self.rows],
        }


@dataclass(frozen=True)
class Answer:
    request: str
    status: int
    body: Any

    @property
    def ok(self) -> bool:
        return self.status == 200 and isinstance(self.body, Mapping)

    @property
    def metadata(self) -> Mapping[str, Any]:
        metadata = self.body.get("metadata") if isinstance(self.body, Mapping) else None
        return metadata if isinstance(metadata, Mapping) else {}

    @property
    def data(self) -> Any:
        return self.body.get("data") if isinstance(self.body, Mapping) else None

    @property
    def items(self) -> list[Mapping[str, Any]]:
        data = self.data
        return (
            [item for item in data if isinstance(item, Mapping)] if isinstance(data, list) else []
        )


def check_contract(
    base_url: str,
    class_types: Iterable[str],
    *,
    set_id: str | None = None,
    timeout: float = 30.0,
    user_agent: str = DEFAULT_USER_AGENT,
) -> CheckReport:
    """Ask DailyMed (or anything speaking its API at `base_url`) what a sync asks, and compare."""
    with ContractCheck(base_url, timeout=timeout, user_agent=user_agent) as check:
        return check.run([kind.lower() for kind in class_types], set_id)


@dataclass
class ContractCheck:
    base_url: str
    timeout: float = 30.0
    user_agent: str = DEFAULT_USER_AGENT
    rows: list[CheckRow] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.base_url = self.base_url.rstrip("/")
        self.session = requests.Session()
        self.session.headers.update({"User-Agent": self.user_agent, "Accept": "application/json"})

    def __enter__(self) -> ContractCheck:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.session.close()

    def run(self, class_types: Sequence[str], set_id: str | None) -> CheckReport:
        classes = [item for kind in class_types for item in self.check_drug_classes(kind)]
        listed = self.check_class_listings(classes)
        label = set_id or next((as_text(item.get("setid")) for item in listed), "")
        if label:
            self.check_label(label)
        self.check_drug_names()
        return CheckReport(self.base_url, tuple(self.rows))

    # -- the requests -------------------------------------------------------------------

    def check_drug_classes(self, kind: str) -> list[Mapping[str, Any]]:
        answer = self.get("/drugclasses.json", {"class_code_type": kind}, breaks_sync=True)
        if answer is None or not self.envelope(answer, list, breaks_sync=True):
            return []
        self.paging(answer)
        self.fields(answer, "data[] fields", answer.items, CLASS_FIELDS)
        if not answer.items:
            self.add(answer.request, "data", "differs", f"no {kind.upper()} classes", True)
        systems = sorted({as_text(item.get("codingSystem")) for item in answer.items} - {""})
        if systems and systems != [NDF_RT]:
            note = f"codingSystem {', '.join(systems)}; /spls documents only {NDF_RT}"
            self.add(answer.request, "codingSystem", "differs", note)
        return answer.items

    def check_class_listings(self, classes: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
        """One class's first /spls page in both forms (the next class if both are empty)."""
        tried = [item for item in classes if as_text(item.get("code"))][:CLASSES_TO_TRY]
        for item in tried:
            code, system = as_text(item.get("code")), as_text(item.get("codingSystem"))
            forms = listing_forms_to_try(system)
            listed = {form: self.list_class(code, system, form) for form in forms}
            if any(listed.values()) or item is tried[-1]:
                self.compare_forms(code, listed)
                return next((labels for labels in listed.values() if labels), [])
        return []

    def list_class(self, code: str, system: str, form: str) -> list[Mapping[str, Any]] | None:
        """The first page's labels; None when the listing was refused or unreadable."""
        params = {"drug_class_code": code, **coding_parameter(form, system)}
        answer = self.get("/spls.json", params, breaks_sync=False)
        if answer is None or not answer.ok or not self.envelope(answer, list, breaks_sync=True):
            return None
        self.paging(answer)
        self.fields(answer, "data[] fields", answer.items, LABEL_FIELDS)
        self.label_values(answer.request, answer.items)
        return answer.items

    def compare_forms(self, code: str, listed: Mapping[str, list[Any] | None]) -> None:
        request = f"/spls.json for class {code}"
        counts = ", ".join(
            f"{form}: {'refused' if labels is None else f'{len(labels)} labels'}"
            for form, labels in listed.items()
        )
        forms = list(listed)
        if listed[forms[0]]:
            self.add(request, "coding-system forms", "ok", counts)
        elif any(listed.values()):
            note = f"{counts}; the sync falls back to the {forms[1]} form"
            self.add(request, "coding-system forms", "differs", note)
        else:
            self.add(request, "coding-system forms", "differs", f"{counts}: no labels", True)

    def check_label(self, set_id: str) -> None:
        path = f"/spls/{quote(set_id, safe='')}"
        params = {"page": "1", "pagesize": str(MAX_PAGE_SIZE)}
        ndcs = self.get(f"{path}/ndcs.json", params, breaks_sync=False)
        if ndcs is not None and ndcs.ok and self.envelope(ndcs, Mapping, breaks_sync=False):
            self.paging(ndcs)
            self.fields(ndcs, "data fields", [ndcs.data], {**LABEL_FIELDS, "ndcs": False})
        packaging = self.get(f"{path}/packaging.json", params, breaks_sync=True)
        if packaging is None or not self.envelope(packaging, Mapping, breaks_sync=True):
            return
        self.paging(packaging)
        label = packaging.data[0] if isinstance(packaging.data, list) else packaging.data
        self.fields(packaging, "data fields", [label], {**LABEL_FIELDS, "products": True})
        self.label_values(packaging.request, [label])
        products = [p for p in as_items(label.get("products")) if isinstance(p, Mapping)]
        self.fields(packaging, "products[] fields", products, PRODUCT_FIELDS)
        self.product_count(packaging, len(products))

    def check_drug_names(self) -> None:
        answer = self.get("/drugnames.json", {}, breaks_sync=False)
        if answer is None or not self.envelope(answer, list, breaks_sync=False):
            return
        self.paging(answer)
        self.fields(answer, "data[] fields", answer.items, DRUG_NAME_FIELDS)
        kinds = sorted({as_text(item.get("name_type")) for item in answer.items} - {"G", "B"})
        if kinds:
            self.add(answer.request, "name_type", "differs", f"values {', '.join(kinds)}")

    # -- one request ----------------------------------------------------------------------

    def get(self, path: str, params: Mapping[str, str], *, breaks_sync: bool) -> Answer | None:
        """The answer to one GET (first pages: `page=1`, `pagesize=100`), with its row."""
        query = {"page": "1", "pagesize": str(MAX_PAGE_SIZE), **params}
        request = f"GET {path}?{urlencode(query)}"
        for _ in range(HTML_RETRIES + 1):
            started = time.perf_counter()
            try:
                response = self.session.get(
                    self.base_url + path, params=query, timeout=self.timeout
                )
            except requests.RequestException as error:
                note = f"no answer: {type(error).__name__}"
                self.add(request, "answer", "missing", note, True)
                return None
            milliseconds = round((time.perf_counter() - started) * 1000, 1)
            with response:
                body = json_or_none(response)
                kind = response.headers.get("Content-Type", "").split(";")[0] or "no type"
            if response.status_code == 200 and body is None:
                note = f"{kind} (not JSON) with status 200; the client asks again"
                self.add(request, "answer", "differs", note, milliseconds=milliseconds)
                continue
            answer = Answer(request, response.status_code, body)
            self.answer_row(answer, milliseconds, breaks_sync)
            return answer
        self.add(request, "answer", "differs", "never JSON", breaks_sync)
        return None

    def answer_row(self, answer: Answer, milliseconds: float, breaks_sync: bool) -> None:
        if answer.status == 200:
            self.add(answer.request, "answer", "ok", "200, JSON", milliseconds=milliseconds)
            return
        message = error_message(answer.body)
        note = f"HTTP {answer.status}" + (f": {message}" if message else "")
        self.add(answer.request, "answer", "differs", note, breaks_sync, milliseconds)

    # -- the comparisons -----------------------------------------------------------------

    def envelope(self, answer: Answer, data_kind: type, *, breaks_sync: bool) -> bool:
        """`{"metadata": {…}, "data": …}` with data of the expected kind (a list or an object)."""
        data = answer.data
        if isinstance(data, list) and data_kind is Mapping and len(data) == 1:
            data = data[0]  # a one-item list holding the object: the client reads it too
        if isinstance(answer.body, Mapping) and isinstance(data, data_kind):
            self.add(answer.request, "envelope", "ok", "metadata + data")
            return True
        wanted = "a list" if data_kind is list else "an object"
        self.add(answer.request, "envelope", "differs", f"data is not {wanted}", breaks_sync)
        return False

    def paging(self, answer: Answer) -> None:
        metadata = answer.metadata
        missing = [key for key in PAGING_KEYS if key not in metadata]
        new = sorted(set(metadata) - set(PAGING_KEYS))
        last = (as_whole_number(metadata.get("current_page")) or 1) >= (
            as_whole_number(metadata.get("total_pages")) or 1
        )
        if not missing:
            self.add(answer.request, "metadata", "ok", "paging keys")
        elif missing == ["next_page_url"] and last:
            note = "next_page_url absent on the last page (documented: null); the client stops"
            self.add(answer.request, "metadata", "missing", note)
        else:
            lost = "total_pages" in missing and "next_page_url" in missing and not last
            self.add(answer.request, "metadata", "missing", ", ".join(missing), lost)
        if new:
            self.add(answer.request, "metadata", "new", ", ".join(new))

    def fields(
        self,
        answer: Answer,
        check: str,
        items: Sequence[Mapping[str, Any]],
        expected: Mapping[str, bool],
    ) -> None:
        missing = [name for name in expected if any(name not in item for item in items)]
        new = sorted({key for item in items for key in item} - set(expected))
        if not missing:
            self.add(answer.request, check, "ok", ", ".join(expected))
        else:
            needed = any(expected[name] for name in missing)
            self.add(answer.request, check, "missing", ", ".join(missing), needed)
        if new:
            self.add(answer.request, check, "new", ", ".join(new))

    def label_values(self, request: str, items: Sequence[Mapping[str, Any]]) -> None:
        """spl_version a number, published_date DailyMed's "Nov 13, 2024"."""
        versions = [item.get("spl_version") for item in items if "spl_version" in item]
        texts = [v for v in versions if isinstance(v, str)]
        if any(as_whole_number(v) is None for v in versions):
            self.add(request, "spl_version", "differs", "not a whole number", False)
        elif texts:
            note = f"{len(texts)} of {len(versions)} as text (e.g. {texts[0]!r}); read as numbers"
            self.add(request, "spl_version", "differs", note)
        dates = [item.get("published_date") for item in items if "published_date" in item]
        unreadable = [d for d in dates if parse_published_date(d) is None]
        if unreadable:
            self.add(request, "published_date", "differs", f"unreadable: {unreadable[0]!r}")

    def product_count(self, answer: Answer, products: int) -> None:
        announced = as_whole_number(answer.metadata.get("total_elements"))
        pages = as_whole_number(answer.metadata.get("total_pages")) or 1
        if announced is None:
            return
        if pages > 1:
            note = f"{announced} products over {pages} pages; the client reads every page"
            self.add(answer.request, "products", "differs", note)
        elif announced != products:
            note = f"total_elements {announced}, but {products} products on the only page"
            self.add(answer.request, "products", "differs", note, True)

    def add(
        self,
        request: str,
        check: str,
        result: str,
        note: str = "",
        breaks_sync: bool = False,
        milliseconds: float | None = None,
    ) -> None:
        self.rows.append(CheckRow(request, check, result, note, milliseconds, breaks_sync))


def json_or_none(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def error_message(body: Any) -> str:
    error = body.get("error") if isinstance(body, Mapping) else None
    message = error.get("message") if isinstance(error, Mapping) else error
    return message.strip()[:200] if isinstance(message, str) else ""
