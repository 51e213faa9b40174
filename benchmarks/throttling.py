"""Requests one environment sends to a Parameter Store that throttles every request.

``python -m benchmarks.throttling [--environments N] [--seconds S] [--ttl T]``

Each simulated environment is the gate's own ``WindowSource`` and ``ParameterFetcher``
(real HTTP, real SigV4) against a local endpoint that answers its first request with a
document and every later one with ``ThrottlingException`` (HTTP 400), as Parameter
Store does past its quota. The clock is a fake: the environment is invoked every
50 ms of simulated time for ``--seconds`` after its TTL ran out, each refresh is
waited for, and the endpoint counts what arrives. The jitter is the real draw
(``os.urandom``), so environments differ as a fleet's would; the figures are the
spread over ``--environments`` of them. ``--retry-throttling`` puts back the retry the
read used to make (one more request after at most 100 ms), for the figure before.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from unittest import mock

from benchmarks.stats import median, percentile
from gate.config import FailMode
from gate.window import reader
from gate.window.cache import WindowSource
from gate.window.reader import ParameterFetcher

STEP_SECONDS = 0.05
DOCUMENT = json.dumps({"mode": "live"})


class ThrottlingStore:
    """GetParameter on 127.0.0.1: the first request of each parameter answered, every later one throttled."""

    def __init__(self) -> None:
        self.requests: dict[str, int] = {}
        store = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                name = json.loads(self.rfile.read(int(self.headers["Content-Length"])))["Name"]
                store.requests[name] = store.requests.get(name, 0) + 1
                if store.requests[name] == 1:
                    status, payload = 200, {"Parameter": {"Name": name, "Value": DOCUMENT, "Version": 1}}
                else:
                    status, payload = 400, {"__type": "ThrottlingException", "message": "Rate exceeded"}
                body = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"


@contextmanager
def running(store: ThrottlingStore) -> Iterator[ThrottlingStore]:
    thread = threading.Thread(target=store.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield store
    finally:
        store.server.shutdown()
        store.server.server_close()


def throttled_requests(store: ThrottlingStore, name: str, seconds: float, ttl: float) -> int:
    """Requests one environment sends in ``seconds`` of throttling that begins as its TTL runs out."""
    environ = {"AWS_ENDPOINT_URL_SSM": store.url, "AWS_REGION": "us-east-1"}
    environ |= {"AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "secret"}
    fetcher = ParameterFetcher(name, connect_timeout=1.0, read_timeout=1.0, environ=environ)
    now = [0.0]
    source = WindowSource(fetcher, ttl_seconds=ttl, fail_mode=FailMode.LIVE, clock=lambda: now[0])
    source.prime(wait_seconds=5.0)  # the good read, at t = 0
    now[0] = ttl  # the TTL has run out (at the latest): throttling starts now
    before = store.requests[name]
    steps = round(seconds / STEP_SECONDS)
    for step in range(steps):
        now[0] = ttl + step * STEP_SECONDS
        source.current()
        source.settled(5.0)
    return store.requests[name] - before


def measure(environments: int, seconds: float, ttl: float, retry_throttling: bool = False) -> list[int]:
    codes = reader._RETRYABLE_CODES | ({"ThrottlingException"} if retry_throttling else set())
    with (
        running(ThrottlingStore()) as store,
        mock.patch.object(reader, "_RETRYABLE_CODES", codes),
        contextlib.redirect_stdout(io.StringIO()),  # the gate's log lines, one per failed read
    ):
        return [throttled_requests(store, f"/bench/{index}", seconds, ttl) for index in range(environments)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.throttling", description=__doc__.splitlines()[0])
    parser.add_argument("--environments", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=40.0)
    parser.add_argument("--ttl", type=float, default=1.0)
    parser.add_argument("--retry-throttling", action="store_true", help="the read retries throttling once (before)")
    args = parser.parse_args(argv)
    counts = measure(args.environments, args.seconds, args.ttl, args.retry_throttling)
    print(
        f"requests per environment in {args.seconds:g} s of full throttling at TTL {args.ttl:g} s"
        f" ({args.environments} environments{', throttling retried within a read' if args.retry_throttling else ''}):"
        f" median {median(counts):g}, mean {sum(counts) / len(counts):.2f},"
        f" 5th to 95th percentile {percentile(counts, 0.05):g} to {percentile(counts, 0.95):g},"
        f" min {min(counts)}, max {max(counts)}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
