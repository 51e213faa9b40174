"""decide(document, now): pure, half-open, across zones and midnight."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from gate.window.decide import Decision, decide, upcoming_intervals
from gate.window.document import parse_document

UTC = timezone.utc
ONE_WINDOW = parse_document('{"windows": [{"start": "2026-12-01T22:00:00Z", "end": "2026-12-02T02:00:00Z"}]}')


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def test_windows_are_half_open() -> None:
    assert not decide(ONE_WINDOW, at("2026-12-01T21:59:59.999+00:00")).defer
    assert decide(ONE_WINDOW, at("2026-12-01T22:00:00+00:00")).defer
    assert decide(ONE_WINDOW, at("2026-12-02T01:59:59.999+00:00")).defer
    assert not decide(ONE_WINDOW, at("2026-12-02T02:00:00+00:00")).defer


def test_until_is_the_next_change() -> None:
    before = decide(ONE_WINDOW, at("2026-12-01T12:00:00+00:00"))
    inside = decide(ONE_WINDOW, at("2026-12-01T23:00:00+00:00"))
    after = decide(ONE_WINDOW, at("2026-12-02T03:00:00+00:00"))

    assert before.until == at("2026-12-01T22:00:00+00:00")
    assert inside.until == at("2026-12-02T02:00:00+00:00") and inside.window == "windows[0]"
    assert after.until is None


def test_modes_override_windows() -> None:
    maintenance = parse_document('{"mode": "maintenance", "windows": []}')
    live = parse_document(
        '{"mode": "live", "windows": [{"start": "2026-01-01T00:00:00Z", "end": "2027-01-01T00:00:00Z"}]}'
    )

    assert decide(maintenance, at("2026-06-01T00:00:00+00:00")).defer
    assert not decide(live, at("2026-06-01T00:00:00+00:00")).defer


def test_a_recurring_window_crossing_midnight_belongs_to_its_start_day() -> None:
    # Friday 23:00 to Saturday 01:00 in Rome (UTC+1 in December).
    document = parse_document(
        '{"recurring": [{"days": ["fri"], "start": "23:00", "end": "01:00", "timezone": "Europe/Rome"}]}'
    )

    assert decide(document, at("2026-12-04T22:30:00+00:00")).defer  # Fri 23:30 local
    assert decide(document, at("2026-12-04T23:59:00+00:00")).defer  # Sat 00:59 local
    assert not decide(document, at("2026-12-05T00:00:00+00:00")).defer  # Sat 01:00 local
    assert not decide(document, at("2026-12-05T22:30:00+00:00")).defer  # Sat 23:30 local: not a start day


def test_a_recurring_window_follows_daylight_saving_time() -> None:
    document = parse_document(
        '{"recurring": [{"days": ["sun"], "start": "01:00", "end": "03:30", "timezone": "Europe/Rome"}]}'
    )

    # Winter: 01:00 CET is 00:00 UTC. Summer: 01:00 CEST is 23:00 UTC the day before.
    assert decide(document, at("2026-01-11T00:00:00+00:00")).defer
    assert not decide(document, at("2026-01-10T23:30:00+00:00")).defer
    assert decide(document, at("2026-07-04T23:30:00+00:00")).defer


def test_adjacent_windows_defer_as_one_block() -> None:
    document = parse_document(
        '{"windows": [{"start": "2026-12-01T00:00:00Z", "end": "2026-12-01T01:00:00Z"},'
        ' {"start": "2026-12-01T01:00:00Z", "end": "2026-12-01T02:00:00Z"}]}'
    )

    decision = decide(document, at("2026-12-01T00:30:00+00:00"))

    assert decision.until == at("2026-12-01T02:00:00+00:00")


def test_retry_after_rounds_up_to_whole_seconds() -> None:
    # 1.2 s and 2.9 s left: rounding to nearest would give 1 and 3, truncating 1 and 2.
    decision = decide(ONE_WINDOW, at("2026-12-02T01:59:58.800+00:00"))

    assert decision.retry_after_seconds(at("2026-12-02T01:59:58.800+00:00").timestamp()) == 2
    assert decision.retry_after_seconds(at("2026-12-02T01:59:57.100+00:00").timestamp()) == 3


def test_upcoming_intervals_lists_active_and_future_windows_in_order() -> None:
    document = parse_document(
        '{"windows": [{"start": "2026-12-03T00:00:00Z", "end": "2026-12-03T01:00:00Z"}],'
        ' "recurring": [{"start": "12:00", "end": "13:00", "timezone": "UTC", "name": "lunch"}]}'
    )

    intervals = upcoming_intervals(document, at("2026-12-01T12:30:00+00:00"))

    assert intervals[0].label == "recurring[0] (lunch)" and intervals[0].start == at("2026-12-01T12:00:00+00:00")
    assert [interval.start for interval in intervals] == sorted(interval.start for interval in intervals)
    assert any(interval.label == "windows[0]" for interval in intervals)
    assert all(interval.end > at("2026-12-01T12:30:00+00:00") for interval in intervals)
    assert intervals[-1].start <= at("2026-12-01T12:30:00+00:00") + timedelta(days=9)


def test_retry_after_is_at_least_one_second() -> None:
    # 0.3 s left rounds up to 1; a change already past still asks for 1, never 0 or less.
    decision = decide(ONE_WINDOW, at("2026-12-02T01:00:00+00:00"))

    assert decision.retry_after_seconds(at("2026-12-02T01:59:59.700+00:00").timestamp()) == 1
    assert decision.retry_after_seconds(at("2026-12-02T02:00:05+00:00").timestamp()) == 1


def test_a_naive_clock_reading_is_refused() -> None:
    with pytest.raises(ValueError, match=r"^now must be timezone-aware$"):
        decide(ONE_WINDOW, datetime(2026, 12, 1, 23))


def test_each_decision_says_why() -> None:
    named = parse_document(
        '{"windows": [{"start": "2026-12-01T22:00:00Z", "end": "2026-12-02T02:00:00Z", "name": "deploy"}]}'
    )
    now = at("2026-12-01T23:00:00+00:00")

    assert decide(parse_document('{"mode": "maintenance"}'), now).reason == "mode is maintenance"
    assert decide(parse_document('{"mode": "live"}'), now).reason == "mode is live"
    assert decide(named, now) == Decision(
        defer=True,
        reason="inside windows[0] (deploy)",
        window="windows[0] (deploy)",
        until=at("2026-12-02T02:00:00+00:00"),
    )
    assert decide(named, at("2026-12-01T21:00:00+00:00")).reason == "outside every window"


def test_upcoming_intervals_leaves_out_a_window_ending_now() -> None:
    assert upcoming_intervals(ONE_WINDOW, at("2026-12-02T02:00:00+00:00")) == []
    assert len(upcoming_intervals(ONE_WINDOW, at("2026-12-02T01:59:59.999+00:00"))) == 1


def test_upcoming_intervals_reaches_eight_days_ahead_and_no_further() -> None:
    daily = parse_document('{"recurring": [{"start": "12:00", "end": "13:00", "timezone": "UTC"}]}')

    intervals = upcoming_intervals(daily, at("2026-12-01T12:30:00+00:00"))

    assert [interval.start for interval in intervals] == [
        at("2026-12-01T12:00:00+00:00") + timedelta(days=day) for day in range(9)
    ]
