"""Benchmark #9, part 3: each analysis live through `GET /api/analytics/<analysis>` with a bearer
token, under a class filter and under a labeler filter, timed per request (target p95 < 300 ms).
`bench.analytics` runs it after the stored runs."""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass

import sqlalchemy as sa
from flask import Flask

import accounts
from analytics.registry import ANALYZERS
from bench.common import percentile
from database import db
from models import NdcCode, User, drug_class_memberships


@dataclass(frozen=True)
class Latencies:
    analysis: str
    filter: str
    milliseconds: list[float]

    @property
    def p50(self) -> float:
        return statistics.median(self.milliseconds)

    @property
    def p95(self) -> float:
        return percentile(self.milliseconds, 0.95)


def chosen_filters(labels: int) -> dict[str, dict[str, str]]:
    """A mid-sized class (the one whose label count is nearest 1% of the labels) and the
    labeler (normalised code) printed on most labels."""
    members = drug_class_memberships.c
    size = sa.func.count().label("size")
    by_class = sa.select(members.drug_class_id, size).group_by(members.drug_class_id)
    class_id, class_size = db.session.execute(
        by_class.order_by(sa.func.abs(size - labels / 100), members.drug_class_id).limit(1)
    ).one()
    on_labels = sa.func.count(sa.distinct(NdcCode.drug_id))
    labeler, labeler_size = db.session.execute(
        sa.select(NdcCode.labeler5, on_labels)
        .where(NdcCode.labeler5.is_not(None))
        .group_by(NdcCode.labeler5)
        .order_by(on_labels.desc(), NdcCode.labeler5)
        .limit(1)
    ).one()
    return {
        f"class (id {class_id}, {class_size:,} labels)": {"class_id": str(class_id)},
        f"labeler ({labeler}, {labeler_size:,} labels)": {"labeler": str(labeler)},
    }


def live(app: Flask, filters: dict[str, dict[str, str]], repeats: int) -> list[Latencies]:
    name = "bench-analytics"
    user = db.session.scalar(sa.select(User).where(User.username == name))
    user = user or accounts.create_user(name, "bench-password-123", "viewer")
    headers = {"Authorization": f"Bearer {accounts.create_token(user, 'bench').plaintext}"}
    db.session.commit()
    client = app.test_client()
    results = []
    for analysis in ANALYZERS:
        for described, query in filters.items():
            path = f"/api/analytics/{analysis}"
            client.get(path, query_string=query, headers=headers)  # warm up
            times = []
            for _ in range(repeats):
                started = time.perf_counter()
                response = client.get(path, query_string=query, headers=headers)
                times.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200, response.get_json()
                assert response.get_json()["run_id"] is None  # computed live, not read back
            results.append(Latencies(analysis, described, times))
    return results
