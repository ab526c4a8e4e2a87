"""The analytics API: run analytics (a job), the stored results (list, get, note, delete), one
analysis (the latest stored run, a given run, or live under filters), and two runs compared —
with who may do what, and every bad input answered with the field named."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from analytics import registry
from database import db
from jobs import engine
from models import AnalyticsResult, AnalyticsTopLabeler, Drug, Run
from tests.fixtures.analytics_runs import wait_for_run
from tests.fixtures.dailymed_sync import run_sync

LIST_KEYS = {"id", "run_id", "analysis", "computed_at", "note", "summary"}


def analytics_run() -> Run:
    run = engine.run_in_foreground("analytics", "tests")
    assert run.status == "completed", run.error_message
    return run


def result_id(run: Run, analysis: str) -> int:
    return db.session.scalars(
        sa.select(AnalyticsResult.id).where(
            AnalyticsResult.run_id == run.id, AnalyticsResult.analysis == analysis
        )
    ).one()


def field_of(response) -> Any:
    return response.json["error"]["details"].get("field")


# ------------------------------------------------------------------ POST /api/analytics/run


def test_an_editor_starts_a_run_and_gets_its_job_id_at_once(app, client, bearer):
    response = client.post("/api/analytics/run", headers=bearer("editor"))
    assert response.status_code == 202
    assert response.json["success"] is True
    run = wait_for_run(response.json["job_id"])
    assert (run.source, run.status) == ("analytics", "completed")
    assert run.triggered_by.startswith("user:script-editor-")


def test_a_viewer_cannot_start_a_run_and_a_session_needs_the_csrf_token(app, viewer, editor):
    assert viewer.post("/api/analytics/run").status_code == 403
    refused = editor.client.post("/api/analytics/run")  # the session cookie, no CSRF header
    assert refused.status_code == 400 and refused.json["error"]["code"] == "csrf_failed"
    started = editor.post("/api/analytics/run")
    assert started.status_code == 202
    wait_for_run(started.json["job_id"])


# ------------------------------------------------------------------ the stored results


def test_results_are_listed_newest_first_filtered_by_analysis_and_run_and_paged(app, viewer):
    first, second = analytics_run(), analytics_run()
    body = viewer.get("/api/analytics/results?per_page=200").json
    assert body["total"] == 2 * len(registry.ANALYZERS)
    assert set(body["data"][0]) == LIST_KEYS
    assert [item["run_id"] for item in body["data"][: len(registry.ANALYZERS)]] == [
        second.id
    ] * len(registry.ANALYZERS)
    ndc = viewer.get("/api/analytics/results?analysis=ndc").json
    assert [(i["analysis"], i["run_id"]) for i in ndc["data"]] == [
        ("ndc", second.id),
        ("ndc", first.id),
    ]
    of_first = viewer.get(f"/api/analytics/results?run_id={first.id}").json
    assert {i["analysis"] for i in of_first["data"]} == set(registry.ANALYZERS)
    assert {i["run_id"] for i in of_first["data"]} == {first.id}
    page = viewer.get("/api/analytics/results?per_page=3&page=2").json
    assert (page["count"], page["page"], page["per_page"]) == (3, 2, 3)
    assert page["pages"] == -(-2 * len(registry.ANALYZERS) // 3)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("analysis=weather", "analysis"),
        ("run_id=abc", "run_id"),
        ("run_id=0", "run_id"),
        ("analysys=ndc", "analysys"),
    ],
)
def test_a_bad_results_filter_is_a_422_naming_it(app, viewer, query, field):
    response = viewer.get(f"/api/analytics/results?{query}")
    assert response.status_code == 422 and field_of(response) == field


def test_a_result_is_read_whole_and_a_missing_one_is_a_404(app, viewer):
    run = analytics_run()
    one = result_id(run, "ndc")
    body = viewer.get(f"/api/analytics/results/{one}").json
    assert set(body) == LIST_KEYS | {"data", "success"}
    assert (body["id"], body["run_id"], body["analysis"]) == (one, run.id, "ndc")
    assert body["data"] == db.session.get(AnalyticsResult, one).data
    missing = viewer.get("/api/analytics/results/999999")
    assert missing.status_code == 404


def test_an_editor_sets_and_clears_a_note(app, editor, viewer):
    one = result_id(analytics_run(), "names")
    response = editor.client.put(
        f"/api/analytics/results/{one}",
        json={"note": "  after the June fix "},
        headers=editor.headers(),
    )
    assert response.status_code == 200 and response.json["note"] == "after the June fix"
    assert viewer.get(f"/api/analytics/results/{one}").json["note"] == "after the June fix"
    listed = viewer.get("/api/analytics/results?analysis=names").json["data"][0]
    assert listed["note"] == "after the June fix"
    cleared = editor.client.put(
        f"/api/analytics/results/{one}", json={"note": None}, headers=editor.headers()
    )
    assert cleared.json["note"] is None


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"note": 12}, "note", "text or null"),
        ({"note": "x" * 2001}, "note", "at most 2000"),
        ({}, "note", "required"),
        ({"note": "ok", "summary": {}}, "summary", "only note"),
    ],
)
def test_a_bad_note_is_a_422_naming_the_field(app, editor, body, field, words):
    one = result_id(analytics_run(), "ndc")
    response = editor.client.put(
        f"/api/analytics/results/{one}", json=body, headers=editor.headers()
    )
    assert response.status_code == 422 and field_of(response) == field
    assert words in response.json["error"]["message"]
    assert db.session.get(AnalyticsResult, one).note is None


def test_who_may_note_and_delete_and_a_missing_result_is_a_404(app, viewer, editor, admin):
    one = result_id(analytics_run(), "ndc")
    put = f"/api/analytics/results/{one}"
    assert viewer.client.put(put, json={"note": "x"}, headers=viewer.headers()).status_code == 403
    no_csrf = editor.client.put(put, json={"note": "x"})
    assert no_csrf.status_code == 400 and no_csrf.json["error"]["code"] == "csrf_failed"
    assert editor.client.delete(put, headers=editor.headers()).status_code == 403
    missing = "/api/analytics/results/999999"
    assert (
        editor.client.put(missing, json={"note": "x"}, headers=editor.headers()).status_code == 404
    )
    assert admin.client.delete(missing, headers=admin.headers()).status_code == 404


def test_an_admin_deletes_a_result_with_its_typed_rows(app, admin, viewer):
    run = analytics_run()
    one = result_id(run, "ndc")
    response = admin.client.delete(f"/api/analytics/results/{one}", headers=admin.headers())
    assert response.status_code == 200 and response.json["deleted"] == one
    assert viewer.get(f"/api/analytics/results/{one}").status_code == 404
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AnalyticsTopLabeler)) == 0
    assert viewer.get(f"/api/analytics/ndc?run_id={run.id}").status_code == 404


# ------------------------------------------------------------------ GET /api/analytics/<analysis>


def test_an_analysis_is_live_until_a_run_stores_it_then_the_latest_stored(app, viewer, synced):
    live = viewer.get("/api/analytics/ndc").json
    assert live["run_id"] is None and live["result_id"] is None
    first = analytics_run()
    second = analytics_run()
    latest = viewer.get("/api/analytics/ndc").json
    stored = db.session.get(AnalyticsResult, result_id(second, "ndc"))
    assert (latest["run_id"], latest["result_id"]) == (second.id, stored.id)
    assert latest["computed_at"] == stored.computed_at.isoformat()
    assert latest["filters"] == {} and latest["summary"] == stored.summary
    assert latest["data"] == stored.data
    older = viewer.get(f"/api/analytics/ndc?run_id={first.id}").json
    assert older["run_id"] == first.id


def test_the_latest_is_read_from_storage_and_a_filter_computes_live(app, viewer, synced):
    run = analytics_run()
    labels = viewer.get("/api/analytics/names").json["summary"]["labels"]
    db.session.execute(sa.delete(Drug).where(Drug.id.in_(sa.select(Drug.id).limit(5))))
    db.session.commit()
    stored = viewer.get("/api/analytics/names").json
    assert (stored["run_id"], stored["summary"]["labels"]) == (run.id, labels)
    live = viewer.get("/api/analytics/names?class_type=EPC").json
    assert live["run_id"] is None and live["filters"] == {"class_type": "EPC"}
    everything = viewer.get("/api/analytics/names?published_from=1900-01-01").json
    assert everything["run_id"] is None and everything["summary"]["labels"] == labels - 5


def test_deleting_the_latest_result_falls_back_to_the_run_before(app, admin, viewer):
    first, second = analytics_run(), analytics_run()
    one = result_id(second, "quality")
    admin.client.delete(f"/api/analytics/results/{one}", headers=admin.headers())
    assert viewer.get("/api/analytics/quality").json["run_id"] == first.id


@pytest.mark.parametrize(
    ("query", "status", "field"),
    [
        ("run_id=abc", 422, "run_id"),
        ("run_id=-3", 422, "run_id"),
        ("run_id={run}&class_type=EPC", 422, "run_id"),
        ("run_id=999999", 404, "run_id"),
        ("colour=red", 422, "colour"),
    ],
)
def test_bad_analysis_arguments_are_refused_naming_them(app, viewer, query, status, field):
    run = analytics_run()
    response = viewer.get(f"/api/analytics/ndc?{query.format(run=run.id)}")
    assert response.status_code == status and field_of(response) == field


def test_a_run_without_that_analysis_is_a_404(app, viewer):
    run = Run(source="dailymed", status="completed")
    db.session.add(run)
    db.session.commit()
    response = viewer.get(f"/api/analytics/names?run_id={run.id}")
    assert response.status_code == 404 and f"Run {run.id}" in response.json["error"]["message"]


# ------------------------------------------------------------------ compare


def test_compare_gives_every_headline_figure_and_top_list_with_deltas(
    app, viewer, synced, dailymed_app
):
    before = analytics_run()
    synced.add_labels(20)  # DailyMed publishes new labels; the next sync brings them
    assert run_sync().status == "completed"
    after = analytics_run()
    body = viewer.get(f"/api/analytics/compare?from={before.id}&to={after.id}").json
    assert body["success"] is True
    assert body["from"]["run_id"] == before.id and body["to"]["run_id"] == after.id
    assert set(body["analyses"]) == set(registry.ANALYZERS)
    ndc = body["analyses"]["ndc"]["summary"]
    assert ndc["labels"]["to"] - ndc["labels"]["from"] == ndc["labels"]["delta"] == 20
    for analysis, compared in body["analyses"].items():
        old = db.session.get(AnalyticsResult, result_id(before, analysis)).summary
        new = db.session.get(AnalyticsResult, result_id(after, analysis)).summary
        for figure, value in compared["summary"].items():
            if "." not in figure:
                assert (value["from"], value["to"]) == (old[figure], new[figure]), figure
            assert value["delta"] == value["to"] - value["from"], figure
    tops = {a: set(c["top"]) for a, c in body["analyses"].items() if c["top"]}
    assert tops == {
        "ndc": {"top_labelers"},
        "drug-classes": {"top_classes"},
        "names": {"top_generic_names"},
    }
    classes = body["analyses"]["drug-classes"]["top"]["top_classes"]
    new_top = db.session.get(AnalyticsResult, result_id(after, "drug-classes")).data
    in_order = [(c["code"], c["name"], c["labels"]) for c in new_top["top_classes"]]
    assert [(i["key"], i["label"], i["to"]) for i in classes[: len(in_order)]] == in_order
    assert any(i["delta"] for i in classes)  # the new labels moved some classes
    for item in classes:
        if item["from"] is not None and item["to"] is not None:
            assert item["delta"] == item["to"] - item["from"]
    labelers = body["analyses"]["ndc"]["top"]["top_labelers"]
    assert all(len(i["key"]) == 5 for i in labelers)


@pytest.mark.parametrize(
    ("query", "status", "field"),
    [
        ("to={run}", 422, "from"),
        ("from={run}", 422, "to"),
        ("from=x&to={run}", 422, "from"),
        ("from={run}&to=1.5", 422, "to"),
        ("from=999999&to={run}", 404, "from"),
        ("from={run}&to=999999", 404, "to"),
    ],
)
def test_bad_compare_arguments_are_refused_naming_them(app, viewer, query, status, field):
    run = analytics_run()
    response = viewer.get(f"/api/analytics/compare?{query.format(run=run.id)}")
    assert response.status_code == status and field_of(response) == field
