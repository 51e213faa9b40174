"""The cached window document and the decision derived from it.

The hot path is :meth:`WindowSource.current`: one clock reading compared with the
instant until which the cached decision holds. That instant is the earlier of the
next scheduled boundary and the next refresh, so a window opens and closes on the
exact millisecond while parameter edits wait at most one TTL.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime, timezone

from gate import telemetry
from gate.aws import describe, error_code
from gate.config import FailMode
from gate.window.decide import Decision, decide
from gate.window.document import WindowDocument, WindowDocumentError, parse_document

Fetch = Callable[[], str]
Clock = Callable[[], float]

# Until a first good document arrives, retry sooner than the TTL.
_RETRY_WITHOUT_DOCUMENT_SECONDS = 1.0


class WindowSource:
    def __init__(self, fetch: Fetch, *, ttl_seconds: float, fail_mode: FailMode, clock: Clock = time.time) -> None:
        self._fetch = fetch
        self._ttl = ttl_seconds
        self._fail_mode = fail_mode
        self._clock = clock
        self._lock = threading.Lock()
        self._text: str | None = None
        self._document: WindowDocument | None = None
        self._next_fetch = 0.0
        self._failure: str | None = None
        self.fetch_count = 0
        # (valid until, decision), swapped as one tuple so readers never see a torn pair.
        # "Valid until" is the earlier of the next refresh and the next boundary; the
        # boundary alone is kept too, for invocations that meet a refresh in progress.
        initial = Decision(defer=False, reason="not evaluated yet")
        self._state: tuple[float, Decision] = (0.0, initial)
        self._until_boundary: tuple[float, Decision] = (0.0, initial)

    @property
    def document(self) -> WindowDocument | None:
        return self._document

    def prime(self) -> Decision:
        """Fetch and evaluate now; called during init so the first invocation pays nothing."""
        return self._revalidate(self._clock())

    def current(self) -> Decision:
        valid_until, decision = self._state
        now = self._clock()
        if now < valid_until:
            return decision
        return self._revalidate(now)

    def _revalidate(self, now: float) -> Decision:
        if not self._lock.acquire(blocking=False):
            # Another invocation is refreshing: answer without waiting on its I/O, and
            # without time-zone math unless a window boundary has passed meanwhile.
            boundary, decision = self._until_boundary
            return decision if now < boundary else self._evaluate(now)
        try:
            if now >= self._next_fetch:
                self._refresh(now)
            decision = self._evaluate(now)
            until = decision.until.timestamp() if decision.until is not None else float("inf")
            self._until_boundary = (until, decision)
            self._state = (min(until, self._next_fetch), decision)
            return decision
        finally:
            self._lock.release()

    def _evaluate(self, now: float) -> Decision:
        document = self._document
        if document is None:
            defer = self._fail_mode is FailMode.MAINTENANCE
            return Decision(
                defer=defer, reason=f"no window document has been read; GATE_FAIL_MODE={self._fail_mode.value}"
            )
        return decide(document, datetime.fromtimestamp(now, timezone.utc))

    def _refresh(self, now: float) -> None:
        self.fetch_count += 1
        try:
            text = self._fetch()
            if text != self._text:
                document = parse_document(text)
                self._log_change(document)
                self._document, self._text = document, text
        except WindowDocumentError as exc:
            self._note_failure("InvalidDocument", str(exc))
        except Exception as exc:  # noqa: BLE001 - any fetch failure only costs freshness
            self._note_failure(error_code(exc), describe(exc))
        else:
            self._note_recovery()
        delay = self._ttl if self._document is not None else min(self._ttl, _RETRY_WITHOUT_DOCUMENT_SECONDS)
        self._next_fetch = now + delay

    def _log_change(self, document: WindowDocument) -> None:
        telemetry.log(
            "window document loaded",
            mode=document.mode.value,
            windows=len(document.windows),
            recurring=len(document.recurring),
            first_load=self._document is None,
        )

    def _note_failure(self, kind: str, detail: str) -> None:
        telemetry.metric("ConfigErrors", 1, ErrorType=kind)
        if kind != self._failure:
            keeping = (
                "the last good document" if self._document is not None else f"GATE_FAIL_MODE={self._fail_mode.value}"
            )
            telemetry.log("window document refresh failed", level="WARNING", error=kind, detail=detail, using=keeping)
            self._failure = kind

    def _note_recovery(self) -> None:
        if self._failure is not None:
            telemetry.log("window document refresh recovered", previous_error=self._failure)
            self._failure = None
