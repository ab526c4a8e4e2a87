"""Stored analytics results: one JSON document per (run, analysis) in `analytics_results`, and the
typed rows of the seed's analyses (NDC top labelers, drug-class top classes, top generic names)
written in the same transaction. Reading them: the latest result of an analysis, a given run's,
the list of results, a note people set; and `answer`, which picks what GET
/api/analytics/<analysis> sends — the latest stored result, a run's, or one computed live."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app

from analytics import registry
from analytics.filters import Filters
from database import Model, db
from errors import NotFound, ValidationFailed
from models import (
    AnalyticsResult,
    AnalyticsTopClass,
    AnalyticsTopGenericName,
    AnalyticsTopLabeler,
)

MAX_NOTE = 2000


@dataclass(frozen=True)
class TopList:
    """A top list of an analysis's `data` kept as typed rows: where it is, the model holding it,
    its key (what two runs are compared by), its label, the figure compared, and how a JSON item
    becomes a row."""

    analysis: str
    name: str  # the key in the analysis's data: "top_labelers"
    model: type[Model]
    key: str
    label: str
    figure: str
    row: Callable[[dict[str, Any]], dict[str, Any]]


TOP_LISTS = (
    TopList(
        "ndc",
        "top_labelers",
        AnalyticsTopLabeler,
        key="labeler",
        label="labeler",
        figure="products",
        row=lambda item: {
            "labeler": item["labeler"],
            "products": item["products"],
            "packages": item["packages"],
            "labels": item["labels"],
        },
    ),
    TopList(
        "drug-classes",
        "top_classes",
        AnalyticsTopClass,
        key="code",
        label="name",
        figure="labels",
        row=lambda item: {
            "code": item["code"],
            "class_id": item["id"],
            "name": item["name"],
            "class_type": item["class_type"],
            "labels": item["labels"],
        },
    ),
    TopList(
        "names",
        "top_generic_names",
        AnalyticsTopGenericName,
        key="name",
        label="name",
        figure="labels",
        row=lambda item: {"name": item["name"], "labels": item["labels"]},
    ),
)


def top_lists(analysis: str) -> tuple[TopList, ...]:
    return tuple(top for top in TOP_LISTS if top.analysis == analysis)


# ------------------------------------------------------------------ writing


def as_stored_json(value: dict[str, Any]) -> dict[str, Any]:
    """`value` as the API's JSON sends it (dates, decimals…), so a stored document reads back
    exactly as the live answer would have shown it."""
    return current_app.json.loads(current_app.json.dumps(value))


def store(
    run_id: int, analysis: str, result: dict[str, Any], computed_at: datetime
) -> AnalyticsResult:
    """Store one analysis of one run — the document and its typed rows — in one transaction:
    all of it, or (on any error) nothing."""
    document = as_stored_json({"summary": result["summary"], "data": result["data"]})
    try:
        stored = AnalyticsResult(
            run_id=run_id,
            analysis=analysis,
            computed_at=computed_at,
            summary=document["summary"],
            data=document["data"],
        )
        db.session.add(stored)
        db.session.flush()
        for top in top_lists(analysis):
            rows = [
                {"result_id": stored.id, "rank": rank, **top.row(item)}
                for rank, item in enumerate(document["data"].get(top.name) or [], start=1)
            ]
            if rows:
                db.session.execute(sa.insert(top.model), rows)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return stored


# ------------------------------------------------------------------ reading


def get(result_id: int) -> AnalyticsResult:
    result = db.session.get(AnalyticsResult, result_id)
    if result is None:
        raise NotFound(f"No analytics result with id {result_id}.", field="id")
    return result


def latest(analysis: str) -> AnalyticsResult | None:
    """The most recently computed stored result of `analysis`, whichever run stored it."""
    return db.session.scalars(
        sa.select(AnalyticsResult)
        .where(AnalyticsResult.analysis == analysis)
        .order_by(AnalyticsResult.computed_at.desc(), AnalyticsResult.id.desc())
        .limit(1)
    ).first()


def of_run(analysis: str, run_id: int) -> AnalyticsResult:
    result = db.session.scalars(
        sa.select(AnalyticsResult).where(
            AnalyticsResult.analysis == analysis, AnalyticsResult.run_id == run_id
        )
    ).first()
    if result is None:
        raise NotFound(f"Run {run_id} has no stored {analysis} analysis.", field="run_id")
    return result


def of_run_all(run_id: int) -> dict[str, AnalyticsResult]:
    """Every analysis a run stored, by name."""
    rows = db.session.scalars(sa.select(AnalyticsResult).where(AnalyticsResult.run_id == run_id))
    return {row.analysis: row for row in rows}


def top_rows(result: AnalyticsResult, top: TopList) -> list[Any]:
    """A stored result's typed rows of one top list, best first."""
    model: Any = top.model
    return list(
        db.session.scalars(
            sa.select(model).where(model.result_id == result.id).order_by(model.rank)
        )
    )


