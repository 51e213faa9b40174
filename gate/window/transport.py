"""HTTP(S) for the window read: deliberate timeouts, one kept-alive connection, a proxy when one is named.

A socket and a few lines of HTTP/1.1: ``http.client`` alone imports ``email`` and ``ssl``,
tens of milliseconds of a cold start (awslambdaric avoids it on its own path for the
same reason), and ``ssl`` is needed only for https, with the trust store
:mod:`gate.window.trust` picks. A :class:`Channel` keeps its connection between reads
while the server allows it and for at most ``KEEP_ALIVE_SECONDS`` idle, so a warm
environment does not pay a TLS handshake at every refresh.
A proxy, when the environment names one, is chosen by :mod:`gate.window.proxy`.
"""

from __future__ import annotations

import select
import socket
import threading
import time
from collections.abc import Callable, Mapping

from gate.records import NamedTuple
from gate.window.errors import (
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ProxyConnectionError,
    ReadTimeoutError,
)
from gate.window.trust import Store, Trust, stores_for

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (gate.records says why)

if TYPE_CHECKING:
    from typing import Any, BinaryIO, Literal, overload

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
    trust: Trust | None = None,
) -> tuple[int, bytes]:
    """Send one request on a new connection, closed after it; map failures to named errors."""
    channel = Channel(endpoint, proxy=proxy, trust=trust, idle_seconds=0.0)
    try:
        return channel.exchange(method, headers, body, connect_timeout=connect_timeout, read_timeout=read_timeout)
    finally:
        channel.close()


# How long a kept-alive connection may sit idle and still be reused. AWS does not document
# its endpoints' idle timeout; a stale connection is noticed before use (select) or, at
# worst, costs one retry on a new connection, so this only bounds how old a reused one is.
KEEP_ALIVE_SECONDS = 30.0


class _Held(NamedTuple):
    connection: socket.socket
    stream: BinaryIO
    idle_since: float


