"""Every error under /api has the same JSON shape and never a stack trace."""

import pytest
import sqlalchemy as sa

SHAPE_KEYS = {"code", "message", "details"}


def assert_error(response, status: int, code: str):
    assert response.status_code == status
    body = response.json
    assert body["success"] is False
    assert set(body["error"]) == SHAPE_KEYS
    assert body["error"]["code"] == code
    assert "Traceback" not in response.get_data(as_text=True)


def test_unknown_api_route_is_404_in_the_json_shape(client, bearer):
    assert_error(client.get("/api/nothing-here", headers=bearer()), 404, "not_found")


def test_wrong_method_is_405_in_the_json_shape(client, bearer):
    assert_error(client.delete("/api/stats", headers=bearer()), 405, "method_not_allowed")


def test_malformed_json_is_400_naming_the_problem(client, bearer):
    response = client.post(
        "/api/users", headers={**bearer(), "Content-Type": "application/json"}, data="{nope"
    )
    assert_error(response, 400, "bad_request")
    assert "not valid JSON" in response.json["error"]["message"]


def test_non_object_json_is_400(client, bearer):
    assert_error(client.post("/api/users", headers=bearer(), json=[1, 2]), 400, "bad_request")


def test_validation_error_is_422_naming_the_field(client, bearer):
    response = client.post(
        "/api/users", headers=bearer(), json={"username": "ok", "password": "short"}
    )
    assert_error(response, 422, "validation_error")
    assert response.json["error"]["details"]["field"] == "password"


def test_duplicate_username_is_409_naming_the_field(client, bearer):
    headers = bearer()
    body = {"username": "twin", "password": "long-enough-1", "role": "viewer"}
    assert client.post("/api/users", headers=headers, json=body).status_code == 201
    response = client.post("/api/users", headers=headers, json=body)
    assert_error(response, 409, "conflict")
    assert response.json["error"]["details"]["field"] == "username"


def test_bad_paging_argument_is_422_naming_it(client, bearer):
    response = client.get("/api/users?per_page=abc", headers=bearer())
    assert_error(response, 422, "validation_error")
    assert response.json["error"]["details"]["field"] == "per_page"


def test_unexpected_failure_is_500_without_a_stack_trace(make_app, bearer):
    app = make_app()

    @app.get("/api/_explode")
    def explode():
        raise RuntimeError("secret internals")

    with app.app_context():
        headers = bearer()
        response = app.test_client().get("/api/_explode", headers=headers)
    assert_error(response, 500, "internal_error")
    assert "secret internals" not in response.get_data(as_text=True)


@pytest.mark.parametrize("page", ["0", "-3", "x", "%C2%B2", "2147483648", "99999999999999999999"])
def test_page_must_be_a_positive_whole_number(client, bearer, page):
    response = client.get(f"/api/users?page={page}", headers=bearer())
    assert_error(response, 422, "validation_error")
    assert response.json["error"]["details"]["field"] == "page"


@pytest.mark.parametrize(
    "path",
    [
        "/api/authorizations?q=%00",
        "/api/scrape-runs?source=%00",
    ],
)
def test_hostile_query_arguments_are_400_not_500(client, bearer, path):
    response = client.get(path, headers=bearer())
    assert_error(response, 400, "bad_request")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
        ("null", "must be a JSON object"),
        ('{"name": "a\\u0000b"}', "NUL"),
    ],
)
def test_hostile_json_bodies_are_400_naming_the_problem(client, bearer, body, message):
    response = client.post(
        "/api/tokens", headers={**bearer(), "Content-Type": "application/json"}, data=body
    )
    assert_error(response, 400, "bad_request")
    assert message in response.json["error"]["message"]


def test_the_text_backslash_u0000_is_not_a_nul(client, bearer):
    """Only a real NUL is refused: a name holding the six characters \\u0000 is stored."""
    response = client.post(
        "/api/tokens",
        headers={**bearer(), "Content-Type": "application/json"},
        data='{"name": "literally \\\\u0000"}',
    )
    assert response.status_code == 201, response.json
    assert response.json["data"]["name"] == "literally \\u0000"


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/x-www-form-urlencoded", "source=portal"),
        ("text/plain", '{"source": "portal"}'),
        (None, '{"source": "portal"}'),
    ],
)
def test_a_body_not_sent_as_json_is_415_and_starts_nothing(client, bearer, content_type, body):
    from database import db
    from models import Run

    headers = bearer("editor")
    if content_type:
        headers["Content-Type"] = content_type
    response = client.post("/api/scrape", headers=headers, data=body)
    assert_error(response, 415, "unsupported_media_type")
    assert "application/json" in response.json["error"]["message"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Run)) == 0


def test_unicode_digits_are_not_whole_numbers(client, bearer):
    response = client.post("/api/tokens", headers=bearer(), json={"name": "x", "user_id": "²"})
    assert_error(response, 422, "validation_error")
    assert response.json["error"]["details"]["field"] == "user_id"


def test_pages_never_repeat_or_skip_rows_when_the_sort_key_ties(client, bearer):
    from database import db
    from models import Run

    db.session.add_all(Run(source="portal", status="completed") for _ in range(120))
    db.session.commit()
    headers = bearer()
    seen = []
    for page in range(1, 5):
        body = client.get(f"/api/scrape-runs?sort=status&per_page=30&page={page}", headers=headers)
        seen += [run["id"] for run in body.json["data"]]
    assert len(seen) == len(set(seen)) == 120
