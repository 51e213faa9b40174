"""The window read's HTTP: verified TLS, proxies from HTTPS_PROXY/HTTP_PROXY, bypassed by NO_PROXY."""

from __future__ import annotations

import ssl
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from gate.aws import error_code
from gate.local.tls import ThrowawayCa
from gate.window import transport, trust
from gate.window.errors import EndpointConnectionError, ProxyConnectionError
from gate.window.proxy import proxy_for
from gate.window.reader import ParameterFetcher
from gate.window.trust import Store, Trust, stores_for

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


class TlsParameterStore:
    """A Parameter Store stand-in on https://127.0.0.1 with a certificate from a throwaway CA.

    It speaks HTTP/1.1, so connections are kept alive; ``connections`` counts those accepted.
    """

    def __init__(self, ca: ThrowawayCa, *hosts: str) -> None:
        cert_file, key_file = ca.issue(*(hosts or ("127.0.0.1",)))
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self) -> None:
                fake.connections += 1
                super().setup()

            def do_POST(self) -> None:
                fake.targets.append(self.headers["X-Amz-Target"])
                self.rfile.read(int(self.headers["Content-Length"]))
                body = b'{"Parameter": {"Value": "over tls", "Version": 2}}'
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                if fake.close_after_answer:
                    self.close_connection = True

            def log_message(self, *args: object) -> None:
                pass

        self.targets: list[str] = []
        self.connections = 0
        self.close_after_answer = False
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert_file, key_file)
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        self.url = f"https://127.0.0.1:{self.port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def ca(tmp_path: Path) -> ThrowawayCa:
    return ThrowawayCa(tmp_path, "gate test CA")


@pytest.fixture
def other_ca(tmp_path: Path) -> ThrowawayCa:
    return ThrowawayCa(tmp_path, "another CA")


@pytest.fixture
def tls_store(ca: ThrowawayCa) -> Iterator[TlsParameterStore]:
    store = TlsParameterStore(ca)
    yield store
    store.stop()


def test_an_https_endpoint_is_read_over_tls_verified_against_aws_ca_bundle(
    tls_store: TlsParameterStore, ca: ThrowawayCa
) -> None:
    environ = {**CREDENTIALS, "AWS_ENDPOINT_URL_SSM": tls_store.url, "AWS_CA_BUNDLE": str(ca.ca_file)}

    value = ParameterFetcher("/w", connect_timeout=2, read_timeout=2, environ=environ)()

    assert value == "over tls"
    assert tls_store.targets == ["AmazonSSM.GetParameter"]


def test_ssl_cert_file_names_the_store_when_set(tls_store: TlsParameterStore, ca: ThrowawayCa) -> None:
    environ = {**CREDENTIALS, "AWS_ENDPOINT_URL_SSM": tls_store.url, "SSL_CERT_FILE": str(ca.ca_file)}

    assert ParameterFetcher("/w", connect_timeout=2, read_timeout=2, environ=environ)() == "over tls"


def test_a_certificate_from_an_unknown_ca_fails_closed_after_the_default_store(
    tls_store: TlsParameterStore, other_ca: ThrowawayCa
) -> None:
    # GIVEN roots that do not include the server's CA (as the layer's Amazon roots would not)
    channel = transport.Channel(
        transport.Endpoint.parse(tls_store.url), trust=Trust((Store(str(other_ca.ca_file)), trust.DEFAULT))
    )

    # WHEN the read is made THEN neither the roots nor the system's store verify it
    with pytest.raises(EndpointConnectionError, match="CERTIFICATE_VERIFY_FAILED") as failure:
        channel.exchange("POST", {"Host": "x"}, b"{}", connect_timeout=2, read_timeout=2)

    assert error_code(failure.value) == "EndpointConnectionError"
    assert channel.connections_opened == 1 and tls_store.targets == []