class Channel:
    """Requests to one endpoint over one kept-alive connection, reused while idle under ``idle_seconds``.

    One request at a time uses the connection; a second one at the same moment opens its own.
    """

    def __init__(
        self,
        endpoint: Endpoint,
        *,
        proxy: Endpoint | None = None,
        trust: Trust | None = None,
        idle_seconds: float = KEEP_ALIVE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.endpoint, self.proxy = endpoint, proxy
        self.trust = trust
        self._idle_seconds = idle_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._held: _Held | None = None
        self.connections_opened = 0

    def exchange(
        self,
        method: str,
        headers: Mapping[str, str],
        body: bytes | None,
        *,
        connect_timeout: float,
        read_timeout: float,
    ) -> tuple[int, bytes]:
        """Send one request and read the whole answer; map failures to named errors."""
        request = self._request(method, headers, body)
        held = self._take()
        if held is not None:
            try:
                return self._send(held, request, read_timeout, reused=True)
            except _StaleConnection:
                pass  # the server closed it while idle: a new connection, once, as urllib3 does
        connection = self._open(connect_timeout)
        held = _Held(connection, connection.makefile("rb"), 0.0)
        return self._send(held, request, read_timeout, reused=False)

    def close(self) -> None:
        with self._lock:
            held, self._held = self._held, None
        if held is not None:
            _close(held)

    def __del__(self) -> None:
        # A kept connection is closed with its channel, not left to the garbage collector's warning.
        held = self.__dict__.get("_held")
        if held is not None:
            _close(held)

    def _request(self, method: str, headers: Mapping[str, str], body: bytes | None) -> bytes:
        endpoint = self.endpoint
        target = endpoint.path
        if self.proxy is not None and endpoint.scheme == "http":
            target = f"http://{endpoint.host_header}{endpoint.path}"  # a plain-HTTP proxy takes the absolute URL
        lines = [f"{method} {target} HTTP/1.1", *(f"{name}: {value}" for name, value in headers.items())]
        if body is not None:
            lines.append(f"Content-Length: {len(body)}")
        if self._idle_seconds <= 0:
            lines.append("Connection: close")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (body or b"")

    def _take(self) -> _Held | None:
        with self._lock:
            held, self._held = self._held, None
        if held is None:
            return None
        if self._clock() - held.idle_since >= self._idle_seconds or _readable(held.connection):
            _close(held)  # idle too long, or the server has closed it (or sent something unasked)
            return None
        return held

    def _send(self, held: _Held, request: bytes, read_timeout: float, *, reused: bool) -> tuple[int, bytes]:
        keep = False
        try:
            held.connection.settimeout(read_timeout)
            try:
                held.connection.sendall(request)
                status, fields, version = read_head(held.stream, with_version=True)
            except (OSError, ValueError) as exc:
                if reused and not isinstance(exc, TimeoutError):
                    raise _StaleConnection from exc
                raise
            content = _read_body(held.stream, fields)
            keep = (
                self._idle_seconds > 0
                and version == "HTTP/1.1"
                and "close" not in fields.get("connection", "").lower()
                and ("content-length" in fields or "chunked" in fields.get("transfer-encoding", "").lower())
            )
            return status, content
        except TimeoutError as exc:
            raise ReadTimeoutError(f"Read timeout on endpoint URL: {_url(self.endpoint)}") from exc
        except (OSError, ValueError) as exc:
            problem = f"Connection closed before a whole response from {_url(self.endpoint)}: {exc}"
            raise ConnectionClosedError(problem) from exc
        finally:
            if keep:
                self._keep(held._replace(idle_since=self._clock()))
            else:
                _close(held)

    def _keep(self, held: _Held) -> None:
        with self._lock:
            previous, self._held = self._held, held
        if previous is not None:
            _close(previous)

    def _open(self, timeout: float) -> socket.socket:
        self.connections_opened += 1
        if self.endpoint.scheme == "http":
            return _connect(self.endpoint, self.proxy, timeout)
        trust = self.trust or Trust(stores_for(self.endpoint.host, {}))
        stores = trust.stores
        for index, store in enumerate(stores):
            try:
                connection = _tls(_connect(self.endpoint, self.proxy, timeout), self.endpoint, self.proxy, store)
            except _VerificationFailed as failed:
                if index + 1 == len(stores):
                    raise EndpointConnectionError(
                        f"Could not connect to the endpoint URL: {_url(self.endpoint)}: {failed.__cause__}"
                        f" (trusting {store.origin})"
                    ) from failed.__cause__
                continue  # verified against the next store, once: a TLS-inspecting proxy, another CA
            if index:
                trust.settle_on(store)
            return connection
        raise AssertionError("unreachable")  # pragma: no cover


class _StaleConnection(Exception):
    """A reused connection failed before any answer: the server had closed it."""


class _VerificationFailed(Exception):
    """The server's certificate did not verify against one store."""


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
    # The request goes out in one write; without this a small second segment could wait on Nagle.
    connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return connection


def _tls(connection: socket.socket, endpoint: Endpoint, proxy: Endpoint | None, store: Store) -> socket.socket:
    from gate.window.trust import context

    try:
        if proxy is not None:
            from gate.window.proxy import tunnel

            tunnel(connection, endpoint, proxy)
        # The host as bytes: ssl encodes a str one with the "idna" codec, whose import
        # (stringprep, unicodedata) costs milliseconds; endpoint hosts are ASCII.
        host: str | bytes = endpoint.host.encode("ascii") if endpoint.host.isascii() else endpoint.host
        return context(store).wrap_socket(connection, server_hostname=host)
    except TimeoutError as exc:
        connection.close()
        raise ConnectTimeoutError(f"Connect timeout on endpoint URL: {_url(endpoint)}") from exc
    except OSError as exc:  # ssl.SSLError is an OSError
        connection.close()
        if type(exc).__name__ == "SSLCertVerificationError":
            raise _VerificationFailed from exc
        raise EndpointConnectionError(f"Could not connect to the endpoint URL: {_url(endpoint)}: {exc}") from exc
    except BaseException:
        connection.close()
        raise


def _readable(connection: socket.socket) -> bool:
    try:
        ready, _, _ = select.select([connection], [], [], 0)
    except (OSError, ValueError):
        return True
    return bool(ready)


def _close(held: _Held) -> None:
    try:
        held.stream.close()
    finally:
        held.connection.close()


if TYPE_CHECKING:

    @overload
    def read_head(stream: BinaryIO) -> tuple[int, dict[str, str]]: ...

    @overload
    def read_head(stream: BinaryIO, *, with_version: Literal[True]) -> tuple[int, dict[str, str], str]: ...


def read_head(stream: BinaryIO, *, with_version: bool = False) -> Any:
    """The status and the header fields (names in lower case); with ``with_version``, the HTTP version too."""
    status_line = stream.readline(_MAX_LINE).decode("latin-1")
    parts = status_line.split(None, 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/") or not parts[1].isdigit():
        raise ValueError(f"not an HTTP status line: {status_line[:80]!r}")
    fields: dict[str, str] = {}
    for _ in range(_MAX_HEADERS):
        line = stream.readline(_MAX_LINE).decode("latin-1").strip()
        if not line:
            return (int(parts[1]), fields, parts[0]) if with_version else (int(parts[1]), fields)
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


def _url(endpoint: Endpoint) -> str:
    return repr(endpoint)
