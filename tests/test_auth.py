"""Signing in and out, throttling, roles, API tokens and CSRF."""

import sqlalchemy as sa

import accounts
from database import db
from models import User
from tests.fixtures.app import TEST_PASSWORD, csrf_from, sign_in


def test_login_page_is_public_and_carries_a_csrf_token(client):
    response = client.get("/login")
    assert response.status_code == 200
    assert csrf_from(response.get_data(as_text=True))


def test_correct_password_signs_in_and_opens_the_dashboard(app, client):
    accounts.create_user("nora", TEST_PASSWORD, "viewer")
    response = sign_in(client, "nora", TEST_PASSWORD)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert client.get("/").status_code == 200
    assert client.get("/api/me").json["data"]["username"] == "nora"


def test_wrong_password_gets_a_generic_message(app, client):
    accounts.create_user("nora", TEST_PASSWORD, "viewer")
    wrong_password = sign_in(client, "nora", "not-her-password")
    unknown_user = sign_in(client, "nobody", TEST_PASSWORD)
    assert wrong_password.status_code == unknown_user.status_code == 401
    for response in (wrong_password, unknown_user):
        page = response.get_data(as_text=True)
        assert "Invalid username or password." in page
    assert client.get("/api/me").status_code == 401


def test_inactive_user_cannot_sign_in(app, client):
    user = accounts.create_user("gone", TEST_PASSWORD, "viewer")
    accounts.update_user(user, {"is_active": False})
    assert sign_in(client, "gone", TEST_PASSWORD).status_code == 401


def test_repeated_failures_are_throttled_even_with_the_right_password(app, client):
    accounts.create_user("nora", TEST_PASSWORD, "viewer")
    for _ in range(accounts.LOGIN_FAILURES_ALLOWED):
        assert sign_in(client, "nora", "guess").status_code == 401
    throttled = sign_in(client, "nora", TEST_PASSWORD)
    assert throttled.status_code == 429
    assert "Too many failed sign-in attempts" in throttled.get_data(as_text=True)


def test_session_cookie_is_httponly_and_samesite_lax(app, client):
    accounts.create_user("nora", TEST_PASSWORD, "viewer")
    response = sign_in(client, "nora", TEST_PASSWORD)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie


def test_session_cookie_is_secure_over_https(app):
    response = app.test_client().get("/login", base_url="https://localhost")
    assert "Secure" in response.headers["Set-Cookie"]


def test_login_never_redirects_off_site(app, client):
    accounts.create_user("nora", TEST_PASSWORD, "viewer")
    token = csrf_from(client.get("/login").get_data(as_text=True))
    response = client.post(
        "/login",
        data={
            "username": "nora",
            "password": TEST_PASSWORD,
            "csrf_token": token,
            "next": "https://evil.example/",
        },
    )
    assert response.headers["Location"] == "/"


def test_logout_ends_the_session(viewer):
    response = viewer.post("/logout", data={"csrf_token": viewer.csrf_token})
    assert response.status_code == 302
    assert viewer.get("/api/me").status_code == 401


def test_login_form_without_csrf_token_is_refused(app, client):
    accounts.create_user("nora", TEST_PASSWORD, "viewer")
    response = client.post("/login", data={"username": "nora", "password": TEST_PASSWORD})
    assert response.status_code == 400
    assert client.get("/api/me").status_code == 401


def test_cookie_session_write_without_csrf_header_is_refused(admin):
    response = admin.client.post(
        "/api/users", json={"username": "x1", "password": TEST_PASSWORD, "role": "viewer"}
    )
    assert response.status_code == 400
    assert response.json["error"]["code"] == "csrf_failed"
    assert db.session.scalar(sa.select(User).where(User.username == "x1")) is None


def test_cookie_session_write_with_csrf_header_is_accepted(admin):
    response = admin.post(
        "/api/users", json={"username": "x1", "password": TEST_PASSWORD, "role": "viewer"}
    )
    assert response.status_code == 201


