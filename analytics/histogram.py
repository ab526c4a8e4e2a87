"""Histograms of labels, counted in SQL: shared by the analyses that ask "how many labels have
0, 1, 2… of something"."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from database import db


def histogram(value: sa.ColumnElement[Any], name: str) -> list[dict[str, Any]]:
    """Labels per value of `value`, with each bucket's share of all labels."""
    labels = sa.func.count()
    rows = db.session.execute(
        sa.select(
            value.label("value"),
            labels.label("labels"),
            (labels * 1.0 / sa.func.sum(labels).over()).label("share"),
        )
        .group_by(value)
        .order_by(value)
    )
    return [
        {name: row.value, "labels": row.labels, "share": round(float(row.share), 4)} for row in rows
    ]


def with_zero_bucket(buckets: dict[int, int], name: str, labels: int) -> list[dict[str, Any]]:
    """Labels per value (`buckets`: value → labels, the labels with none left out), the labels
    of all `labels` not in a bucket as the 0 bucket, each with its share of all labels."""
    if without := labels - sum(buckets.values()):
        buckets = {**buckets, 0: without}
    return [
        {name: value, "labels": count, "share": round(count / labels, 4)}
        for value, count in sorted(buckets.items())
    ]
