"""The sandbox web server: the portal and (when present) the DailyMed stand-in on one port.

Tests and the benchmark start it in a thread with `serve_in_thread`; people start it with
`python -m sandbox`.
"""

from __future__ import annotations

import importlib
import secrets
import threading
from collections.abc import Callable
from types import ModuleType
from typing import Any

from flask import Flask, Response, jsonify
from werkzeug.serving import WSGIRequestHandler, make_server

from sandbox.portal import PortalState, create_control_blueprint, create_portal_blueprint

DAILYMED_PREFIX = "/dailymed/services/v2"
CONTENT_SECURITY_POLICY = "default-src 'self'; frame-ancestors 'none'"


def load_dailymed_module() -> ModuleType | None:
    """`sandbox.dailymed` if it exists yet; it is written separately from the portal."""
    try:
        return importlib.import_module("sandbox.dailymed")
    except ModuleNotFoundError as error:
        if error.name != "sandbox.dailymed":
            raise  # the module exists but one of its own imports is broken
        return None


def create_sandbox_app(
    portal_state: PortalState,
    dailymed_state: Any = None,
    *,
    control: bool = False,
    secret_key: str | None = None,
) -> Flask:
    """The sandbox app: `/portal`, `/dailymed/services/v2` if given a state, and — only when
    `control` is true — the `/_control/...` endpoints that let other processes change the data.
    """
    app = Flask("sandbox", static_folder=None)
    app.secret_key = secret_key or secrets.token_hex(32)
    app.config["SESSION_COOKIE_NAME"] = "sandbox_portal_session"
    app.register_blueprint(create_portal_blueprint(portal_state), url_prefix="/portal")
    mounted = {"portal": "/portal/login"}

    if dailymed_state is not None:
        dailymed = load_dailymed_module()
        if dailymed is None:
            raise RuntimeError("a DailyMed state was given but sandbox.dailymed does not exist")
        app.register_blueprint(
            dailymed.create_blueprint(dailymed_state), url_prefix=DAILYMED_PREFIX
        )
        mounted["dailymed"] = DAILYMED_PREFIX
    if control:
        app.register_blueprint(
            create_control_blueprint(portal_state), url_prefix="/_control/portal"
        )

    @app.get("/")
    def index() -> Response:
        return jsonify(services=mounted, control=control)

    @app.after_request
    def strict_content_security_policy(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        return response

    return app


class _QuietRequestHandler(WSGIRequestHandler):
    """No access log: tests and the benchmark would drown in it."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


def serve_in_thread(
    app: Flask, port: int = 0, host: str = "127.0.0.1"
) -> tuple[str, Callable[[], None]]:
    """Serve `app` from a daemon thread; returns its base URL and a function that stops it.

    Port 0 picks a free port, so parallel test runs never collide.
    """
    server = make_server(host, port, app, threaded=True, request_handler=_QuietRequestHandler)
    # A short poll interval so shutdown() returns at once (the default waits up to 0.5 s).
    thread = threading.Thread(
        target=server.serve_forever,
        kwargs={"poll_interval": 0.05},
        name="sandbox-server",
        daemon=True,
    )
    thread.start()

    def shutdown() -> None:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()

    return f"http://{host}:{server.server_port}", shutdown