def test_a_certificate_for_another_host_fails_closed(ca: ThrowawayCa) -> None:
    # A certificate from a trusted CA, for a name that is not the endpoint's.
    store = TlsParameterStore(ca, "ssm.eu-west-1.amazonaws.com")
    try:
        channel = transport.Channel(
            transport.Endpoint.parse(store.url), trust=Trust((Store(str(ca.ca_file)), Store(str(ca.ca_file), "b")))
        )
        with pytest.raises(EndpointConnectionError, match=r"IP address mismatch|hostname mismatch"):
            channel.exchange("POST", {"Host": "x"}, b"{}", connect_timeout=2, read_timeout=2)
        assert store.targets == []
    finally:
        store.stop()


def test_a_certificate_the_roots_refuse_is_verified_once_against_the_next_store_which_is_then_kept(
    tls_store: TlsParameterStore, ca: ThrowawayCa, other_ca: ThrowawayCa
) -> None:
    # GIVEN roots that refuse the certificate, then a store that trusts it (a TLS-inspecting
    # proxy's CA in the default store, say)
    roots, fallback = Store(str(other_ca.ca_file), None, "roots"), Store(str(ca.ca_file), None, "fallback")
    chosen = Trust((roots, fallback))
    channel = transport.Channel(transport.Endpoint.parse(tls_store.url), trust=chosen, idle_seconds=0)

    # WHEN two reads are made on new connections
    for _ in range(2):
        status, _ = channel.exchange("POST", {"Host": "x"}, b"{}", connect_timeout=2, read_timeout=2)
        assert status == 200

    # THEN the first tried the roots and then the fallback; the second only the fallback
    assert chosen.stores == (fallback,)
    assert len(tls_store.targets) == 2


def test_every_context_requires_a_verified_certificate_for_the_host(ca: ThrowawayCa) -> None:
    for store in (Store(str(ca.ca_file)), trust.DEFAULT):
        made = trust.context(store)
        assert made.verify_mode is ssl.CERT_REQUIRED and made.check_hostname
        assert made.minimum_version >= ssl.TLSVersion.TLSv1_2


def test_the_stores_follow_the_environment_and_the_partition(tmp_path: Path) -> None:
    roots = tmp_path / "roots.pem"
    roots.write_text("")
    layer_roots = Store(str(roots), None, "the layer's Amazon Trust Services roots")

    def stores(host: str, environ: dict[str, str], roots_file: Path = roots) -> tuple[Store, ...]:
        return stores_for(host, environ, str(roots_file))

    assert stores("ssm.eu-west-1.amazonaws.com", {}) == (layer_roots, trust.DEFAULT)
    assert stores("ssm.us-gov-west-1.amazonaws.com", {}) == (layer_roots, trust.DEFAULT)
    assert stores("ssm.cn-north-1.amazonaws.com.cn", {}) == (trust.DEFAULT,)
    assert stores("ssm.eu-west-1.amazonaws.com", {}, tmp_path / "absent.pem") == (trust.DEFAULT,)
    assert stores("h", {"AWS_CA_BUNDLE": "/b.pem", "SSL_CERT_FILE": "/s.pem"}) == (
        Store("/b.pem", None, "AWS_CA_BUNDLE"),
    )
    assert stores("h", {"AWS_CA_BUNDLE": str(tmp_path)}) == (Store(None, str(tmp_path), "AWS_CA_BUNDLE"),)
    assert stores("h", {"SSL_CERT_FILE": "/s.pem"}) == (Store("/s.pem", None, "SSL_CERT_FILE/SSL_CERT_DIR"),)
    assert stores("h", {"SSL_CERT_DIR": "/d"}) == (Store(None, "/d", "SSL_CERT_FILE/SSL_CERT_DIR"),)


def test_the_connection_is_kept_alive_across_reads(tls_store: TlsParameterStore, ca: ThrowawayCa) -> None:
    environ = {**CREDENTIALS, "AWS_ENDPOINT_URL_SSM": tls_store.url, "AWS_CA_BUNDLE": str(ca.ca_file)}
    fetcher = ParameterFetcher("/w", connect_timeout=2, read_timeout=2, environ=environ)

    values = [fetcher() for _ in range(3)]

    assert values == ["over tls"] * 3
    assert (fetcher.channel.connections_opened, tls_store.connections) == (1, 1)


