"""Pacing: at most N invocations started per second, shared by every worker of a run."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class RateLimiter:
    def __init__(
        self,
        per_second: float | None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if per_second is not None and per_second <= 0:
            raise ValueError("rate must be positive")
        self._interval = 1.0 / per_second if per_second else 0.0
        self._clock = clock
        self._sleep = sleep
        self._next = 0.0
        self._lock = threading.Lock()

    def wait(self) -> None:
        """Block until the next start is allowed; with no rate, return at once."""
        if not self._interval:
            return
        with self._lock:
            now = self._clock()
            start = max(now, self._next)
            # Slots are booked from the schedule, not from "now", so a slow worker does
            # not push the whole run back; an idle run does not bank a burst either.
            self._next = start + self._interval
        if start > now:
            self._sleep(start - now)
