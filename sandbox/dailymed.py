"""The sandbox DailyMed: the REST API v2 contract of docs/dailymed.md over a generated catalogue.

Mounted by `sandbox.server` at `/dailymed/services/v2`. Besides answering like DailyMed, it can
misbehave on purpose, all deterministically: latency per request, a share of 500/502/503
answers, 429 bursts with Retry-After, set ids that always fail. It counts what it served so a
test can assert what a client asked for (`counters`, `max_in_flight`, `log`).
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, jsonify, request

from sandbox.catalogue import (
    CLASS_TYPES,
    MED_RT,
    Catalogue,
    Label,
    SandboxClass,
    format_published,
)
from sandbox.dailymed_state import DailymedState, Reading, ServedRequest, error_response

__all__ = [
    "DailymedState",
    "Reading",
    "ServedRequest",
    "add_arguments",
    "create_blueprint",
    "state_from_args",
]

MAX_PAGE_SIZE = 100
OTHER_READING_BIG_LABEL = 130  # products of the big label in the other reading: two pages
COMPARISONS: dict[str, Callable[[date, date], bool]] = {
    "lt": lambda a, b: a < b,
    "lte": lambda a, b: a <= b,
    "gt": lambda a, b: a > b,
    "gte": lambda a, b: a >= b,
    "eq": lambda a, b: a == b,
}
NAME_TYPES = {"both": ("B", "G"), "brand": ("B",), "generic": ("G",)}
# Flask endpoint name -> counter name
ENDPOINTS = {
    "dailymed.drug_classes": "drugclasses",
    "dailymed.spls": "spls",
    "dailymed.packaging": "packaging",
    "dailymed.ndcs": "ndcs",
    "dailymed.history": "history",
    "dailymed.drug_names": "drugnames",
}


class BadParameter(ValueError):
    """A query parameter DailyMed would reject (answered 400)."""


class UnknownSetId(LookupError):
    """No label has this set id (answered 404)."""


# -- the blueprint ---------------------------------------------------------------------------


def create_blueprint(state: DailymedState) -> Blueprint:
    """DailyMed's v2 JSON endpoints over `state`; mount at `/dailymed/services/v2`."""
    bp = Blueprint("dailymed", __name__, url_prefix="/dailymed/services/v2")
    catalogue = state.catalogue

    @bp.before_request
    def misbehave() -> Response | None:
        state.request_started()
        if state.latency_ms:
            state.clock.sleep(state.latency_ms / 1000)
        endpoint = ENDPOINTS.get(request.endpoint or "", "unknown")
        state.wait_at_gate(endpoint)
        set_id = (request.view_args or {}).get("set_id")
        return state.misbehaviour_for(endpoint, request.full_path, set_id)

    @bp.after_request
    def count(response: Response) -> Response:
        endpoint = ENDPOINTS.get(request.endpoint or "", "unknown")
        user_agent = request.headers.get("User-Agent", "")
        state.request_finished(endpoint, request.full_path, response.status_code, user_agent)
        return response

    @bp.errorhandler(BadParameter)
    def bad_parameter(error: BadParameter) -> Response:
        return error_response(400, str(error))

    @bp.get("/drugclasses.json")
    def drug_classes() -> Response:
        return _paged(state, _classes_asked(catalogue), lambda c: c.as_json())

    @bp.get("/spls.json")
    def spls() -> Response:
        return _paged(state, _labels_asked(state), lambda label: _summary(state, label))

    def _label(set_id: str) -> Label:
        label = catalogue.labels_by_set_id.get(set_id)
        if label is None:
            raise UnknownSetId(set_id)
        return label

    @bp.errorhandler(UnknownSetId)
    def unknown_set_id(error: UnknownSetId) -> Response:
        return error_response(404, f"No SPL with set id {error.args[0]}")

    @bp.get("/spls/<set_id>/packaging.json")
    def packaging(set_id: str) -> Response:
        label = _label(set_id)
        metadata, products = _page_of(state, catalogue.products(label))
        return jsonify(metadata=metadata, data={**_summary(state, label), "products": products})

    @bp.get("/spls/<set_id>/ndcs.json")
    def ndcs(set_id: str) -> Response:
        label = _label(set_id)
        metadata, ndcs = _page_of(state, catalogue.package_ndcs(label))
        data = {**_summary(state, label), "ndcs": [{"ndc": ndc} for ndc in ndcs]}
        return jsonify(metadata=metadata, data=data)

    @bp.get("/spls/<set_id>/history.json")
    def history(set_id: str) -> Response:
        label = _label(set_id)
        response = _paged(state, catalogue.history(label), dict)
        envelope = response.get_json()
        envelope["data"] = {
            "spl": {"setid": label.set_id, "title": label.title},
            "history": envelope["data"],
        }
        return jsonify(envelope)

    @bp.get("/drugnames.json")
    def drug_names() -> Response:
        kinds = _name_types()
        wanted = request.args.get("drug_name", "").lower()
        names = dict.fromkeys(
            (name, kind)
            for label in catalogue.labels
            for kind in kinds
            for name in _names(label, (kind,))
        )
        found = sorted(pair for pair in names if wanted in pair[0].lower())
        return _paged(state, found, lambda pair: {"drug_name": pair[0], "name_type": pair[1]})

    return bp


