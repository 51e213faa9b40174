"""Proxies for the window read, from the usual variables; loaded only when one is set.

``HTTPS_PROXY``/``https_proxy`` for https endpoints, ``HTTP_PROXY``/``http_proxy`` for
http ones, ``NO_PROXY``/``no_proxy`` (hosts, domain suffixes, ``host:port``, ``*``) to bypass.
"""

from __future__ import annotations

import socket
from collections.abc import Mapping

from gate.window.errors import ProxyConnectionError
from gate.window.transport import Endpoint, read_head


def proxy_for(endpoint: Endpoint, environ: Mapping[str, str]) -> Endpoint | None:
    """The proxy the environment names for this endpoint, or None (none named, or bypassed by NO_PROXY)."""
    names = ("HTTPS_PROXY", "https_proxy") if endpoint.scheme == "https" else ("HTTP_PROXY", "http_proxy")
    url = next((environ[name] for name in names if environ.get(name)), "")
    if not url or _bypassed(endpoint.host, endpoint.port, environ.get("NO_PROXY") or environ.get("no_proxy") or ""):
        return None
    return Endpoint.parse(url if "://" in url else f"http://{url}")


def _bypassed(host: str, port: int, no_proxy: str) -> bool:
    for entry in (item.strip().lower() for item in no_proxy.split(",")):
        if entry == "*":
            return True
        name, _, entry_port = entry.partition(":") if entry.count(":") == 1 else (entry, "", "")
        if not name or (entry_port and entry_port != str(port)):
            continue
        name = name.lstrip("*").lstrip(".")
        if host == name or host.endswith("." + name):
            return True
    return False


def tunnel(connection: socket.socket, endpoint: Endpoint, proxy: Endpoint) -> None:
    authority = f"{endpoint.host_header}:{endpoint.port}" if ":" not in endpoint.host_header else endpoint.host_header
    request = f"CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n\r\n"
    connection.sendall(request.encode("latin-1"))
    with connection.makefile("rb") as stream:
        try:
            status, _ = read_head(stream)
        except ValueError as exc:
            raise ProxyConnectionError(f"proxy {proxy!r} answered CONNECT with garbage: {exc}") from exc
    if status != 200:
        raise ProxyConnectionError(f"proxy {proxy!r} refused to tunnel to {authority}: HTTP {status}")
