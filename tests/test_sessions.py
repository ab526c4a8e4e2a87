"""Browser sessions live on the server: logout, password, role and activation changes end them,
and so do the idle and absolute limits. A saved cookie is worth nothing once its session ends."""

from datetime import timedelta
from email.utils import parsedate_to_datetime

import pytest
import sqlalchemy as sa

import accounts
from database import db
from models import UserSession, utcnow
from tests.fixtures.app import TEST_PASSWORD, csrf_from, sign_in


def saved_cookie(person) -> str:
    return person.client.get_cookie("session").value


def replayed(app, cookie: str, **environ):
    """GET /api/me from another client holding only the saved cookie."""
    thief = app.test_client()
    thief.set_cookie("session", cookie)
    return thief.get("/api/me", environ_base=environ)


def open_sessions(user_id: int) -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).where(
            UserSession.user_id == user_id, UserSession.ended_at.is_(None)
        )
    )


def test_a_saved_cookie_stops_working_after_logout(app, viewer):
    cookie = saved_cookie(viewer)
    assert replayed(app, cookie).status_code == 200
    assert viewer.post("/logout").status_code == 302
    assert replayed(app, cookie).status_code == 401
    assert viewer.get("/api/me").status_code == 401
    ended = db.session.scalar(sa.select(UserSession).where(UserSession.user_id == viewer.id))
    assert ended.end_reason == "logout"


def test_an_admin_resetting_a_password_ends_that_users_sessions(app, admin, viewer):
    cookie = saved_cookie(viewer)
    reset = admin.patch(f"/api/users/{viewer.id}", json={"password": "a-brand-new-secret"})
    assert reset.status_code == 200, reset.json
    assert replayed(app, cookie).status_code == 401
    assert viewer.get("/api/me").status_code == 401
    assert admin.get("/api/me").status_code == 200  # the admin's own session is untouched


def test_changing_your_own_password_keeps_this_session_and_ends_the_others(app, admin):
    elsewhere = app.test_client()
    assert sign_in(elsewhere, admin.username, TEST_PASSWORD).status_code == 302
    assert open_sessions(admin.id) == 2
    changed = admin.patch(f"/api/users/{admin.id}", json={"password": "a-brand-new-secret"})
    assert changed.status_code == 200, changed.json
    assert admin.get("/api/me").status_code == 200
    assert elsewhere.get("/api/me").status_code == 401
    assert open_sessions(admin.id) == 1


@pytest.mark.parametrize(
    ("change", "reason"),
    [({"role": "editor"}, "role_changed"), ({"is_active": False}, "deactivated")],
)
def test_a_role_change_or_deactivation_ends_the_users_sessions(app, admin, viewer, change, reason):
    cookie = saved_cookie(viewer)
    assert admin.patch(f"/api/users/{viewer.id}", json=change).status_code == 200
    assert replayed(app, cookie).status_code == 401
    ended = db.session.scalar(sa.select(UserSession).where(UserSession.user_id == viewer.id))
    assert ended.end_reason == reason


def test_a_session_idle_longer_than_the_limit_ends(app, viewer):
    idle = timedelta(minutes=app.config["SETTINGS"].session_idle_minutes)
    db.session.execute(
        sa.update(UserSession)
        .where(UserSession.user_id == viewer.id)
        .values(last_seen_at=utcnow() - idle - timedelta(seconds=1))
    )
    db.session.commit()
    assert viewer.get("/api/me").status_code == 401
    row = db.session.scalar(sa.select(UserSession).where(UserSession.user_id == viewer.id))
    assert row.end_reason == "idle"


def test_a_session_in_use_still_ends_at_its_absolute_lifetime(app, viewer):
    lifetime = timedelta(hours=app.config["SETTINGS"].session_max_hours)
    db.session.execute(
        sa.update(UserSession)
        .where(UserSession.user_id == viewer.id)
        .values(created_at=utcnow() - lifetime, last_seen_at=utcnow())
    )
    db.session.commit()
    assert viewer.get("/api/me").status_code == 401
    row = db.session.scalar(sa.select(UserSession).where(UserSession.user_id == viewer.id))
    assert row.end_reason == "expired"


def test_the_cookie_expires_with_the_sessions_lifetime_not_after_31_days(app, client):
    accounts.create_user("nora", TEST_PASSWORD, "viewer")
    cookie = sign_in(client, "nora", TEST_PASSWORD).headers["Set-Cookie"]
    expires = parsedate_to_datetime(cookie.split("Expires=")[1].split(";")[0])
    lifetime = timedelta(hours=app.config["SETTINGS"].session_max_hours)
    assert abs(expires - (utcnow() + lifetime)) < timedelta(minutes=1)
    assert lifetime < timedelta(days=31)


def test_a_cookie_without_a_server_side_session_is_refused(app, viewer):
    """A cookie signed with the right key but naming no open session (one made before sessions
    were kept on the server, say) signs nobody in."""
    db.session.execute(sa.delete(UserSession))
    db.session.commit()
    assert viewer.get("/api/me").status_code == 401


def test_a_replayed_cookie_gains_nothing_from_a_forged_forwarded_for(app, viewer):
    """Sessions are not bound to an address (which X-Forwarded-For could forge); once ended,
    a replayed cookie is refused whatever header it carries."""
    cookie = saved_cookie(viewer)
    viewer.post("/logout")
    forged = {"HTTP_X_FORWARDED_FOR": "203.0.113.9", "REMOTE_ADDR": "198.51.100.1"}
    assert replayed(app, cookie, **forged).status_code == 401


def test_each_sign_in_opens_its_own_session(app, client):
    accounts.create_user("nora", TEST_PASSWORD, "viewer")
    sign_in(client, "nora", TEST_PASSWORD)
    first = client.get_cookie("session").value
    other = app.test_client()
    sign_in(other, "nora", TEST_PASSWORD)
    assert other.get_cookie("session").value != first
    assert open_sessions(accounts.find_user("nora").id) == 2
    other.post("/logout", headers={"X-CSRFToken": csrf_of(other)})
    assert client.get("/api/me").status_code == 200  # one device signing out leaves the other
    assert other.get("/api/me").status_code == 401


def csrf_of(client) -> str:
    return csrf_from(client.get("/").get_data(as_text=True))
