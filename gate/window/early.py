"""The first window read, started before the rest of the gate is imported.

On AWS the read waits on the network (a TCP and a TLS handshake, then Parameter
Store's answer); started first, that wait overlaps the gate's remaining imports and
the function's own, instead of following them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable


class EarlyRead:
    """Calls ``read`` on a thread at once; the first call returns (or raises) that result, later calls read afresh."""

    def __init__(self, read: Callable[[], str]) -> None:
        self._read = read
        self._done = threading.Event()
        self._result: str | None = None
        self._error: BaseException | None = None
        self._pending = True
        try:
            threading.Thread(target=self._run, name="maintenance-gate-first-read", daemon=True).start()
        except RuntimeError:  # no thread to be had: the first call reads, as any later one
            self._pending = False

    def _run(self) -> None:
        try:
            self._result = self._read()
        except BaseException as exc:  # noqa: BLE001 - handed to the caller of __call__, which decides
            self._error = exc
        finally:
            self._done.set()

    def __call__(self) -> str:
        if not self._pending:
            return self._read()
        self._pending = False  # the cache calls from one refresh thread at a time
        # Bounded by the read's own connect and read timeouts, as a read made here would be.
        self._done.wait()
        if self._error is not None:
            error, self._error = self._error, None
            raise error
        return self._result  # type: ignore[return-value]
