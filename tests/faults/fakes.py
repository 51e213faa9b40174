"""A fault-injecting HTTP endpoint for the gate's AWS clients.

:class:`FaultProxy` listens on 127.0.0.1 and, request by request, either forwards to
a real (moto) server or answers with a fault: an AWS error, a response slower than
the client's read timeout, or a dropped connection after the request was applied.
Stopping it closes the port, so the endpoint is unreachable until it starts again
on the same port. The gate's own clients (``gate.aws``) are pointed at it
through ``AWS_ENDPOINT_URL_<SERVICE>``, so their real timeouts and retries run.
"""

from __future__ import annotations

import contextlib
import dataclasses
import http.client
import json
import socket
import threading
import time
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from gate.local.servers import free_port

_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "host", "expect"}


@dataclass(frozen=True)
class Fault:
    """What the endpoint does with one request."""

    kind: str  # "respond", "sleep" or "drop"
    status: int = 0
    body: bytes = b""
    content_type: str = "application/x-amz-json-1.1"
    seconds: float = 0.0

    @classmethod
    def json_error(cls, code: str, status: int = 400, message: str = "injected fault") -> Fault:
        """An error as SSM and DynamoDB (the AWS JSON protocols) send it."""
        body = json.dumps({"__type": code, "message": message}).encode()
        return cls("respond", status=status, body=body)

    @classmethod
    def xml_error(cls, code: str, status: int, message: str = "injected fault") -> Fault:
        """An error as S3 (REST-XML) sends it."""
        body = f"<Error><Code>{code}</Code><Message>{message}</Message></Error>".encode()
        return cls("respond", status=status, body=body, content_type="application/xml")

    def after(self, seconds: float) -> Fault:
        """The same answer, sent only after ``seconds`` (a slow service that then fails)."""
        return dataclasses.replace(self, seconds=seconds)

    @classmethod
    def slow(cls, seconds: float) -> Fault:
        """Answer nothing for ``seconds``, then forward (or, with no target, answer 500)."""
        return cls("sleep", seconds=seconds)

    @classmethod
    def lost_reply(cls) -> Fault:
        """Forward the request, so it takes effect, then close the connection unanswered."""
        return cls("drop")


class FaultProxy:
    def __init__(self, target_url: str | None = None) -> None:
        self.port = free_port()
        self._target = urlsplit(target_url) if target_url else None
        self._faults: deque[Fault] = deque()
        self._always: Fault | None = None
        self._lock = threading.Lock()
        self._released = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._connections: set[socket.socket] = set()
        self.requests: list[str] = []
        self.arrivals: list[float] = []  # time.monotonic() of each request, as it arrived

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def inject(self, fault: Fault, times: int = 1) -> None:
        """The next ``times`` requests meet ``fault``; later ones are forwarded."""
        with self._lock:
            self._faults.extend([fault] * times)

    def always(self, fault: Fault | None) -> None:
        """Every request meets ``fault`` until called again with None."""
        with self._lock:
            self._always = fault
            self._faults.clear()

    def start(self) -> FaultProxy:
        self._released.clear()
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name=f"fault-proxy-{self.port}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Close the port and every open connection: clients now get 'connection refused'."""
        self._released.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        with self._lock:
            connections, self._connections = self._connections, set()
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _next_fault(self) -> Fault | None:
        with self._lock:
            if self._always is not None:
                return self._always
            return self._faults.popleft() if self._faults else None

    def _forward(self, method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, list[Any], bytes]:
        if self._target is None:
            raise RuntimeError("this FaultProxy has no target to forward to")
        connection = http.client.HTTPConnection(self._target.hostname or "127.0.0.1", self._target.port, timeout=60)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            return response.status, response.getheaders(), response.read()
        finally:
            connection.close()

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            # HTTP/1.1 answers S3's "Expect: 100-continue" at once and keeps connections open.
            protocol_version = "HTTP/1.1"

            def setup(self) -> None:
                super().setup()
                with proxy._lock:
                    proxy._connections.add(self.connection)

            def finish(self) -> None:
                with proxy._lock:
                    proxy._connections.discard(self.connection)
                with contextlib.suppress(OSError):
                    super().finish()

            def _handle(self) -> None:
                body = self._read_body()
                proxy.arrivals.append(time.monotonic())
                proxy.requests.append(f"{self.command} {self.path} {self.headers.get('X-Amz-Target', '')}".strip())
                fault = proxy._next_fault()
                headers = {key: value for key, value in self.headers.items() if key.lower() not in _HOP_BY_HOP}
                with contextlib.suppress(OSError):
                    if fault is None:
                        self._reply(*proxy._forward(self.command, self.path, headers, body))
                    elif fault.kind == "respond":
                        if fault.seconds and proxy._released.wait(fault.seconds):
                            return
                        self._reply(fault.status, [("Content-Type", fault.content_type)], fault.body)
                    elif fault.kind == "sleep":
                        if proxy._released.wait(fault.seconds):
                            return  # stopped while sleeping: leave the client to its timeout
                        if proxy._target is None:
                            self._reply(500, [("Content-Type", fault.content_type)], b"{}")
                        else:
                            self._reply(*proxy._forward(self.command, self.path, headers, body))
                    elif fault.kind == "drop":
                        proxy._forward(self.command, self.path, headers, body)
                        self.close_connection = True
                        self.connection.shutdown(socket.SHUT_RDWR)

            def _read_body(self) -> bytes:
                if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                    chunks = []
                    while True:
                        size = int(self.rfile.readline().split(b";")[0], 16)
                        chunk = self.rfile.read(size)
                        self.rfile.readline()
                        if size == 0:
                            return b"".join(chunks)
                        chunks.append(chunk)
                return self.rfile.read(int(self.headers.get("Content-Length") or 0))

            def _reply(self, status: int, headers: list[Any], body: bytes) -> None:
                self.send_response(status)
                for key, value in headers:
                    if key.lower() not in _HOP_BY_HOP:
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = _handle

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler
