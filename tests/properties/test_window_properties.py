"""Property-based tests of the window logic: decide(document, now) against a reference model.

DST starts and ends in both hemispheres (Lord Howe's 30-minute shift included),
windows crossing midnight and year ends, adjacent and overlapping windows, half-open
boundaries, and ``until`` being truly the next change.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from gate.window.decide import decide, upcoming_intervals
from gate.window.document import WindowDocument, parse_document, parse_mapping
from tests.properties.budget import bounded
from tests.properties.windows import (
    absolute_windows,
    documents,
    documents_and_instants,
    instants,
    recurring_windows,
    reference_defers,
    reference_occurrences,
    transitions,
)

UTC = timezone.utc
MS = timedelta(milliseconds=1)
# decide() looks eight days ahead: a chain of windows longer than that ends there and
# is looked at again, so its `until` is a re-evaluation point, not necessarily a change.
HORIZON = timedelta(days=7)
BOUNDED = bounded(150)


def between(start: datetime, end: datetime, fraction: float) -> datetime:
    """An instant in [start, end); timedelta arithmetic rounds to microseconds, so clamp below end."""
    return min(start + (end - start) * fraction, end - timedelta(microseconds=1))


@BOUNDED
@given(case=documents_and_instants())
def test_decide_agrees_with_the_reference_model(case: tuple[WindowDocument, datetime]) -> None:
    document, now = case
    assert decide(document, now).defer == reference_defers(document, now)


# Windows that start in a spring-forward gap and end so soon after it that they vanish that day:
# `until` must step over the vanished occurrence.
_VANISHING_ROME = '{"recurring": [{"start": "02:30", "end": "03:00", "timezone": "Europe/Rome"}]}'
_VANISHING_LORD_HOWE = '{"recurring": [{"start": "02:00", "end": "02:30", "timezone": "Australia/Lord_Howe"}]}'


@BOUNDED
@given(case=documents_and_instants(), fraction=st.floats(0, 1, exclude_max=True))
@example(case=(parse_document(_VANISHING_ROME), datetime(2026, 3, 28, 12, tzinfo=UTC)), fraction=0.5)
@example(case=(parse_document(_VANISHING_LORD_HOWE), datetime(2026, 10, 3, 3, tzinfo=UTC)), fraction=0.5)
def test_until_is_the_next_change(case: tuple[WindowDocument, datetime], fraction: float) -> None:
    document, now = case
    decision = decide(document, now)
    if decision.until is None:
        # Nothing changes by the clock: a week later, the same answer.
        assert reference_defers(document, now + HORIZON) == decision.defer
        return

    until = decision.until
    assert until > now
    # Nothing changes before `until`: just before it, and anywhere between
    assert decide(document, until - MS).defer == decision.defer
    assert reference_defers(document, between(now, until, fraction)) == decision.defer
    # ... and at `until` the decision changes, unless a block of windows was cut at the horizon
    if until - now < HORIZON:
        assert decide(document, until).defer != decision.defer


@BOUNDED
@given(windows=absolute_windows(), data=st.data())
def test_adjacent_and_overlapping_windows_defer_as_one_block(
    windows: list[dict[str, str]], data: st.DataObject
) -> None:
    document = parse_mapping({"windows": windows})
    intervals = sorted((window.start, window.end) for window in document.windows)
    # The union of the windows, merged where they touch or overlap
    blocks: list[list[datetime]] = []
    for start, end in intervals:
        if blocks and start <= blocks[-1][1]:
            blocks[-1][1] = max(blocks[-1][1], end)
        else:
            blocks.append([start, end])
    start, end = data.draw(st.sampled_from(blocks))
    inside = between(start, end, data.draw(st.floats(0, 1, exclude_max=True)))

    at_start, inside_decision, at_end = decide(document, start), decide(document, inside), decide(document, end)

    # Half-open: deferring from the block's first instant, to its end, not at its end
    assert (at_start.defer, at_start.until) == (True, end)
    assert (inside_decision.defer, inside_decision.until) == (True, end)
    assert decide(document, end - timedelta(microseconds=1)).defer
    assert not at_end.defer
    assert not decide(document, start - timedelta(microseconds=1)).defer
    later = [block_start for block_start, _ in blocks if block_start > end]
    assert at_end.until == (min(later) if later else None)


@BOUNDED
@given(window=recurring_windows(), data=st.data())
def test_each_recurring_occurrence_is_half_open(window: dict[str, Any], data: st.DataObject) -> None:
    document = parse_mapping({"recurring": [window]})
    now = data.draw(instants((window["timezone"],)))
    for start, end in reference_occurrences(document, now):
        if end <= start:
            continue  # wholly inside a spring-forward gap: that day it does not happen
        assert decide(document, start).defer
        assert decide(document, end - MS).defer
        assert decide(document, end).defer == reference_defers(document, end)
        assert decide(document, start - MS).defer == reference_defers(document, start - MS)


@BOUNDED
@given(document=documents())
@example(
    document=parse_document('{"recurring": [{"start": "23:00", "end": "01:00", "timezone": "Australia/Lord_Howe"}]}')
)
def test_a_parsed_document_writes_back_as_an_equal_document(document: WindowDocument) -> None:
    assert parse_document(document.dumps()) == document


# Named cases, for the reader: each is also within reach of the properties above.


def local(zone: str, *args: int, fold: int = 0) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo(zone), fold=fold)  # type: ignore[misc]


def test_lord_howe_springs_forward_thirty_minutes() -> None:
    # 2026-10-04 02:00 local (+10:30) becomes 02:30 (+11:00)
    [change] = [moment for moment in transitions("Australia/Lord_Howe") if moment.year == 2026 and moment.month == 10]
    assert change == local("Australia/Lord_Howe", 2026, 10, 4, 2, 30).astimezone(UTC)
    window = {"days": ["sun"], "start": "01:45", "end": "02:45", "timezone": "Australia/Lord_Howe"}
    document = parse_mapping({"recurring": [window]})

    decision = decide(document, local("Australia/Lord_Howe", 2026, 10, 4, 1, 50))

    # 01:45 to 02:45 local lasts thirty minutes that night
    assert decision.defer
    assert decision.until == local("Australia/Lord_Howe", 2026, 10, 4, 2, 45).astimezone(UTC)
    assert decision.until - local("Australia/Lord_Howe", 2026, 10, 4, 1, 45) == timedelta(minutes=30)


def test_a_window_starting_in_the_spring_forward_gap_is_read_after_it() -> None:
    # Rome skips 02:00 to 03:00 on 2026-03-29: 02:15 to 02:45 runs from 03:15 to 03:45 that day
    window = {"days": ["sun"], "start": "02:15", "end": "02:45", "timezone": "Europe/Rome"}
    document = parse_mapping({"recurring": [window]})

    deferring = [minute for minute in range(60) if decide(document, local("Europe/Rome", 2026, 3, 29, 3, minute)).defer]

    assert deferring == list(range(15, 45))


def test_a_window_of_exactly_the_skipped_hour_does_not_happen_that_day() -> None:
    window = {"days": ["sun"], "start": "02:00", "end": "03:00", "timezone": "Europe/Rome"}
    document = parse_mapping({"recurring": [window]})

    assert not decide(document, local("Europe/Rome", 2026, 3, 29, 1, 59, 59)).defer
    assert not decide(document, local("Europe/Rome", 2026, 3, 29, 3, 0)).defer
    assert decide(document, local("Europe/Rome", 2026, 3, 22, 2, 30)).defer  # the Sunday before, it does


def test_a_window_starting_in_the_gap_and_ending_soon_after_it_still_happens() -> None:
    # Rome skips 02:00 to 03:00 on 2026-03-29; of 02:30 to 03:15 only 03:00 to 03:15 exists that day.
    window = {"days": ["sun"], "start": "02:30", "end": "03:15", "timezone": "Europe/Rome"}
    document = parse_mapping({"recurring": [window]})

    assert decide(document, local("Europe/Rome", 2026, 3, 29, 3, 10)).defer


@pytest.mark.parametrize(
    ("start", "end", "end_utc"),
    [
        ("02:30", "03:30", datetime(2026, 3, 29, 1, 30, tzinfo=UTC)),
        ("02:01", "03:00:30", datetime(2026, 3, 29, 1, 0, 30, tzinfo=UTC)),
    ],
    ids=["start-reads-as-its-end", "start-reads-past-its-end"],
)
def test_a_window_the_gap_shortens_to_nothing_read_after_it_starts_at_the_clock_jump(
    start: str, end: str, end_utc: datetime
) -> None:
    # Rome skips 02:00 to 03:00 on 2026-03-29 (01:00 UTC). Read after the gap, these starts
    # fall on or past their ends, yet the part from 03:00 exists; it starts at the jump, to the second.
    window = {"days": ["sun"], "start": start, "end": end, "timezone": "Europe/Rome"}
    document = parse_mapping({"recurring": [window]})
    now = local("Europe/Rome", 2026, 3, 29, 3, 0, 10)

    [occurrence, *_] = upcoming_intervals(document, now)

    assert decide(document, now).defer
    assert (occurrence.start, occurrence.end) == (datetime(2026, 3, 29, 1, tzinfo=UTC), end_utc)


@pytest.mark.parametrize(("fold", "defers"), [(0, True), (1, False)], ids=["first-pass", "second-pass"])
def test_a_window_in_the_fall_back_overlap_means_its_first_occurrence(fold: int, defers: bool) -> None:
    # New York repeats 01:00 to 02:00 on 2026-11-01
    window = {"days": ["sun"], "start": "01:00", "end": "01:30", "timezone": "America/New_York"}
    document = parse_mapping({"recurring": [window]})

    assert decide(document, local("America/New_York", 2026, 11, 1, 1, 10, fold=fold)).defer is defers


def test_a_recurring_window_crosses_midnight_into_the_new_year() -> None:
    assert local("Europe/Rome", 2026, 12, 31).weekday() == 3  # a Thursday
    window = {"days": ["thu"], "start": "23:00", "end": "01:00", "timezone": "Europe/Rome"}
    document = parse_mapping({"recurring": [window]})

    decision = decide(document, local("Europe/Rome", 2027, 1, 1, 0, 30))

    assert decision.defer
    assert decision.until == local("Europe/Rome", 2027, 1, 1, 1, 0).astimezone(UTC)
    assert not decide(document, local("Europe/Rome", 2027, 1, 1, 23, 30)).defer  # Friday: not a start day


def test_a_one_off_window_across_the_year_end_is_half_open() -> None:
    text = json.dumps({"windows": [{"start": "2026-12-31T23:00:00Z", "end": "2027-01-01T01:00:00+01:00"}]})
    document = parse_document(text)
    start, end = datetime(2026, 12, 31, 23, tzinfo=UTC), datetime(2027, 1, 1, 0, tzinfo=UTC)

    assert [decide(document, moment).defer for moment in (start - MS, start, end - MS, end)] == [
        False,
        True,
        True,
        False,
    ]