def test_viewer_is_refused_admin_work_with_403(viewer):
    assert viewer.get("/api/users").status_code == 403
    response = viewer.post("/api/users", json={"username": "x", "password": TEST_PASSWORD})
    assert response.status_code == 403
    assert response.json["error"]["code"] == "forbidden"


def test_editor_is_refused_user_management(editor):
    assert editor.get("/api/tokens").status_code == 403


def test_bearer_token_opens_the_api_without_csrf(app, client, bearer):
    headers = bearer("admin")
    assert client.get("/api/stats", headers=headers).status_code == 200
    created = client.post(
        "/api/users",
        headers=headers,
        json={"username": "scripted", "password": TEST_PASSWORD, "role": "viewer"},
    )
    assert created.status_code == 201


def test_revoked_token_is_refused(app, client):
    user = accounts.create_user("robot", TEST_PASSWORD, "admin")
    issued = accounts.create_token(user, "ci")
    headers = {"Authorization": f"Bearer {issued.plaintext}"}
    assert client.get("/api/stats", headers=headers).status_code == 200
    accounts.revoke_token(issued.token)
    response = client.get("/api/stats", headers=headers)
    assert response.status_code == 401
    assert response.json["error"]["code"] == "unauthorized"


def test_token_of_a_deactivated_user_is_refused(app, client):
    user = accounts.create_user("robot", TEST_PASSWORD, "admin")
    issued = accounts.create_token(user, "ci")
    accounts.update_user(user, {"is_active": False})
    response = client.get("/api/stats", headers={"Authorization": f"Bearer {issued.plaintext}"})
    assert response.status_code == 401


def test_tokens_and_passwords_are_stored_hashed(app):
    user = accounts.create_user("robot", TEST_PASSWORD, "admin")
    issued = accounts.create_token(user, "ci")
    assert TEST_PASSWORD not in user.password_hash and user.password_hash.startswith("$argon2")
    assert issued.plaintext not in issued.token.token_hash


def test_every_response_carries_strict_security_headers(client):
    headers = client.get("/login").headers
    csp = headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_first_start_creates_the_admin_from_the_environment(app):
    import sqlalchemy as sa

    from database import db
    from models import User

    assert accounts.ensure_initial_admin("boss", "boss-password-1") is None
    admin = db.session.scalar(sa.select(User).where(User.username == "boss"))
    assert admin.role == "admin"


def test_first_start_without_a_password_generates_one(app, client):
    generated = accounts.ensure_initial_admin("boss", None)
    assert generated and len(generated) >= 12
    assert sign_in(client, "boss", generated).status_code == 302
    assert accounts.ensure_initial_admin("other", None) is None  # only when there are no users


def test_parallel_guesses_cannot_outrun_the_throttle(app, live_server):
    """Thirty simultaneous wrong passwords: at most the allowed few are even checked."""
    import threading

    import requests

    accounts.create_user("nora", TEST_PASSWORD, "viewer")
    codes: list[int] = []
    barrier = threading.Barrier(12)

    def guess() -> None:
        session = requests.Session()
        page = session.get(f"{live_server}/login").text
        barrier.wait()
        response = session.post(
            f"{live_server}/login",
            data={"username": "nora", "password": "guess", "csrf_token": csrf_from(page)},
            allow_redirects=False,
        )
        codes.append(response.status_code)

    threads = [threading.Thread(target=guess) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert codes.count(401) == accounts.LOGIN_FAILURES_ALLOWED
    assert codes.count(429) == 12 - accounts.LOGIN_FAILURES_ALLOWED


def test_a_nul_byte_in_the_login_form_is_a_clean_400(client):
    token = csrf_from(client.get("/login").get_data(as_text=True))
    response = client.post(
        "/login", data={"username": "a\x00b", "password": "x", "csrf_token": token}
    )
    assert response.status_code == 400


def test_behind_a_trusted_proxy_the_forwarded_scheme_makes_cookies_secure(make_app):
    from tests.fixtures.app import settings_for_tests

    proxied = make_app(SETTINGS=settings_for_tests(TRUSTED_PROXIES="1"))
    response = proxied.test_client().get("/login", headers={"X-Forwarded-Proto": "https"})
    assert "Secure" in response.headers["Set-Cookie"]