def _classes_asked(catalogue: Catalogue) -> list[SandboxClass]:
    """The classes /drugclasses.json lists for this request's filters."""
    kind = request.args.get("class_code_type", "all").strip().upper()
    if kind != "ALL" and kind not in CLASS_TYPES:
        raise BadParameter("class_code_type must be one of all, epc, moa, pe, ci")
    code = request.args.get("drug_class_code")
    system = request.args.get("drug_class_coding_system")
    name = request.args.get("class_name", "").lower()
    return [
        c
        for c in catalogue.classes
        if kind in ("ALL", c.type)
        and (not code or c.code == code)
        and (not system or c.coding_system == system)
        and name in c.name.lower()
    ]


def _labels_asked(state: DailymedState) -> Sequence[Label]:
    """The labels /spls.json lists for this request's filters."""
    labels: Sequence[Label] = state.catalogue.labels
    if code := request.args.get("drug_class_code"):
        labels = _class_labels(state, code, request.args.get("drug_class_coding_system"))
    if set_id := request.args.get("setid"):
        labels = [label for label in labels if label.set_id == set_id]
    if published := request.args.get("published_date"):
        since = _iso_date(published)
        comparison = request.args.get("published_date_comparison", "gte").lower()
        if comparison not in COMPARISONS:
            raise BadParameter("published_date_comparison must be lt, lte, gt, gte or eq")
        compare = COMPARISONS[comparison]
        labels = [label for label in labels if compare(label.published, since)]
    if drug_name := request.args.get("drug_name", "").lower():
        kinds = _name_types()
        labels = [
            label for label in labels if any(drug_name in n.lower() for n in _names(label, kinds))
        ]
    return labels


def _class_labels(state: DailymedState, code: str, asked: str | None) -> list[Label]:
    """The labels /spls lists for a class code and drug_class_coding_system, by the reading."""
    catalogue, reading = state.catalogue, state.reading
    if reading.spls_coding_system is None:  # a class is known under its own coding system
        system = asked or MED_RT
        known = system in {c.coding_system for c in catalogue.classes}
        found = [
            i
            for i, c in enumerate(catalogue.classes)
            if (c.code, c.coding_system) == (code, system)
        ]
    else:  # only one coding system is known, and any class is found under it by code
        system = asked or reading.spls_default_coding_system or reading.spls_coding_system
        known = system == reading.spls_coding_system
        found = [i for i, c in enumerate(catalogue.classes) if c.code == code and known]
    if not known and reading.reject_unknown_coding_system:
        raise BadParameter(f"drug_class_coding_system {system} is not supported")
    return [catalogue.labels[i] for i in (catalogue.class_members[found[0]] if found else [])]


def _summary(state: DailymedState, label: Label) -> dict[str, Any]:
    summary = label.summary_json()
    if state.reading.versions_as_text:
        summary["spl_version"] = str(label.spl_version)
    return summary


def _names(label: Label, kinds: Iterable[str]) -> list[str]:
    names = []
    for kind in kinds:
        if kind == "B" and label.brand:
            names.append(label.brand)
        elif kind == "G":
            names.append(label.generic.upper())
    return names


def _name_types() -> tuple[str, ...]:
    name_type = request.args.get("name_type", "both").lower()
    if name_type not in NAME_TYPES:
        raise BadParameter("name_type must be both, generic or brand")
    return NAME_TYPES[name_type]


def _iso_date(text: str) -> date:
    try:
        return datetime.strptime(text, "%Y-%m-%d").date()
    except ValueError:
        raise BadParameter("published_date must be YYYY-MM-DD") from None


