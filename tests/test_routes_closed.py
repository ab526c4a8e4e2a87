"""Nothing but /health, /login and static files answers without credentials.

The test walks the app's own route table, so a route added later is covered automatically.
"""

import re

PUBLIC = {"static", "auth.login", "web.health"}


def concrete(rule) -> str:
    return re.sub(r"<(?:[^:>]+:)?([^>]+)>", "1", rule.rule)


def test_every_non_public_route_refuses_anonymous_requests(app, client):
    checked = 0
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(concrete(rule), method=method)
            if rule.rule.startswith("/api") or method != "GET":
                assert response.status_code == 401, (method, rule.rule, response.status_code)
            else:  # pages send a browser to the sign-in form
                assert response.status_code == 302, (method, rule.rule)
                assert response.headers["Location"].startswith("/login")
            checked += 1
    assert checked >= 8


def test_unknown_api_route_is_401_before_it_is_404(client):
    assert client.get("/api/does-not-exist").status_code == 401


def test_public_routes_answer_without_credentials(client):
    assert client.get("/health").status_code == 200
    assert client.get("/login").status_code == 200