def test_a_connection_idle_past_the_bound_is_not_reused(tls_store: TlsParameterStore, ca: ThrowawayCa) -> None:
    now = [0.0]
    channel = transport.Channel(
        transport.Endpoint.parse(tls_store.url),
        trust=Trust((Store(str(ca.ca_file)),)),
        idle_seconds=30.0,
        clock=lambda: now[0],
    )

    def read() -> None:
        assert channel.exchange("POST", {"Host": "x"}, b"{}", connect_timeout=2, read_timeout=2)[0] == 200

    read()
    now[0] = 29.9
    read()  # within the bound: reused
    now[0] = 29.9 + 30.0
    read()  # idle for the whole bound: a new connection

    assert (channel.connections_opened, tls_store.connections) == (2, 2)


def test_a_connection_the_server_closed_while_idle_is_replaced_without_a_failure(
    tls_store: TlsParameterStore, ca: ThrowawayCa
) -> None:
    channel = transport.Channel(transport.Endpoint.parse(tls_store.url), trust=Trust((Store(str(ca.ca_file)),)))
    tls_store.close_after_answer = True  # answers keep-alive, then closes anyway, as an idle timeout would
    assert channel.exchange("POST", {"Host": "x"}, b"{}", connect_timeout=2, read_timeout=2)[0] == 200
    tls_store.close_after_answer = False
    time.sleep(0.05)

    assert channel.exchange("POST", {"Host": "x"}, b"{}", connect_timeout=2, read_timeout=2)[0] == 200
    assert channel.connections_opened == 2


def test_renew_after_a_snapstart_restore_drops_the_kept_connection(
    tls_store: TlsParameterStore, ca: ThrowawayCa
) -> None:
    environ = {**CREDENTIALS, "AWS_ENDPOINT_URL_SSM": tls_store.url, "AWS_CA_BUNDLE": str(ca.ca_file)}
    fetcher = ParameterFetcher("/w", connect_timeout=2, read_timeout=2, environ=environ)
    fetcher()

    fetcher.renew()
    fetcher()

    assert fetcher.channel.connections_opened == 2


def test_a_dead_connection_not_seen_before_use_costs_one_new_connection_not_a_failure(
    tls_store: TlsParameterStore, ca: ThrowawayCa, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a kept connection the server has closed, which the check before use misses
    # (the close not yet arrived, as after a freeze)
    channel = transport.Channel(transport.Endpoint.parse(tls_store.url), trust=Trust((Store(str(ca.ca_file)),)))
    tls_store.close_after_answer = True
    assert channel.exchange("POST", {"Host": "x"}, b"{}", connect_timeout=2, read_timeout=2)[0] == 200
    tls_store.close_after_answer = False
    time.sleep(0.05)
    monkeypatch.setattr(transport, "_readable", lambda connection: False)

    # WHEN the next read is sent on it THEN it is sent again on a new connection, once
    assert channel.exchange("POST", {"Host": "x"}, b"{}", connect_timeout=2, read_timeout=2)[0] == 200
    assert channel.connections_opened == 2
    assert len(tls_store.targets) == 2


def test_the_fallback_is_the_interpreters_own_default_store(
    tls_store: TlsParameterStore, ca: ThrowawayCa, other_ca: ThrowawayCa, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN roots that refuse the certificate, and a default store (OpenSSL's, which reads
    # SSL_CERT_FILE from the process) that holds its CA, as a TLS-inspecting proxy's CA would be
    monkeypatch.setenv("SSL_CERT_FILE", str(ca.ca_file))
    monkeypatch.setattr(trust, "_contexts", {})  # contexts are built once per process: build them anew
    chosen = Trust((Store(str(other_ca.ca_file), None, "roots"), trust.DEFAULT))
    channel = transport.Channel(transport.Endpoint.parse(tls_store.url), trust=chosen)

    status, _ = channel.exchange("POST", {"Host": "x"}, b"{}", connect_timeout=2, read_timeout=2)
    channel.close()

    assert status == 200
    assert chosen.stores == (trust.DEFAULT,)