def run_id_arg(text: str | None, name: str = "run_id") -> int | None:
    """A run id from a query string ("" or None: none), or a 422 naming `name`."""
    text = (text or "").strip()
    if not text:
        return None
    if not (text.isascii() and text.isdecimal()) or len(text) > 18 or int(text) < 1:
        raise ValidationFailed(
            f"{name} must be a run's id (a whole number), got {text[:40]!r}.", field=name
        )
    return int(text)


def analysis_arg(text: str | None) -> str | None:
    text = (text or "").strip()
    if not text:
        return None
    if text not in registry.ANALYZERS:
        raise ValidationFailed(
            f"Unknown analysis {text[:60]!r}; the analyses are {', '.join(registry.ANALYZERS)}.",
            field="analysis",
        )
    return text


LIST_ARGS = ("analysis", "run_id", "page", "per_page")


def list_query(args: Mapping[str, str]) -> sa.Select:
    """Stored results, newest first, of one `analysis` and/or one `run_id` when given; any other
    argument (but the page's) is a 422 naming it."""
    for name in args:
        if name not in LIST_ARGS:
            raise ValidationFailed(
                f"Unknown argument {name[:60]!r}; the results take {', '.join(LIST_ARGS)}.",
                field=name,
            )
    query = sa.select(AnalyticsResult).order_by(AnalyticsResult.computed_at.desc())
    if analysis := analysis_arg(args.get("analysis")):
        query = query.where(AnalyticsResult.analysis == analysis)
    if (run_id := run_id_arg(args.get("run_id"))) is not None:
        query = query.where(AnalyticsResult.run_id == run_id)
    return query


# ------------------------------------------------------------------ notes, deleting


def set_note(result_id: int, body: Mapping[str, Any]) -> AnalyticsResult:
    """Body `{"note": text or null}`: a note of at most MAX_NOTE characters ("" clears it)."""
    result = get(result_id)
    unknown = [name for name in body if name != "note"]
    if unknown:
        raise ValidationFailed(
            f"Unknown field {unknown[0][:60]!r}; only note can be set.", field=unknown[0]
        )
    if "note" not in body:
        raise ValidationFailed("note is required: a text, or null to clear it.", field="note")
    note = body["note"]
    if note is not None and not isinstance(note, str):
        raise ValidationFailed("note must be a text or null.", field="note")
    note = (note or "").strip() or None
    if note is not None and len(note) > MAX_NOTE:
        raise ValidationFailed(f"note must be at most {MAX_NOTE} characters.", field="note")
    result.note = note
    db.session.commit()
    return result


def delete(result_id: int) -> None:
    """Delete a stored result with its typed rows (the database cascades them)."""
    result = get(result_id)
    db.session.delete(result)
    db.session.commit()


# ------------------------------------------------------------------ answers


def listed_json(result: AnalyticsResult) -> dict[str, Any]:
    """A result in lists: everything but its data."""
    return {
        "id": result.id,
        "run_id": result.run_id,
        "analysis": result.analysis,
        "computed_at": result.computed_at.isoformat(),
        "note": result.note,
        "summary": result.summary,
    }


def result_json(result: AnalyticsResult) -> dict[str, Any]:
    """A result whole: the list's keys and its data."""
    return {**listed_json(result), "data": result.data}


def _analysis_json(result: AnalyticsResult) -> dict[str, Any]:
    return {
        "analysis": result.analysis,
        "run_id": result.run_id,
        "computed_at": result.computed_at.isoformat(),
        "filters": {},
        "summary": result.summary,
        "data": result.data,
        "result_id": result.id,
        "note": result.note,
    }


def answer(analysis: str, args: Mapping[str, str]) -> dict[str, Any]:
    """What GET /api/analytics/<analysis> sends: with `run_id` that run's stored result (404 when
    it has none), with any filter the analysis computed live (`run_id` null), with neither the
    latest stored result, or one computed live while none is stored. `run_id` with a filter is a
    422: a stored run is unfiltered."""
    registry.analyzer(analysis)  # 404 for an unknown analysis, before the arguments
    args = dict(args)
    run_id = run_id_arg(args.pop("run_id", None))
    filters = Filters.from_args(args)
    filtered = bool(filters.as_json())
    if run_id is not None:
        if filtered:
            raise ValidationFailed(
                "run_id reads a stored run, which is unfiltered: send run_id or filters "
                f"({', '.join(filters.as_json())}), not both.",
                field="run_id",
            )
        return _analysis_json(of_run(analysis, run_id))
    if not filtered and (stored := latest(analysis)) is not None:
        return _analysis_json(stored)
    computed_at = datetime.now(UTC)
    result = registry.compute(analysis, filters)
    return {
        "analysis": analysis,
        "run_id": None,
        "computed_at": computed_at.isoformat(),
        "filters": filters.as_json(),
        "summary": result["summary"],
        "data": result["data"],
        "result_id": None,
        "note": None,
    }
