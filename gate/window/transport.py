"""One HTTP(S) exchange with deliberate timeouts, through a proxy when the environment names one.

A socket and a few lines of HTTP/1.1: ``http.client`` alone imports ``email`` and ``ssl``,
tens of milliseconds of a cold start (awslambdaric avoids it on its own path for the
same reason), and ``ssl`` is needed only for https.
A proxy, when the environment names one, is chosen by :mod:`gate.window.proxy`.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, BinaryIO

from gate.window.errors import (
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ProxyConnectionError,
    ReadTimeoutError,
)

if TYPE_CHECKING:
    import ssl

# Parameter Store answers a few KB; anything far larger is not an answer to trust.
_MAX_BODY = 1 << 20
_MAX_LINE = 65536
_MAX_HEADERS = 100


class Endpoint:
    """scheme://host[:port][/path], parsed by hand: ``urllib.parse`` would load ``ipaddress`` too."""

    __slots__ = ("host", "path", "port", "scheme")

    def __init__(self, scheme: str, host: str, port: int, path: str) -> None:
        self.scheme, self.host, self.port, self.path = scheme, host, port, path

    @classmethod
    def parse(cls, url: str) -> Endpoint:
        scheme, separator, rest = url.partition("://")
        authority, slash, path = rest.partition("/")
        authority = authority.rpartition("@")[2]
        if authority.startswith("["):
            host, _, port_text = authority[1:].partition("]")
            port_text = port_text.removeprefix(":")
        else:
            host, _, port_text = authority.partition(":")
        scheme = scheme.lower()
        if not separator or scheme not in ("http", "https") or not host or not (port_text or "0").isdigit():
            raise ValueError(f"endpoint {url!r} is not an http(s) URL")
        port = int(port_text) if port_text else (443 if scheme == "https" else 80)
        return cls(scheme, host.lower(), port, slash + path.partition("?")[0] or "/")

    @property
    def host_header(self) -> str:
        default = 443 if self.scheme == "https" else 80
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == default else f"{host}:{self.port}"

    def __repr__(self) -> str:
        return f"{self.scheme}://{self.host_header}{self.path}"


def exchange(
    method: str,
    endpoint: Endpoint,
    headers: Mapping[str, str],
    body: bytes | None,
    *,
    connect_timeout: float,
    read_timeout: float,
    proxy: Endpoint | None = None,
) -> tuple[int, bytes]:
    """Send one request on a new connection and read the whole answer; map failures to named errors."""
    connection = _connect(endpoint, proxy, connect_timeout)
    try:
        connection.settimeout(read_timeout)
        target = endpoint.path
        if proxy is not None and endpoint.scheme == "http":
            target = f"http://{endpoint.host_header}{endpoint.path}"  # a plain-HTTP proxy takes the absolute URL
        lines = [f"{method} {target} HTTP/1.1", *(f"{name}: {value}" for name, value in headers.items())]
        if body is not None:
            lines.append(f"Content-Length: {len(body)}")
        lines.append("Connection: close")
        try:
            connection.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (body or b""))
            with connection.makefile("rb") as stream:
                status, fields = read_head(stream)
                return status, _read_body(stream, fields)
        except TimeoutError as exc:
            raise ReadTimeoutError(f"Read timeout on endpoint URL: {_url(endpoint)}") from exc
        except (OSError, ValueError) as exc:
            problem = f"Connection closed before a whole response from {_url(endpoint)}: {exc}"
            raise ConnectionClosedError(problem) from exc
    finally:
        connection.close()


def _connect(endpoint: Endpoint, proxy: Endpoint | None, timeout: float) -> socket.socket:
    peer = proxy or endpoint
    try:
        # An ASCII host as bytes skips the "idna" codec, whose import (unicodedata, stringprep) costs a millisecond.
        host: str | bytes = peer.host.encode("ascii") if peer.host.isascii() else peer.host
        connection = socket.create_connection((host, peer.port), timeout=timeout)  # type: ignore[arg-type]
    except TimeoutError as exc:
        raise ConnectTimeoutError(f"Connect timeout on endpoint URL: {_url(peer)}") from exc
    except OSError as exc:
        if proxy is not None:
            raise ProxyConnectionError(f"Failed to connect to proxy URL: {_url(proxy)}: {exc}") from exc
        raise EndpointConnectionError(f"Could not connect to the endpoint URL: {_url(endpoint)}: {exc}") from exc
    if endpoint.scheme == "http":
        return connection
    try:
        if proxy is not None:
            from gate.window.proxy import tunnel

            tunnel(connection, endpoint, proxy)
        return _tls_context().wrap_socket(connection, server_hostname=endpoint.host)
    except TimeoutError as exc:
        connection.close()
        raise ConnectTimeoutError(f"Connect timeout on endpoint URL: {_url(endpoint)}") from exc
    except OSError as exc:  # ssl.SSLError is an OSError
        connection.close()
        raise EndpointConnectionError(f"Could not connect to the endpoint URL: {_url(endpoint)}: {exc}") from exc
    except BaseException:
        connection.close()
        raise


def read_head(stream: BinaryIO) -> tuple[int, dict[str, str]]:
    status_line = stream.readline(_MAX_LINE).decode("latin-1")
    parts = status_line.split(None, 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/") or not parts[1].isdigit():
        raise ValueError(f"not an HTTP status line: {status_line[:80]!r}")
    fields: dict[str, str] = {}
    for _ in range(_MAX_HEADERS):
        line = stream.readline(_MAX_LINE).decode("latin-1").strip()
        if not line:
            return int(parts[1]), fields
        name, _, value = line.partition(":")
        fields[name.strip().lower()] = value.strip()
    raise ValueError("too many header lines")


def _read_body(stream: BinaryIO, fields: Mapping[str, str]) -> bytes:
    if "chunked" in fields.get("transfer-encoding", "").lower():
        chunks: list[bytes] = []
        while True:
            size = int(stream.readline(_MAX_LINE).split(b";")[0].strip() or b"0", 16)
            if size == 0:
                return b"".join(chunks)
            chunks.append(_read_exactly(stream, size))
            stream.readline(_MAX_LINE)
            if sum(map(len, chunks)) > _MAX_BODY:
                raise ValueError("response body too large")
    if "content-length" in fields:
        return _read_exactly(stream, int(fields["content-length"]))
    return stream.read(_MAX_BODY)


def _read_exactly(stream: BinaryIO, size: int) -> bytes:
    if size > _MAX_BODY:
        raise ValueError("response body too large")
    data = stream.read(size)
    if len(data) != size:
        raise ValueError(f"response body cut short at {len(data)} of {size} bytes")
    return data


_tls_lock = threading.Lock()
_tls: list[ssl.SSLContext] = []


def _tls_context() -> ssl.SSLContext:
    # Built once: loading the CA store costs milliseconds, and only https needs ssl at all
    # (the local stack and its tests speak plain http).
    with _tls_lock:
        if not _tls:
            import ssl

            _tls.append(ssl.create_default_context())
        return _tls[0]


def _url(endpoint: Endpoint) -> str:
    return repr(endpoint)
