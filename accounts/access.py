"""Who is asking: session login, bearer tokens, roles, CSRF and the gate that closes every route.

The sign-in pages themselves live in `web.login`.

Nothing is public except the endpoints in PUBLIC_ENDPOINTS. The gate runs before every request, so
a route added later is closed without anyone remembering to decorate it.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from flask import Flask, g, redirect, request, url_for
from flask_login import LoginManager, current_user
from flask_wtf.csrf import CSRFProtect

from accounts import sessions, tokens
from database import db
from errors import Forbidden, error_response, wants_json
from models import User

log = logging.getLogger(__name__)

login_manager = LoginManager()
csrf = CSRFProtect()

PUBLIC_ENDPOINTS = frozenset({"static", "auth.login", "web.health"})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

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
    """The cookie's user, while its server-side session is open (accounts.sessions)."""
    user = db.session.get(User, int(user_id)) if user_id.isascii() and user_id.isdigit() else None
    if user is None or not user.is_active or not sessions.is_live(user.id):
        return None
    return user


@login_manager.request_loader
def load_user_from_bearer(req) -> User | None:
    header = req.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    user = tokens.user_for_token(token.strip())
    if user is not None:
        g.authenticated_by_token = True
    return user


def authenticated_by_token() -> bool:
    return bool(g.get("authenticated_by_token"))


def _a_browser_page_request() -> bool:
    """An anonymous request the sign-in page can answer: a browser's GET of a page. A script —
    an /api call, a write, a request with (invalid) credentials, or a client preferring another
    type than HTML, such as Prometheus scraping /metrics — gets a 401 it can report instead."""
    if wants_json() or request.method not in SAFE_METHODS or request.endpoint is None:
        return False
    if request.authorization is not None:
        return False
    accepted = request.accept_mimetypes
    others = (quality for mime, quality in accepted if mime not in ("text/html", "*/*"))
    return not accepted or accepted["text/html"] >= max(others, default=0)


def _gate() -> Any:
    """Refuse anonymous requests to non-public routes; check CSRF for cookie sessions."""
    if request.endpoint in PUBLIC_ENDPOINTS:
        if request.method not in SAFE_METHODS:
            csrf.protect()
        return None
    if not current_user.is_authenticated:
        if not _a_browser_page_request():
            response, status = error_response(
                401, "unauthorized", "Sign in or send a valid API token."
            )
            response.headers["WWW-Authenticate"] = "Bearer"
            return response, status
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    if request.method not in SAFE_METHODS and not authenticated_by_token():
        csrf.protect()
    return None


class _ProxyWarning:
    """Warns once per process when a request carries X-Forwarded-For but TRUSTED_PROXIES=0:
    behind a proxy every client then shares the proxy's address, for the login throttle too."""

    given = False

    @classmethod
    def check(cls) -> None:
        if not cls.given and request.headers.get("X-Forwarded-For"):
            cls.given = True
            log.warning(
                "A request arrived with X-Forwarded-For but TRUSTED_PROXIES=0: the header is "
                "ignored and every client behind that proxy shares its address (the sign-in "
                "throttle counts them as one). Set TRUSTED_PROXIES to the number of proxies "
                "in front of MedSync."
            )


def require_role(role: str) -> Callable:
    """Decorator: 403 unless the current user has at least `role` (viewer < editor < admin)."""

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.has_role(role):
                raise Forbidden(f"This needs the {role} role.")
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


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    # No binding to the client's address ("strong" hashes X-Forwarded-For even when no proxy is
    # trusted, so a forged header passes): sessions live on the server instead, and end there.
    login_manager.session_protection = None
    app.config["PERMANENT_SESSION_LIFETIME"] = app.config["SETTINGS"].session_max_hours * 3600
    app.config.setdefault("WTF_CSRF_CHECK_DEFAULT", False)  # the gate decides, see _gate
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)  # tied to the session instead
    csrf.init_app(app)
    if not app.config["SETTINGS"].trusted_proxies:
        app.before_request(_ProxyWarning.check)
    app.before_request(_gate)
    app.after_request(_security_headers)
