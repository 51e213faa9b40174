"""The replay rate limiter: starts booked exactly 1/rate apart, on a clock the test controls."""

from __future__ import annotations

import itertools
import threading

import pytest

from gate.replay.rate import RateLimiter


class FakeClock:
    """A monotonic clock that only moves when the limiter sleeps, or the test says so."""

    def __init__(self) -> None:
        self.now = 100.0
        self.lock = threading.Lock()

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        with self.lock:
            self.now += seconds


def starts(limiter: RateLimiter, clock: FakeClock, count: int) -> list[float]:
    times = []
    for _ in range(count):
        limiter.wait()
        times.append(clock.now)
    return times


@pytest.mark.parametrize("per_second", [2.0, 10.0, 0.5])
def test_back_to_back_starts_are_spaced_exactly_one_interval_apart(per_second: float) -> None:
    clock = FakeClock()
    limiter = RateLimiter(per_second, clock=clock, sleep=clock.sleep)

    times = starts(limiter, clock, 6)

    gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
    assert times[0] == 100.0
    assert gaps == pytest.approx([1 / per_second] * 5)


def test_an_idle_run_banks_no_burst() -> None:
    clock = FakeClock()
    limiter = RateLimiter(2.0, clock=clock, sleep=clock.sleep)
    starts(limiter, clock, 2)
    clock.now += 60.0  # a long idle spell, e.g. one slow invocation

    times = starts(limiter, clock, 3)

    assert [round(t - times[0], 6) for t in times] == [0.0, 0.5, 1.0]


def test_a_slow_worker_does_not_push_the_schedule_back() -> None:
    clock = FakeClock()
    limiter = RateLimiter(4.0, clock=clock, sleep=clock.sleep)
    limiter.wait()  # slot at 100.00
    limiter.wait()  # slot at 100.25 (slept)
    clock.now += 0.1  # work that takes less than an interval

    limiter.wait()

    assert clock.now == pytest.approx(100.5)


def test_no_rate_never_sleeps() -> None:
    slept: list[float] = []
    limiter = RateLimiter(None, clock=lambda: 0.0, sleep=slept.append)

    for _ in range(100):
        limiter.wait()

    assert slept == []


@pytest.mark.parametrize("per_second", [0.0, -1.0])
def test_a_rate_that_is_not_positive_is_refused(per_second: float) -> None:
    # "No rate" is None; a zero from a typo must not disable pacing silently.
    with pytest.raises(ValueError, match="rate must be positive"):
        RateLimiter(per_second)
