"""The cached window document and the decision derived from it.

The hot path is :meth:`WindowSource.current`: one clock reading compared with the
instant until which the cached decision holds. That instant is the earlier of the
next scheduled boundary and the next refresh, so a window opens and closes on the
exact millisecond while parameter edits wait at most one TTL.

Refreshes run on a background thread, at most one at a time. The invocation that
finds the cache expired waits for the refresh only briefly (``refresh_wait_seconds``,
and never more than a tenth of its remaining time); past that it answers from the
last good document, or by the fail mode, and the refresh completes off the request
path. Failed reads back off exponentially with jitter, and the TTL itself is
jittered, so a fleet's reads spread out instead of arriving together.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime, timezone

from gate import telemetry
from gate.config import FailMode
from gate.records import NamedTuple
from gate.types import remaining_seconds
from gate.window.jitter import SystemJitter

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (gate.records says why)

if TYPE_CHECKING:
    from typing import Any

    from gate.config import GateConfig
    from gate.types import LambdaContext
    from gate.window.decide import Decision
    from gate.window.document import WindowDocument
    from gate.window.jitter import Jitter


class Reading(NamedTuple):
    """A document read from somewhere other than Parameter Store itself, ``age_seconds`` old."""

    text: str
    age_seconds: float = 0.0


Fetch = Callable[[], "str | Reading"]
Clock = Callable[[], float]


# Until a first good document arrives, failed reads are retried from this base rather than the TTL.
RETRY_WITHOUT_DOCUMENT_SECONDS = 1.0
# However long a failure lasts, a read is tried at least this often (then jittered down to half).
MAX_BACKOFF_SECONDS = 60.0
# Refreshes after success come after TTL x uniform(1 - TTL_JITTER, 1): never later than the TTL.
TTL_JITTER = 0.1
# An invocation never waits for a refresh for more than this share of its remaining time.
SHARE_OF_REMAINING_TIME = 0.1


class WindowSource:
    def __init__(
        self,
        fetch: Fetch,
        *,
        ttl_seconds: float,
        fail_mode: FailMode,
        clock: Clock = time.time,
        refresh_wait_seconds: float = 0.2,
        init_wait_seconds: float = 0.5,
        rng: Jitter | None = None,
    ) -> None:
        self._fetch = fetch
        self._ttl = ttl_seconds
        self._fail_mode = fail_mode
        self._clock = clock
        self._refresh_wait = refresh_wait_seconds
        self._init_wait = init_wait_seconds
        self._rng: Jitter = rng or SystemJitter()
        self._lock = threading.Lock()  # guards the bookkeeping below; never held across I/O
        self._refreshing: threading.Event | None = None
        self._text: str | None = None
        self._document: WindowDocument | None = None
        self._next_fetch = 0.0
        self._failures = 0  # consecutive failed reads, for the backoff
        self._failure: str | None = None
        self.fetch_count = 0
        # (valid until, decision), swapped as one tuple so readers never see a torn pair.
        # "Valid until" is the earlier of the next refresh and the next boundary; the
        # boundary alone is kept too, for invocations that meet a refresh in progress.
        self._state: tuple[float, Any] = (0.0, None)
        self._until_boundary: tuple[float, Any] = (0.0, None)

    @property
    def document(self) -> WindowDocument | None:
        return self._document

    def refresh_in_background(self) -> None:
        """Start a read now unless one is under way; at init this overlaps the imports that follow."""
        with self._lock:
            if self._refreshing is None:
                self._start_refresh()

    def prime(self, wait_seconds: float | None = None) -> Decision:
        """Read and evaluate during init, waiting for the read at most ``wait_seconds`` (default: the init bound)."""
        with self._lock:
            refreshing = self._refreshing
            if refreshing is None and self._next_fetch == 0.0:  # nothing read yet
                refreshing = self._start_refresh()
        if refreshing is not None:
            refreshing.wait(self._init_wait if wait_seconds is None else wait_seconds)
        return self._publish(self._clock())

    def renew(self, wait_seconds: float | None = None) -> Decision:
        """Forget when the document was read, reseed the jitter, and read it again (after a SnapStart restore)."""
        self._rng.seed()
        with self._lock:
            self._next_fetch = 0.0
            self._failures = 0
            self._state = (0.0, self._state[1])
        return self.prime(wait_seconds)

    def settled(self, timeout: float) -> bool:
        """Wait up to ``timeout`` for a refresh under way, if any; True when none is left running."""
        refreshing = self._refreshing
        return refreshing is None or refreshing.wait(timeout)

    def current(self, context: LambdaContext | None = None) -> Decision:
        valid_until, decision = self._state
        now = self._clock()
        if now < valid_until:
            return decision  # type: ignore[no-any-return]
        return self._revalidate(now, context)

    def _revalidate(self, now: float, context: LambdaContext | None) -> Decision:
        with self._lock:
            started = self._start_refresh() if now >= self._next_fetch and self._refreshing is None else None
            in_flight = self._refreshing is not None
        if started is not None:
            started.wait(self._wait_bound(context))
            return self._publish(self._clock())
        if in_flight:
            # Another invocation's refresh is under way: answer without waiting on its I/O, and
            # without time-zone math unless a window boundary has passed meanwhile.
            boundary, decision = self._until_boundary
            return decision if decision is not None and now < boundary else self._evaluate(now)
        return self._publish(now)

    def _wait_bound(self, context: LambdaContext | None) -> float:
        seconds = remaining_seconds(context)
        if seconds is None:
            return self._refresh_wait
        return max(0.0, min(self._refresh_wait, seconds * SHARE_OF_REMAINING_TIME))

    def _start_refresh(self) -> threading.Event | None:
        # Called with the lock held. A thread that cannot start (no memory for its stack) costs
        # only this refresh: the next invocation tries again, and none fails for it.
        done = threading.Event()
        try:
            threading.Thread(target=self._refresh, args=(done,), name="maintenance-gate-refresh", daemon=True).start()
        except RuntimeError:
            return None
        self._refreshing = done
        return done

    def _refresh(self, done: threading.Event) -> None:
        try:
            self._read()
            self._publish(self._clock())
        finally:
            with self._lock:
                self._refreshing = None
            done.set()

    def _publish(self, now: float) -> Decision:
        with self._lock:
            decision = self._evaluate(now)
            until = decision.until.timestamp() if decision.until is not None else float("inf")
            self._until_boundary = (until, decision)
            self._state = (min(until, self._next_fetch), decision)
        return decision

    def _evaluate(self, now: float) -> Decision:
        from gate.window.decide import Decision, decide

        document = self._document
        if document is None:
            defer = self._fail_mode is FailMode.MAINTENANCE
            return Decision(
                defer=defer, reason=f"no window document has been read; GATE_FAIL_MODE={self._fail_mode.value}"
            )
        return decide(document, datetime.fromtimestamp(now, timezone.utc))

    def _read(self) -> None:
        from gate.window.document import WindowDocumentError, parse_document

        self.fetch_count += 1
        age = 0.0
        try:
            reading = self._fetch()
            text, age = (reading.text, reading.age_seconds) if isinstance(reading, Reading) else (reading, 0.0)
            if text != self._text:
                document = parse_document(text)
                self._log_change(document)
                self._document, self._text = document, text
        except WindowDocumentError as exc:
            # The read itself worked: no backoff, the next edit is picked up one TTL later.
            self._note_failure("InvalidDocument", str(exc))
            delay = self._ttl if self._document is not None else min(self._ttl, RETRY_WITHOUT_DOCUMENT_SECONDS)
        except Exception as exc:  # noqa: BLE001 - any fetch failure only costs freshness
            from gate.aws import describe, error_code  # compiled only once a read has failed

            self._note_failure(error_code(exc), describe(exc))
            self._failures += 1
            base = self._ttl if self._document is not None else min(self._ttl, RETRY_WITHOUT_DOCUMENT_SECONDS)
            # TTL 0 (a read per invocation, for tests) keeps reading at once; any other TTL backs off.
            ceiling = min(MAX_BACKOFF_SECONDS, base * 2**self._failures)
            delay = self._rng.uniform(ceiling / 2, ceiling)
        else:
            self._note_recovery()
            self._failures = 0
            delay = max(0.0, self._ttl * self._rng.uniform(1 - TTL_JITTER, 1.0) - age)
        with self._lock:
            self._next_fetch = self._clock() + delay

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


def watch_window(config: GateConfig, fetch: Fetch) -> WindowSource:
    """The cached decision, read through ``fetch``; not yet primed, so the caller picks when to read."""
    return WindowSource(
        fetch,
        ttl_seconds=config.cache_ttl_seconds,
        fail_mode=config.fail_mode,
        refresh_wait_seconds=config.refresh_wait_seconds,
        init_wait_seconds=config.init_wait_seconds,
    )
