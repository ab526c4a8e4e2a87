"""A database across a network, for benchmarks: a TCP proxy that delays every byte it forwards.

On this machine the benchmarks' PostgreSQL is on the same host, reached through a Unix socket,
where a statement's round trip costs some tens of microseconds — less than any network between an
application and its database server (a container next door, another host in the same data
centre, a managed service). This proxy listens on 127.0.0.1 and forwards to the server's socket,
holding each chunk for a fixed one-way delay in both directions (a reader and a writer thread
per direction); chunks in flight overlap, as on a wire, and their order is kept. (`tc netem`
would do this in the kernel; this machine's kernel has no netem.) The proxy runs in its own
process so it never competes with the benchmark for the GIL.

    with delayed_link("/tmp/…/.s.PGSQL.5432", one_way_ms=0.25) as (host, port): …

Each figure taken through it is reported with the round trip measured through it
(`round_trip_ms`), not the nominal delay: the proxy's own cost is part of the link.
"""

from __future__ import annotations

import argparse
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from queue import SimpleQueue


def _pump(source: socket.socket, target: socket.socket, delay: float) -> None:
    """Forward source → target, each chunk `delay` seconds after it arrived, in order. A reader
    and a writer thread, so chunks in flight overlap as on a wire."""
    queue: SimpleQueue[tuple[float, bytes]] = SimpleQueue()

    def read() -> None:
        with suppress(OSError):
            while chunk := source.recv(1 << 16):
                queue.put((time.perf_counter() + delay, chunk))
        queue.put((0.0, b""))

    def write() -> None:
        with suppress(OSError):
            while True:
                due, chunk = queue.get()
                if not chunk:
                    break
                if (wait := due - time.perf_counter()) > 0:
                    time.sleep(wait)
                target.sendall(chunk)
        with suppress(OSError):
            target.shutdown(socket.SHUT_WR)

    threading.Thread(target=read, daemon=True).start()
    threading.Thread(target=write, daemon=True).start()


def _serve(upstream: str, delay: float) -> None:
    listener = socket.create_server(("127.0.0.1", 0))
    print(listener.getsockname()[1], flush=True)  # the parent waits for this line
    while True:
        client, _ = listener.accept()
        client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        server.connect(upstream)
        _pump(client, server, delay)
        _pump(server, client, delay)


@contextmanager
def delayed_link(upstream_socket: str, one_way_ms: float) -> Iterator[tuple[str, int]]:
    """(host, port) of a proxy to the Unix socket `upstream_socket`, delaying each direction."""
    proxy = subprocess.Popen(
        [sys.executable, "-m", "bench.latency", upstream_socket, str(one_way_ms)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proxy.stdout is not None
        line = proxy.stdout.readline()
        if not line.strip().isdigit():
            raise RuntimeError("the latency proxy did not start")
        yield "127.0.0.1", int(line)
    finally:
        proxy.terminate()
        proxy.wait(10)


def round_trip_ms(url: str, samples: int = 300) -> float:
    """Median time of one `SELECT 1` on the server at `url`: what a statement's round trip costs."""
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            cursor = conn.connection.cursor()
            times = []
            for _ in range(samples):
                started = time.perf_counter()
                cursor.execute("SELECT 1")
                cursor.fetchone()
                times.append(time.perf_counter() - started)
        return statistics.median(times) * 1000
    finally:
        engine.dispose()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.latency", description=__doc__)
    parser.add_argument("upstream", help="the server's Unix socket")
    parser.add_argument("one_way_ms", type=float)
    args = parser.parse_args(argv)
    with suppress(KeyboardInterrupt):
        _serve(args.upstream, args.one_way_ms / 1000)


if __name__ == "__main__":
    main()
