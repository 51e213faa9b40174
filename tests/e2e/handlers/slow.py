"""Handlers that take a while, so that invocations overlap, or a replayer can be killed mid-invocation."""

from __future__ import annotations

import os
import time
from typing import Any

from probe import record


def record_slowly(event: Any, context: Any) -> Any:
    time.sleep(float(os.environ.get("PROBE_DELAY_SECONDS", "0.05")))
    return record(event, context)


def record_then_linger(event: Any, context: Any) -> Any:
    """Record the event at once, then stay busy for ``event["linger"]`` seconds (if any)."""
    answer = record(event, context)
    time.sleep(float(event.get("linger", 0)) if isinstance(event, dict) else 0)
    return answer
