"""JSON answers are written by orjson through Flask's provider (app.JSONProvider): the same
documents Flask would write — key order kept, dates as Flask writes them — in UTF-8, and a value
orjson cannot hold (an integer past 64 bits) still answers, through Flask's own encoder."""

from datetime import UTC, date, datetime
from decimal import Decimal

import sqlalchemy as sa
from flask import json


def test_documents_keep_their_key_order_and_flasks_forms_of_dates_and_decimals(app):
    document = {
        "z": 1,
        "a": [date(2026, 12, 1), datetime(2026, 12, 1, 13, 30, tzinfo=UTC)],
        "m": Decimal("12.50"),
        7: "a key that is not text",
    }
    written = app.json.dumps(document)
    assert written.startswith('{"z":1,"a":["Tue, 01 Dec 2026 00:00:00 GMT",')
    assert '"Tue, 01 Dec 2026 13:30:00 GMT"]' in written
    assert '"m":"12.50"' in written and '"7":"a key that is not text"' in written


def test_text_is_written_as_utf8_and_reads_back_the_same(editor):
    body = {"set_id": "22222222-3333-4444-8555-666666666666", "title": "ÉCLAIR 5 µg TABLET ✓"}
    answer = editor.post("/api/drugs", json=body)
    assert answer.status_code == 201, answer.json
    assert "ÉCLAIR 5 µg TABLET ✓".encode() in answer.data  # not \u escapes
    assert answer.json["data"]["title"] == body["title"]
    listed = editor.get("/api/drugs").json["data"]
    assert [item["title"] for item in listed] == [body["title"]]


def test_an_integer_past_64_bits_is_still_written(app):
    huge = 2**70
    assert json.loads(app.json.dumps({"n": huge})) == {"n": huge}


def test_a_whole_number_past_the_columns_range_is_refused_naming_the_field(editor):
    """It reached the database and failed there (a 500) before the field rule had a maximum."""
    huge = 2**31
    body = {"set_id": "22222222-3333-4444-8555-666666666666", "title": "X", "spl_version": huge}
    answer = editor.post("/api/drugs", json=body)
    assert answer.status_code == 422, answer.data
    assert answer.json["error"]["details"]["field"] == "spl_version"
    assert "from 1 to 2147483647" in answer.json["error"]["message"]
    assert editor.get("/api/drugs").json["total"] == 0  # nothing stored


def test_json_columns_read_back_exactly_whatever_they_hold(app):
    """JSON and JSONB values are read by orjson, but a number it would not keep exactly (past
    64 bits, past a double) is read by the standard library."""
    from database import db

    def read(literal: str):
        return db.session.execute(sa.text(f"SELECT CAST('{literal}' AS jsonb)")).scalar_one()

    assert read('{"n": 123456789012345678901234567890}') == {"n": 123456789012345678901234567890}
    assert read('{"n": 1e400}') == {"n": 10**400}  # PostgreSQL writes it out in full
    assert read('{"title": "ÉCLAIR", "list": [1, 2.5, null, true]}') == {
        "title": "ÉCLAIR",
        "list": [1, 2.5, None, True],
    }