def _int_arg(name: str, default: int, lowest: int, highest: int | None = None) -> int:
    text = request.args.get(name)
    if text is None:
        return default
    try:
        value = int(text)
    except ValueError:
        raise BadParameter(f"{name} must be a whole number") from None
    if value < lowest or (highest is not None and value > highest):
        bounds = f"between {lowest} and {highest}" if highest else f"at least {lowest}"
        raise BadParameter(f"{name} must be {bounds}")
    return value


def _db_published(state: DailymedState) -> str:
    return f"{format_published(state.catalogue.last_published)} 09:17:53AM EST"


def _page_url(page: int) -> str:
    args = request.args.to_dict(flat=False)
    args["page"] = [str(page)]
    return f"{request.base_url}?{urlencode(args, doseq=True)}"


def _paged(state: DailymedState, items: Sequence[Any], shape: Callable[[Any], Any]) -> Response:
    """One page of `items` in DailyMed's envelope; `page` is 1-based, `pagesize` at most 100."""
    metadata, page_items = _page_of(state, items)
    return jsonify(metadata=metadata, data=[shape(item) for item in page_items])


def _page_of(state: DailymedState, items: Sequence[Any]) -> tuple[dict[str, Any], Sequence[Any]]:
    """The paging metadata of the asked-for page of `items`, and the items on it."""
    page = _int_arg("page", 1, 1)
    page_size = _int_arg("pagesize", MAX_PAGE_SIZE, 1, MAX_PAGE_SIZE)
    total_pages = math.ceil(len(items) / page_size)
    start = (page - 1) * page_size
    has_next = page < total_pages
    has_previous = page > 1
    metadata = {
        "total_elements": len(items),
        "elements_per_page": page_size,
        "total_pages": total_pages,
        "current_page": page,
        "current_url": request.url,
        "next_page_url": _page_url(page + 1) if has_next else None,
        "next_page": page + 1 if has_next else None,
        "previous_page": page - 1 if has_previous else None,
        "previous_page_url": _page_url(page - 1) if has_previous else None,
        "db_published_date": _db_published(state),
    }
    if not has_next and state.reading.omit_last_next_page_url:
        del metadata["next_page_url"]
    return metadata, items[start : start + page_size]


# -- command line ----------------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("DailyMed sandbox")
    group.add_argument("--dailymed-seed", type=int, default=1, help="catalogue seed (1)")
    group.add_argument("--dailymed-classes", type=int, default=40, help="drug classes (40)")
    group.add_argument("--dailymed-labels", type=int, default=600, help="labels (600)")
    group.add_argument("--dailymed-latency-ms", type=float, default=0.0, help="delay per request")
    group.add_argument(
        "--dailymed-fault-rate", type=float, default=0.0, help="share answered 500/502/503 (0)"
    )
    group.add_argument(
        "--dailymed-burst-every", type=int, default=0, help="every Nth request starts a 429 burst"
    )
    group.add_argument(
        "--dailymed-burst-seconds", type=float, default=1.0, help="length of a 429 burst (1)"
    )
    group.add_argument(
        "--dailymed-fail-setid",
        action="append",
        default=[],
        metavar="SETID",
        help="a set id that always fails (repeatable)",
    )
    group.add_argument(
        "--dailymed-other-reading",
        action="store_true",
        help="answer by the other reading of the docs: /spls knows only the documented coding "
        "system (400 for others), spl_version as text, no next_page_url on a last page, an HTML "
        "page with status 200 for the first request of every URL, a label with 130 products",
    )
    group.add_argument(
        "--dailymed-big-label-products",
        type=int,
        default=0,
        help="give one label this many products (0: none; more than 100 spans pages)",
    )


def state_from_args(args: argparse.Namespace) -> DailymedState:
    other = args.dailymed_other_reading
    big_label = args.dailymed_big_label_products or (OTHER_READING_BIG_LABEL if other else 0)
    return DailymedState(
        Catalogue(
            seed=args.dailymed_seed,
            classes=args.dailymed_classes,
            labels=args.dailymed_labels,
            big_label_products=big_label,
        ),
        reading=Reading.other() if other else Reading(),
        latency_ms=args.dailymed_latency_ms,
        fault_rate=args.dailymed_fault_rate,
        fault_seed=args.dailymed_seed,
        burst_every=args.dailymed_burst_every,
        burst_seconds=args.dailymed_burst_seconds,
        failing_set_ids=args.dailymed_fail_setid,
    )
