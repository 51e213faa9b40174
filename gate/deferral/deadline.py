"""A store call bounded by the invocation's deadline: run on a worker thread, given up at the deadline.

botocore's budget (timeouts times attempts, plus backoff) ends every call, but not
by the invocation's own deadline, and a read timeout bounds each socket read, not a
whole attempt. So the call runs on a thread of its own, and the invocation waits
for it only until its deadline. A call given up on may still finish: every store
write is keyed by the request id and conditional, so whichever of it and Lambda's
retry lands first makes the one record. It sends no new request after the
deadline (``refuse_late_requests``), so what can land late is only a request
already sent by then; a backoff frozen with the execution environment never wakes
up to write.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from gate.types import remaining_seconds

T = TypeVar("T")

# Kept back from the invocation's remaining time: enough to log the failure and for
# the runtime to report the error before Lambda's own timeout ends the invocation.
MARGIN_SECONDS = 0.5

THREAD_NAME = "maintenance-gate-store"

_current = threading.local()


class DeadlineReachedError(Exception):
    """Raised when a bounded call has not finished by its deadline; it may still finish on its thread."""


class LateRequestError(Exception):
    """Raised inside a call given up on, instead of sending a request after the invocation's deadline."""


def deadline_of(context: object, clock: Callable[[], float] = time.monotonic) -> float | None:
    """The ``clock`` instant by which a store call must end, or None where the context cannot say."""
    remaining = remaining_seconds(context)
    if remaining is None:
        return None
    return clock() + remaining - MARGIN_SECONDS


def run_before(deadline: float, call: Callable[[], T]) -> T:
    """``call()``'s result, run on a worker thread; DeadlineReachedError once ``deadline`` passes first."""
    budget = deadline - time.monotonic()
    if budget <= 0:
        # Nothing has been sent: failing now leaves nothing to land later.
        raise DeadlineReachedError(f"no time left: the deadline passed {-budget:.3f} s ago")
    outcome: list[tuple[bool, Any]] = []
    done = threading.Event()

    def work() -> None:
        _current.deadline = deadline
        try:
            outcome.append((True, call()))
        except BaseException as exc:  # noqa: BLE001 - handed to the waiting invocation as it is
            outcome.append((False, exc))
        finally:
            done.set()

    # Started (and, past the deadline, given up) per call: a thread shared by calls
    # would make the next invocation wait behind a call given up on.
    threading.Thread(target=work, name=THREAD_NAME, daemon=True).start()
    if not done.wait(budget):
        raise DeadlineReachedError(f"not finished within {budget:.3f} s")
    finished, value = outcome[0]
    if finished:
        return value  # type: ignore[no-any-return]
    raise value


def refuse_late_requests(client: Any) -> Any:
    """Make a boto3 client refuse, on a thread run_before started, any attempt past that thread's deadline."""
    events = getattr(getattr(client, "meta", None), "events", None)
    if events is not None:
        events.register("before-send", _refuse_if_late, unique_id="maintenance-gate-deadline")
    return client


def _refuse_if_late(**_: Any) -> None:
    deadline = getattr(_current, "deadline", None)
    if deadline is not None and time.monotonic() >= deadline:
        # Not retryable for botocore: the call ends here, with this error.
        raise LateRequestError("the invocation's deadline has passed; this request is not sent")
