"""Two analytics runs side by side: for each analysis both runs stored, every numeric summary
figure and the typed top lists (NDC labelers by products, drug classes and generic names by
labels), each with its value in the `from` run, in the `to` run, and the change."""

from __future__ import annotations

from typing import Any

from analytics import results
from errors import NotFound, ValidationFailed
from models import AnalyticsResult


def compare(from_text: str | None, to_text: str | None) -> dict[str, Any]:
    """`{"from": {"run_id", "computed_at"}, "to": {…}, "analyses": {<analysis>: {"summary":
    {<figure>: {"from", "to", "delta"}}, "top": {<list>: [{"key", "label", "from", "to",
    "delta", "from_rank", "to_rank"}]}}}}`. A 422 names a missing or malformed `from`/`to`; a
    404 names a run without stored results."""
    runs = {}
    for name, text in (("from", from_text), ("to", to_text)):
        run_id = results.run_id_arg(text, name)
        if run_id is None:
            raise ValidationFailed(f"{name} is required: the id of an analytics run.", field=name)
        stored = results.of_run_all(run_id)
        if not stored:
            raise NotFound(f"Run {run_id} ({name}) has no stored analytics results.", field=name)
        runs[name] = (run_id, stored)
    (from_id, before), (to_id, after) = runs["from"], runs["to"]
    shared = [analysis for analysis in after if analysis in before]
    return {
        "from": _side(from_id, before),
        "to": _side(to_id, after),
        "analyses": {
            analysis: {
                "summary": _figures(before[analysis].summary, after[analysis].summary),
                "top": {
                    top.name: _top(before[analysis], after[analysis], top)
                    for top in results.top_lists(analysis)
                },
            }
            for analysis in sorted(shared)
        },
    }


def _side(run_id: int, stored: dict[str, AnalyticsResult]) -> dict[str, Any]:
    return {
        "run_id": run_id,
        "computed_at": max(result.computed_at for result in stored.values()).isoformat(),
    }


def _numbers(summary: dict[str, Any], prefix: str = "") -> dict[str, float]:
    """Every numeric figure of a summary; a nested object's as "outer.inner"."""
    figures: dict[str, float] = {}
    for name, value in summary.items():
        if isinstance(value, dict):
            figures.update(_numbers(value, f"{prefix}{name}."))
        elif isinstance(value, int | float) and not isinstance(value, bool):
            figures[f"{prefix}{name}"] = value
    return figures


def _delta(before: float | None, after: float | None) -> float | None:
    if before is None or after is None:
        return None
    delta = after - before
    return round(delta, 6) if isinstance(delta, float) else delta


def _figures(before: dict[str, Any], after: dict[str, Any]) -> dict[str, dict[str, Any]]:
    old, new = _numbers(before), _numbers(after)
    names = list(new) + [name for name in old if name not in new]
    return {
        name: {
            "from": old.get(name),
            "to": new.get(name),
            "delta": _delta(old.get(name), new.get(name)),
        }
        for name in names
    }


def _top(before: AnalyticsResult, after: AnalyticsResult, top: results.TopList) -> list[dict]:
    """The union of both runs' top lists: the `to` list in its order, then the entries that
    dropped out of it. A side whose list did not hold the entry has null (its value then is
    not stored, only that it was not in the top)."""
    old = {getattr(row, top.key): row for row in results.top_rows(before, top)}
    new = {getattr(row, top.key): row for row in results.top_rows(after, top)}
    items = []
    for key in list(new) + [key for key in old if key not in new]:
        was, now = old.get(key), new.get(key)
        shown = now or was
        figure_before = getattr(was, top.figure) if was else None
        figure_after = getattr(now, top.figure) if now else None
        items.append(
            {
                "key": key,
                "label": getattr(shown, top.label),
                "from": figure_before,
                "to": figure_after,
                "delta": _delta(figure_before, figure_after),
                "from_rank": was.rank if was else None,
                "to_rank": now.rank if now else None,
            }
        )
    return items
