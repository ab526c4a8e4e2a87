"""The sign-in page: GET/POST /login and POST /logout (blueprint "auth")."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user

import accounts
from accounts import audit, sessions
from database import db

log = logging.getLogger(__name__)

bp = Blueprint("auth", __name__)

GENERIC_LOGIN_ERROR = "Invalid username or password."
THROTTLED_LOGIN_ERROR = "Too many failed sign-in attempts. Wait a minute and try again."


def _safe_next(target: str | None) -> str:
    """Only same-site relative paths; anything else goes to the dashboard."""
    if not target:
        return url_for("web.index")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("web.index")
    return target


@bp.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "GET":
        if current_user.is_authenticated:
            return redirect(_safe_next(request.args.get("next")))
        return render_template("login.html", error=None, username="", next=request.args.get("next"))
    username = request.form.get("username", "")
    password = request.form.get("password", "")
    next_url = request.form.get("next")
    try:
        user = accounts.authenticate(username, password, request.remote_addr or "unknown")
    except accounts.LoginThrottled:
        page = render_template(
            "login.html", error=THROTTLED_LOGIN_ERROR, username=username, next=next_url
        )
        return page, 429
    if user is None:
        page = render_template(
            "login.html", error=GENERIC_LOGIN_ERROR, username=username, next=next_url
        )
        return page, 401
    sessions.start(user.id)
    login_user(user)
    log.info("%s signed in", user.username)
    return redirect(_safe_next(next_url))


@bp.route("/logout", methods=["POST"])
def logout():
    if current_user.is_authenticated:
        audit.record("sign_out", actor=current_user, remote_addr=request.remote_addr)
        db.session.commit()
        sessions.end_current(current_user.id)
    logout_user()
    return redirect(url_for("auth.login"))
