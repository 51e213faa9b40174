"""benchmarks/throttling.py: a throttled environment's requests, through the gate's own cache and reader."""

from __future__ import annotations

from benchmarks import throttling


def test_a_fully_throttled_environment_sends_one_request_per_backed_off_read() -> None:
    # 40 s at TTL 1 s: reads at 0, then after U(1,2), U(2,4), U(4,8), U(8,16), U(16,32) s:
    # five always, a sixth when the draws are short. One request each.
    counts = throttling.measure(environments=5, seconds=40.0, ttl=1.0)

    assert all(5 <= count <= 6 for count in counts), counts


def test_the_old_retry_within_a_read_doubled_it() -> None:
    counts = throttling.measure(environments=3, seconds=40.0, ttl=1.0, retry_throttling=True)

    assert all(10 <= count <= 12 for count in counts), counts
