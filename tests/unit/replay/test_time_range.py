"""The queue index's sort-key bounds select exactly the half-open deferral-time range."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from gate.deferral import table as schema
from gate.replay.records import TimeRange

MS = st.integers(min_value=0, max_value=10**13)


@given(since=st.none() | MS, until=st.none() | MS, at=MS, request_id=st.text(min_size=1, max_size=40))
def test_order_bounds_select_exactly_the_half_open_range(
    since: int | None, until: int | None, at: int, request_id: str
) -> None:
    window = TimeRange(since, until)
    low, high = window.order_bounds()

    assert (low <= schema.order_value(at, request_id) <= high) == window.contains(at)
