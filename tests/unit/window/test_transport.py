"""The window read's HTTP: verified TLS, proxies from HTTPS_PROXY/HTTP_PROXY, bypassed by NO_PROXY."""

from __future__ import annotations

import ipaddress
import ssl
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from gate.aws import error_code
from gate.window import transport
from gate.window.errors import EndpointConnectionError, ProxyConnectionError
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


class TlsParameterStore:
    """A Parameter Store stand-in on https://127.0.0.1 with a certificate from a throwaway CA."""

    def __init__(self, directory: Path) -> None:
        self.ca_file, cert_file, key_file = _issue_certificate(directory)
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                fake.targets.append(self.headers["X-Amz-Target"])
                self.rfile.read(int(self.headers["Content-Length"]))
                body = b'{"Parameter": {"Value": "over tls", "Version": 2}}'
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.targets: list[str] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert_file, key_file)
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.url = f"https://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def _issue_certificate(directory: Path) -> tuple[Path, Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.now(timezone.utc)

    def certificate(subject: str, key: Any, issuer: x509.Name, signer: Any, ca: bool) -> x509.Certificate:
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
            .issuer_name(issuer)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=5))
            .not_valid_after(now + timedelta(hours=1))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        )
        if not ca:
            builder = builder.add_extension(
                x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False
            )
        return builder.sign(signer, hashes.SHA256())

    ca_key, leaf_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "gate test CA")])
    ca = certificate("gate test CA", ca_key, ca_name, ca_key, ca=True)
    leaf = certificate("127.0.0.1", leaf_key, ca_name, ca_key, ca=False)
    paths = directory / "ca.pem", directory / "leaf.pem", directory / "leaf.key"
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(
        leaf_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return paths


@pytest.fixture
def tls_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[TlsParameterStore]:
    store = TlsParameterStore(tmp_path)
    monkeypatch.setattr(transport, "_tls", [])  # the TLS context is built once per process; build it anew
    yield store
    store.server.shutdown()
    store.server.server_close()


def test_an_https_endpoint_is_read_over_verified_tls(
    tls_store: TlsParameterStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(tls_store.ca_file))  # OpenSSL's default trust store, as on Lambda
    environ = {**CREDENTIALS, "AWS_ENDPOINT_URL_SSM": tls_store.url}

    value = ParameterFetcher("/w", connect_timeout=2, read_timeout=2, environ=environ)()

    assert value == "over tls"
    assert tls_store.targets == ["AmazonSSM.GetParameter"]


def test_an_untrusted_certificate_is_refused(tls_store: TlsParameterStore) -> None:
    environ = {**CREDENTIALS, "AWS_ENDPOINT_URL_SSM": tls_store.url}
    fetcher = ParameterFetcher("/w", connect_timeout=2, read_timeout=2, max_attempts=1, environ=environ)

    with pytest.raises(EndpointConnectionError, match="CERTIFICATE_VERIFY_FAILED"):
        fetcher()

    assert tls_store.targets == []
