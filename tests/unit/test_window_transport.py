"""The window read's HTTP: proxies from HTTPS_PROXY/HTTP_PROXY, bypassed by NO_PROXY."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from gate.errors import error_code
from gate.window import transport
from gate.window.errors import ProxyConnectionError
from gate.window.proxy import proxy_for
from gate.window.reader import ParameterFetcher

CREDENTIALS = {"AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "secret", "AWS_REGION": "eu-west-1"}


class FakeProxy:
    """A forward proxy on 127.0.0.1 that records what it is asked and answers itself, forwarding nothing."""

    def __init__(self) -> None:
        self.request_lines: list[str] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                fake.request_lines.append(self.requestline)
                self.rfile.read(int(self.headers["Content-Length"]))
                body = b'{"Parameter": {"Value": "through the proxy", "Version": 1}}'
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_CONNECT(self) -> None:
                fake.request_lines.append(self.requestline)
                self.send_response(403)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def proxy() -> Iterator[FakeProxy]:
    fake = FakeProxy()
    yield fake
    fake.server.shutdown()
    fake.server.server_close()


def test_a_plain_http_endpoint_is_reached_through_http_proxy(proxy: FakeProxy) -> None:
    environ = {**CREDENTIALS, "AWS_ENDPOINT_URL_SSM": "http://ssm.example.invalid", "HTTP_PROXY": proxy.url}

    value = ParameterFetcher("/w", connect_timeout=0.5, read_timeout=0.5, environ=environ)()

    assert value == "through the proxy"
    assert proxy.request_lines == ["POST http://ssm.example.invalid/ HTTP/1.1"]


def test_an_https_endpoint_is_tunnelled_through_https_proxy(proxy: FakeProxy) -> None:
    environ = {**CREDENTIALS, "HTTPS_PROXY": proxy.url}
    fetcher = ParameterFetcher("/w", connect_timeout=0.5, read_timeout=0.5, max_attempts=1, environ=environ)

    with pytest.raises(ProxyConnectionError) as failure:
        fetcher()

    [line] = proxy.request_lines
    assert line.startswith("CONNECT ssm.eu-west-1.amazonaws.com:443 HTTP/")
    assert error_code(failure.value) == "ProxyConnectionError"


@pytest.mark.parametrize(
    ("no_proxy", "bypassed"),
    [
        ("", False),
        ("*", True),
        ("amazonaws.com", True),
        (".amazonaws.com", True),
        ("example.com, ssm.eu-west-1.amazonaws.com", True),
        ("ssm.eu-west-1.amazonaws.com:443", True),
        ("ssm.eu-west-1.amazonaws.com:8443", False),
        ("west-1.amazonaws.com.evil", False),
        ("zonaws.com", False),
    ],
)
def test_no_proxy_bypasses_the_proxy_for_matching_hosts(no_proxy: str, bypassed: bool) -> None:
    endpoint = transport.Endpoint.parse("https://ssm.eu-west-1.amazonaws.com")
    environ = {"HTTPS_PROXY": "proxy.internal:3128", "NO_PROXY": no_proxy}

    proxy = proxy_for(endpoint, environ)

    assert (proxy is None) is bypassed
    if proxy is not None:
        assert (proxy.host, proxy.port) == ("proxy.internal", 3128)


def test_an_http_endpoint_ignores_https_proxy() -> None:
    endpoint = transport.Endpoint.parse("http://127.0.0.1:5000")

    assert proxy_for(endpoint, {"HTTPS_PROXY": "http://proxy:3128"}) is None
