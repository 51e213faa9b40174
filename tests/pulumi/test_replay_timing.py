"""The replayer's margin, timeout and period, derived from the gated functions' timeouts."""

from __future__ import annotations

import pytest

from maintenance_gate_pulumi.replay_timing import (
    LAMBDA_DEFAULT_TIMEOUT_SECONDS,
    LAMBDA_MAX_TIMEOUT_SECONDS,
    LEASE_SECONDS,
    ReplayTimingError,
    replay_timing,
)


@pytest.mark.parametrize("longest", [1, 3, 10, 60, 299, 300, 600, 829, 830])
def test_every_allowed_timeout_gives_a_margin_that_covers_it_and_a_valid_replayer(longest: int) -> None:
    timing = replay_timing([1, longest, None])

    assert timing.margin_seconds >= longest
    assert timing.timeout_seconds - timing.margin_seconds >= 60
    assert timing.timeout_seconds <= LAMBDA_MAX_TIMEOUT_SECONDS < timing.lease_seconds == LEASE_SECONDS
    assert timing.schedule_minutes * 60 >= timing.timeout_seconds


def test_a_function_without_a_timeout_has_lambdas_default() -> None:
    assert replay_timing([None]).margin_seconds == LAMBDA_DEFAULT_TIMEOUT_SECONDS + 10


@pytest.mark.parametrize("longest", [831, 900])
def test_timeouts_that_leave_no_run_time_are_refused(longest: int) -> None:
    with pytest.raises(ReplayTimingError, match=f"timeout of {longest} s"):
        replay_timing([10, longest])


def test_a_run_too_short_to_be_worth_starting_is_refused() -> None:
    with pytest.raises(ReplayTimingError, match="run_seconds must be at least 60"):
        replay_timing([10], run_seconds=59)
