"""Who is asking: session login, bearer tokens, roles, CSRF and the gate that closes every route.

Nothing is public except the endpoints in PUBLIC_ENDPOINTS. The gate runs before every request, so
a route added later is closed without anyone remembering to decorate it.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Flask, g, redirect, render_template, request, url_for
from flask_login import LoginManager, current_user, login_user, logout_user
from flask_wtf.csrf import CSRFProtect

import accounts
from database import db
from errors import error_response, wants_json
from models import User

log = logging.getLogger(__name__)

login_manager = LoginManager()
csrf = CSRFProtect()
bp = Blueprint("auth", __name__)

PUBLIC_ENDPOINTS = frozenset({"static", "auth.login", "web.health"})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
GENERIC_LOGIN_ERROR = "Invalid username or password."
THROTTLED_LOGIN_ERROR = "Too many failed sign-in attempts. Wait a minute and try again."

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    user = db.session.get(User, int(user_id)) if user_id.isdigit() else None
    return user if user is not None and user.is_active else None


@login_manager.request_loader
def load_user_from_bearer(req) -> User | None:
    header = req.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    user = accounts.user_for_token(token.strip())
    if user is not None:
        g.authenticated_by_token = True
    return user


def authenticated_by_token() -> bool:
    return bool(g.get("authenticated_by_token"))


def _gate() -> Any:
    """Refuse anonymous requests to non-public routes; check CSRF for cookie sessions."""
    if request.endpoint in PUBLIC_ENDPOINTS:
        if request.method not in SAFE_METHODS:
            csrf.protect()
        return None
    if not current_user.is_authenticated:
        if wants_json() or request.method not in SAFE_METHODS or request.endpoint is None:
            return error_response(401, "unauthorized", "Sign in or send a valid API token.")
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    if request.method not in SAFE_METHODS and not authenticated_by_token():
        csrf.protect()
    return None


def require_role(role: str) -> Callable:
    """Decorator: 403 unless the current user has at least `role` (viewer < editor < admin)."""

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.has_role(role):
                return error_response(403, "forbidden", f"This needs the {role} role.")
            return view(*args, **kwargs)

        return wrapped

    return decorator


def _security_headers(response):
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    if current_user and current_user.is_authenticated and request.endpoint != "static":
        response.headers.setdefault("Cache-Control", "no-store")
    return response


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
    login_user(user)
    log.info("%s signed in", user.username)
    return redirect(_safe_next(next_url))


@bp.route("/logout", methods=["POST"])
def logout():
    logout_user()
    return redirect(url_for("auth.login"))


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.session_protection = "strong"
    app.config.setdefault("WTF_CSRF_CHECK_DEFAULT", False)  # the gate decides, see _gate
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)  # tied to the session instead
    csrf.init_app(app)
    app.before_request(_gate)
    app.after_request(_security_headers)
    app.register_blueprint(bp)
