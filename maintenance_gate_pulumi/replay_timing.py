"""How long the replayer runs, derived from the functions it replays into.

The replayer stops taking records ``margin`` seconds before its own timeout. An
invocation it started just before then may run for the gated function's whole
timeout, so the margin is at least the longest of those timeouts, plus time to write
the outcome. If it were shorter, Lambda would kill the replayer mid-invocation and
the record would stay leased, to be delivered again once the lease expired.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from gate.replay.engine import DEFAULT_LEASE_SECONDS

LAMBDA_MAX_TIMEOUT_SECONDS = 900
# What Lambda uses for a function created without a timeout.
LAMBDA_DEFAULT_TIMEOUT_SECONDS = 3
# After the last invocation returns: record its outcome and release its lease.
OUTCOME_SECONDS = 10
# Below this, a run spends more time starting than replaying.
MIN_RUN_SECONDS = 60
DEFAULT_RUN_SECONDS = 230
# Runs start at most this often, and never before the previous one has timed out.
MIN_SCHEDULE_MINUTES = 5
# Longer than any replayer run (at most Lambda's 900 s): a run killed at its timeout
# leaves leases that expire only after it is certainly gone.
LEASE_SECONDS = int(DEFAULT_LEASE_SECONDS)


class ReplayTimingError(ValueError):
    """Raised when the gated functions' timeouts leave the replayer no time to run within Lambda's limit."""


@dataclass(frozen=True)
class ReplayTiming:
    margin_seconds: int
    timeout_seconds: int
    schedule_minutes: int
    lease_seconds: int = LEASE_SECONDS

    @property
    def schedule_expression(self) -> str:
        return f"rate({self.schedule_minutes} minutes)"


def replay_timing(gated_timeouts: Sequence[int | None], run_seconds: int = DEFAULT_RUN_SECONDS) -> ReplayTiming:
    """Margin, timeout and period for replaying into functions with these timeouts (None: Lambda's default)."""
    if run_seconds < MIN_RUN_SECONDS:
        raise ReplayTimingError(f"the replayer's run_seconds must be at least {MIN_RUN_SECONDS} (got {run_seconds})")
    longest = max((LAMBDA_DEFAULT_TIMEOUT_SECONDS if t is None else t for t in gated_timeouts), default=0)
    margin = longest + OUTCOME_SECONDS
    timeout = min(LAMBDA_MAX_TIMEOUT_SECONDS, margin + run_seconds)
    if timeout - margin < MIN_RUN_SECONDS:
        limit = LAMBDA_MAX_TIMEOUT_SECONDS - MIN_RUN_SECONDS - OUTCOME_SECONDS
        raise ReplayTimingError(
            f"a gated function's timeout of {longest} s leaves the replayer less than {MIN_RUN_SECONDS} s "
            f"within Lambda's {LAMBDA_MAX_TIMEOUT_SECONDS} s; automatic replay needs timeouts of at most "
            f"{limit} s (replay such functions with `python -m gate replay`)"
        )
    if timeout >= LEASE_SECONDS:
        raise ReplayTimingError(f"the replayer's timeout {timeout} s must stay under its lease of {LEASE_SECONDS} s")
    return ReplayTiming(
        margin_seconds=margin,
        timeout_seconds=timeout,
        schedule_minutes=max(MIN_SCHEDULE_MINUTES, math.ceil(timeout / 60)),
    )
