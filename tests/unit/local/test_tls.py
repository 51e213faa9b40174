"""The benchmarks' https path: a throwaway CA, and a TLS front before a plain-http server."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from gate.local.tls import ThrowawayCa, TlsFront
from gate.window import transport
from gate.window.errors import EndpointConnectionError
from gate.window.trust import Store, Trust


@pytest.fixture
def upstream() -> Iterator[tuple[str, int]]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            body = json.dumps({"got": self.rfile.read(int(self.headers["Content-Length"])).decode()}).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield ("127.0.0.1", server.server_address[1])
    server.shutdown()
    server.server_close()


def test_the_front_serves_https_for_127_0_0_1_and_pipes_to_the_plain_server(
    tmp_path: Path, upstream: tuple[str, int]
) -> None:
    ca = ThrowawayCa(tmp_path)
    with TlsFront(ca, upstream) as front:
        channel = transport.Channel(transport.Endpoint.parse(front.url), trust=Trust((Store(str(ca.ca_file)),)))
        answers = [
            channel.exchange("POST", {"Host": "x"}, body, connect_timeout=2, read_timeout=2)
            for body in (b"first", b"second")
        ]
        channel.close()

    assert answers == [(200, b'{"got": "first"}'), (200, b'{"got": "second"}')]
    assert front.connections == 1  # kept alive through the front as well


def test_a_client_that_does_not_trust_the_throwaway_ca_is_refused(tmp_path: Path, upstream: tuple[str, int]) -> None:
    ca, stranger = ThrowawayCa(tmp_path, "front CA"), ThrowawayCa(tmp_path, "stranger CA")
    with TlsFront(ca, upstream) as front:
        channel = transport.Channel(transport.Endpoint.parse(front.url), trust=Trust((Store(str(stranger.ca_file)),)))
        with pytest.raises(EndpointConnectionError, match="CERTIFICATE_VERIFY_FAILED"):
            channel.exchange("POST", {"Host": "x"}, b"{}", connect_timeout=2, read_timeout=2)
