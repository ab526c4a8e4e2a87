"""No request can hurt the service: query text is capped, request statements are cut off by the
database server, and exports take turns on their own small pool instead of starving the app."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator

import pytest
import requests
import sqlalchemy as sa

import accounts
from api.validation import MAX_QUERY_TEXT
from database import db
from tests.fixtures.app import serving, settings_for_tests
from tests.fixtures.dailymed_sync import LABELS, sync_labels


@pytest.mark.parametrize("name", ["q", "name", "ndc", "labeler", "sort"])
def test_a_query_parameter_longer_than_the_cap_is_a_422_naming_it(client, bearer, name):
    headers = bearer("viewer")
    too_long = client.get("/api/drugs", query_string={name: "a" * 60_000}, headers=headers)
    assert too_long.status_code == 422, too_long.json
    assert too_long.json["error"]["details"]["field"] == name
    assert f"at most {MAX_QUERY_TEXT}" in too_long.json["error"]["message"]


def test_a_search_at_the_cap_is_answered(client, bearer):
    sync_labels(*LABELS)
    at_cap = client.get("/api/drugs", query_string={"q": "a" * MAX_QUERY_TEXT}, headers=bearer())
    assert at_cap.status_code == 200, at_cap.json


@pytest.fixture
def slow_app(make_app):
    """An app whose requests may run 0.2 s of SQL, with one route that needs longer."""
    built = make_app(SETTINGS=settings_for_tests(REQUEST_STATEMENT_TIMEOUT="0.2"))

    @built.get("/api/test-slow")
    def slow():
        db.session.execute(sa.text("SELECT pg_sleep(2)"))
        return {"success": True}

    return built


@pytest.mark.alone
def test_a_request_statement_past_the_timeout_is_cancelled_by_the_server(slow_app):
    with slow_app.app_context():
        user = accounts.create_user("slowpoke", "correct-horse-battery", "viewer")
        token = accounts.create_token(user, "t").plaintext
    started = time.monotonic()
    response = slow_app.test_client().get(
        "/api/test-slow", headers={"Authorization": f"Bearer {token}"}
    )
    assert time.monotonic() - started < 1.5  # cut off at 0.2 s, not after pg_sleep's 2 s
    assert response.status_code == 503
    assert response.json["error"]["code"] == "query_timeout"
    assert "0.2 s" in response.json["error"]["message"]
    assert response.headers["Retry-After"]


def test_work_outside_requests_is_not_limited(slow_app):
    """Jobs run in threads of their own, outside any request: a long sync statement is fine."""
    with slow_app.app_context():
        db.session.execute(sa.text("SELECT pg_sleep(0.5)"))
        db.session.rollback()


def insert_drugs(count: int) -> None:
    db.session.execute(
        sa.text(
            "INSERT INTO drugs (set_id, title, version, source_values, manual_fields, "
            "is_manually_edited, needs_review, missing_from_source, created_at, updated_at) "
            "SELECT gen_random_uuid()::text, 'DRUG NUMBER ' || g || ' TABLET', 1, '{}', '{}', "
            "false, false, false, now(), now() FROM generate_series(1, :count) g"
        ),
        {"count": count},
    )
    db.session.commit()


@pytest.fixture
def many_drugs(app) -> None:
    """150,000 labels (about 35 MB of CSV): far more than the flood's clients read and their
    sockets take (loopback buffers here grow to 32 MB), so its exports stay open meanwhile."""
    insert_drugs(150_000)


SMALL_SOCKET_BUFFER = 4096  # bytes; the kernel doubles it for its bookkeeping


@pytest.fixture
def export_server(app) -> Iterator[str]:
    """The app over HTTP with small send buffers, and 5,000 labels (about 1 MB of CSV): a slow
    client's download really stays open on the server, whatever the time. The bytes in flight
    are the server's send buffer and the client's receive buffer, about 12 KB together here;
    uncapped, the server's may grow to 4 MB on loopback (tcp_wmem), which 150,000 labels had to
    outweigh (half a minute to insert, with the title's trigram index)."""
    insert_drugs(5_000)
    with serving(app, send_buffer=SMALL_SOCKET_BUFFER) as url:
        yield url


class SlowDownload:
    """GET an export over a socket with a tiny receive buffer and read only its head, as a slow
    client does: the server's writes soon block, so the download stays open there until
    `close()`. (Loopback buffers here grow to 32 MB: an ordinary client would swallow it all.)"""

    def __init__(self, server: str, headers: dict[str, str]) -> None:
        host, port = server.removeprefix("http://").split(":")
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, SMALL_SOCKET_BUFFER)
        self.sock.connect((host, int(port)))
        lines = ["GET /api/drugs/export.csv HTTP/1.1", f"Host: {host}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        self.head = b""
        while b"\r\n\r\n" not in self.head:
            self.head += self.sock.recv(1024)
        self.status_code = int(self.head.split(b" ", 2)[1])
        self.headers = dict(
            line.split(": ", 1)
            for line in self.head.split(b"\r\n\r\n")[0].decode().split("\r\n")[1:]
        )

    def close(self) -> None:
        self.sock.close()


def open_export(server: str, headers: dict[str, str]) -> SlowDownload:
    return SlowDownload(server, headers)


def wait_for_slots(app, taken: int) -> None:
    slots = app.extensions["medsync_exports"].slots
    deadline = time.monotonic() + 10
    while slots.taken != taken and time.monotonic() < deadline:
        time.sleep(0.05)
    assert slots.taken == taken


def test_one_user_may_stream_two_exports_at_once(app, export_server, bearer):
    headers = bearer("viewer")
    first, second = open_export(export_server, headers), open_export(export_server, headers)
    assert first.status_code == second.status_code == 200
    third = open_export(export_server, headers)
    assert third.status_code == 429
    assert b'"code":"rate_limited"' in third.head.replace(b" ", b"") or third.sock.recv(4096)
    assert int(third.headers["Retry-After"]) > 0
    third.close()
    someone_else = open_export(export_server, bearer("viewer"))
    assert someone_else.status_code == 200
    first.close()  # the client goes away: its slot comes back
    wait_for_slots(app, 2)
    fourth = open_export(export_server, headers)
    assert fourth.status_code == 200
    for response in (second, someone_else, fourth):
        response.close()


def test_exports_stream_from_their_own_pool_not_the_apps(app, export_server, bearer):
    exports = [open_export(export_server, bearer("viewer")) for _ in range(4)]
    assert [e.status_code for e in exports] == [200] * 4
    refused = open_export(export_server, bearer("viewer"))
    assert refused.status_code == 429  # EXPORT_CONCURRENCY=4
    refused.close()
    pool = app.extensions["medsync_exports"].engine().pool
    assert pool.checkedout() == 4 and pool.size() == 4
    db.session.close()  # this test's own connection
    assert db.engine.pool.checkedout() == 0  # the streams hold none of the app's connections
    me = requests.get(f"{export_server}/api/me", headers=bearer("viewer"), timeout=5)
    assert me.status_code == 200  # the app's own pool is untouched
    for export in exports:
        export.close()
    wait_for_slots(app, 0)


def test_text_searches_take_turns_and_plain_lists_never_wait(app, client, bearer):
    """Searches match patterns over whole tables: at most SEARCH_CONCURRENCY run at once, so
    they cannot hold every pooled connection; a list without a search is never held back."""
    from api.records import search_slots

    sync_labels(*LABELS)
    busy = search_slots()
    for someone in range(app.config["SETTINGS"].search_concurrency):
        busy.take(10_000 + someone)  # searches of others, still running
    headers = bearer("viewer")
    for name in ("q", "name", "ndc"):
        refused = client.get("/api/drugs", query_string={name: "tablet"}, headers=headers)
        assert refused.status_code == 429, refused.json
        assert refused.json["error"]["code"] == "rate_limited"
        assert refused.headers["Retry-After"] == "2"
    assert client.get("/api/drugs?class_type=EPC", headers=headers).status_code == 200
    busy.give_back(10_000)
    assert client.get("/api/drugs?q=tablet", headers=headers).status_code == 200
    assert busy.taken == app.config["SETTINGS"].search_concurrency - 1  # given back after


# The flood comes from another process, as real clients would: 120 client threads in this one
# would compete with the server for this interpreter's lock and slow the probes themselves.
FLOOD = """
import json, sys, time, requests
from concurrent.futures import ThreadPoolExecutor
base, token, q = sys.argv[1], sys.argv[2], sys.argv[3]
headers = {"Authorization": token}
def export():
    with requests.get(base + "/api/drugs/export.csv", headers=headers, stream=True) as r:
        for n, _ in enumerate(r.iter_content(64 * 1024)):
            time.sleep(0.01)  # a slow reader
            if n == 20:
                break
        return ("export", r.status_code)
def search():
    answer = requests.get(base + "/api/drugs", params={"q": q}, headers=headers)
    return ("search", answer.status_code)
with ThreadPoolExecutor(max_workers=120) as pool:
    jobs = [pool.submit(export) for _ in range(100)] + [pool.submit(search) for _ in range(20)]
    print(json.dumps([job.result() for job in jobs]))
"""


@pytest.mark.alone
def test_a_flood_of_exports_and_long_searches_leaves_the_app_answering(
    app, live_server, bearer, many_drugs
):
    """100 concurrent exports and 20 searches at the length cap: every answer is 200 or 429,
    and /health and /api/me stay under a second meanwhile."""
    viewer = bearer("viewer")
    probes: list[float] = []
    failures: list[tuple[str, int]] = []
    done = threading.Event()

    def probe() -> None:
        while not done.is_set():
            for path in ("/health", "/api/me"):
                started = time.monotonic()
                answer = requests.get(f"{live_server}{path}", headers=viewer, timeout=10)
                probes.append(time.monotonic() - started)
                if answer.status_code != 200:
                    failures.append((path, answer.status_code))
            time.sleep(0.05)

    prober = threading.Thread(target=probe)
    prober.start()
    try:
        q = "tablet " * (MAX_QUERY_TEXT // 7)
        flood = subprocess.run(
            [sys.executable, "-c", FLOOD, live_server, viewer["Authorization"], q],
            capture_output=True,
            text=True,
            timeout=300,
            check=True,
        )
    finally:
        done.set()
        prober.join()
    answers = [tuple(answer) for answer in json.loads(flood.stdout)]
    statuses = {status for _, status in answers}
    assert len(answers) == 120 and statuses <= {200, 429}, sorted(statuses)
    assert ("export", 200) in answers and ("search", 200) in answers  # slots found were served
    assert not failures, failures
    # Every probe under a second, as the issue asks (the test runs alone: marker `alone`).
    ordered = sorted(probes)
    p95 = ordered[int(len(ordered) * 0.95) - 1]
    report = f"p95 {p95:.2f} s, slowest {ordered[-1]:.2f} s of {len(ordered)} probes"
    print(report)
    assert ordered[-1] < 1.0, report
