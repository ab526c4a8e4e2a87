"""Admins manage users and API tokens through the API; the plaintext token is shown once."""

from tests.fixtures.app import TEST_PASSWORD


def test_admin_lists_users_with_the_paged_envelope(admin, make_person):
    make_person("viewer", "zed")
    body = admin.get("/api/users?per_page=1").json
    assert body["success"] is True
    assert body["total"] == 2 and body["count"] == 1 and body["pages"] == 2
    assert set(body["data"][0]) >= {"id", "username", "role", "is_active", "created_at"}
    assert "password_hash" not in body["data"][0]


def test_admin_creates_a_user_who_can_then_sign_in(admin, app):
    from tests.fixtures.app import sign_in

    response = admin.post(
        "/api/users", json={"username": "newbie", "password": TEST_PASSWORD, "role": "editor"}
    )
    assert response.status_code == 201 and response.json["data"]["role"] == "editor"
    assert sign_in(app.test_client(), "newbie", TEST_PASSWORD).status_code == 302


def test_admin_changes_a_role_and_deactivates_a_user(admin, make_person):
    other = make_person("viewer", "zed")
    assert admin.patch(f"/api/users/{other.id}", json={"role": "editor"}).json["data"]["role"] == (
        "editor"
    )
    response = admin.patch(f"/api/users/{other.id}", json={"is_active": False})
    assert response.json["data"]["is_active"] is False
    assert other.get("/api/me").status_code == 401  # their session no longer counts


def test_unknown_role_is_422_naming_role(admin):
    response = admin.post(
        "/api/users", json={"username": "x", "password": TEST_PASSWORD, "role": "root"}
    )
    assert response.status_code == 422 and response.json["error"]["details"]["field"] == "role"


def test_admin_cannot_lock_themselves_out(admin):
    response = admin.patch(f"/api/users/{admin.id}", json={"is_active": False})
    assert response.status_code == 422
    response = admin.patch(f"/api/users/{admin.id}", json={"role": "viewer"})
    assert response.status_code == 422


def test_unknown_user_is_404(admin):
    assert admin.patch("/api/users/9999", json={"role": "viewer"}).status_code == 404


def test_token_is_shown_once_then_listed_by_prefix_only(admin, client):
    created = admin.post("/api/tokens", json={"name": "nightly export"})
    assert created.status_code == 201
    plaintext = created.json["data"]["token"]
    assert (
        client.get("/api/stats", headers={"Authorization": f"Bearer {plaintext}"}).status_code
        == 200
    )
    listed = admin.get("/api/tokens").json["data"]
    assert listed[0]["name"] == "nightly export"
    assert "token" not in listed[0] and plaintext not in str(listed)
    assert plaintext.startswith(listed[0]["prefix"])


def test_revoking_a_token_through_the_api(admin, client):
    created = admin.post("/api/tokens", json={"name": "temp"}).json["data"]
    revoked = admin.post(f"/api/tokens/{created['id']}/revoke")
    assert revoked.json["data"]["revoked_at"] is not None
    headers = {"Authorization": f"Bearer {created['token']}"}
    assert client.get("/api/stats", headers=headers).status_code == 401


def test_token_needs_a_name(admin):
    response = admin.post("/api/tokens", json={"name": " "})
    assert response.status_code == 422 and response.json["error"]["details"]["field"] == "name"
