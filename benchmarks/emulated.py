"""One function under AWS's Runtime Interface Emulator, bare or behind the built layer.

Invocations go over one kept-alive HTTP connection straight to the emulator's
invoke endpoint rather than through boto3's Lambda client: the client's own
milliseconds would be added to both sides and pull every ratio towards 1.
"""

from __future__ import annotations

import http.client
import re
import time
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType

from gate.local.servers import Emulator, LocalServerError

HANDLERS_DIR = Path(__file__).resolve().parent / "handlers"
INVOKE_PATH = "/2015-03-31/functions/function/invocations"
_INIT_REPORT = re.compile(r"INIT REPORT\(durationMs: ([0-9.]+)\)")


class InvocationError(RuntimeError):
    """Raised when the emulator answers an invocation with anything but 200 and a result."""


class Function:
    """A started execution environment; ``gated`` puts the layer's exec wrapper in front.

    ``runtime`` and ``code_dir`` pick another runtime's stand-in (see ``Emulator``);
    ``answer`` is what a good response contains (Node.js writes JSON without spaces).
    """

    def __init__(
        self,
        handler: str,
        environment: Mapping[str, str],
        layer_dir: Path | None,
        log_path: Path,
        *,
        runtime: str = "python",
        code_dir: Path = HANDLERS_DIR,
        answer: bytes = b'"ok": true',
    ) -> None:
        self._log = log_path.open("w")
        self.answer = answer
        self.emulator = Emulator(
            handler=handler,
            code_dir=code_dir,
            environment=dict(environment),
            layer_dir=layer_dir,
            function_name="bench",
            log=self._log,
            runtime=runtime,
        )
        self.log_path = log_path
        self._connection: http.client.HTTPConnection | None = None

    def __enter__(self) -> Function:
        try:
            self.emulator.start()  # retries on a fresh port if another process took its port
        except LocalServerError:
            self._log.close()
            raise
        self._connection = http.client.HTTPConnection("127.0.0.1", self.emulator.port, timeout=60)
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        if self._connection is not None:
            self._connection.close()
        self.emulator.stop()
        self._log.close()

    def invoke(self, payload: bytes = b'{"orderId": "A-1"}') -> float:
        """Seconds from sending the request to the whole response read."""
        if self._connection is None:
            raise InvocationError("the function is not started")
        began = time.perf_counter()
        self._connection.request("POST", INVOKE_PATH, body=payload)
        response = self._connection.getresponse()
        body = response.read()
        elapsed = time.perf_counter() - began
        if response.status != 200 or self.answer not in body:
            raise InvocationError(f"invocation answered {response.status}: {body[:200]!r} (log: {self.log_path})")
        return elapsed

    def init_duration_ms(self) -> float | None:
        """The emulator's own INIT REPORT for this environment, once the log is flushed."""
        match = _INIT_REPORT.search(self.log_path.read_text(errors="replace"))
        return float(match.group(1)) if match else None
