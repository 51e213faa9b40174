"""The decision: does the gate defer at this instant, why, and until when.

Pure functions of a document and a clock reading. Time-zone work happens here and
only here; the gate calls :func:`decide` once per document or boundary, never per
invocation.
"""

from __future__ import annotations

import math
from datetime import date, datetime, time, timedelta, timezone

from gate.records import NamedTuple
from gate.window.document import AbsoluteWindow, Mode, RecurringWindow, WindowDocument

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (gate.records says why)

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

# How far ahead recurring windows are expanded. Every recurring window occurs at
# least weekly, so eight days always reaches the next boundary of any single one.
_HORIZON = timedelta(days=8)


class Interval(NamedTuple):
    start: datetime
    end: datetime
    label: str


class Decision(NamedTuple):
    """What the gate does now. ``until`` is when that may next change (None: not by the clock)."""

    defer: bool
    reason: str
    window: str | None = None
    until: datetime | None = None

    def retry_after_seconds(self, now_epoch: float) -> int | None:
        """Whole seconds until the decision changes, rounded up; None when not known."""
        if self.until is None:
            return None
        return max(1, math.ceil(self.until.timestamp() - now_epoch))


def decide(document: WindowDocument, now: datetime) -> Decision:
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    now = now.astimezone(timezone.utc)
    if document.mode is Mode.MAINTENANCE:
        return Decision(defer=True, reason="mode is maintenance")
    if document.mode is Mode.LIVE:
        return Decision(defer=False, reason="mode is live")
    intervals = sorted(_intervals_around(document, now), key=lambda interval: interval.start)
    active = [interval for interval in intervals if interval.start <= now < interval.end]
    if active:
        end = _end_of_covered_block(intervals, now)
        label = active[0].label
        return Decision(defer=True, reason=f"inside {label}", window=label, until=end)
    upcoming = [interval.start for interval in intervals if interval.start > now]
    return Decision(defer=False, reason="outside every window", until=min(upcoming) if upcoming else None)


def upcoming_intervals(document: WindowDocument, now: datetime) -> list[Interval]:
    """Windows that are active or start within the horizon, in start order (for status output)."""
    now = now.astimezone(timezone.utc)
    return sorted(
        (interval for interval in _intervals_around(document, now) if interval.end > now),
        key=lambda interval: interval.start,
    )


def _intervals_around(document: WindowDocument, now: datetime) -> list[Interval]:
    intervals = [_absolute_interval(window, index) for index, window in enumerate(document.windows)]
    for index, window in enumerate(document.recurring):
        intervals.extend(_recurring_intervals(window, index, now))
    return intervals


def _absolute_interval(window: AbsoluteWindow, index: int) -> Interval:
    return Interval(window.start, window.end, _label(f"windows[{index}]", window.name))


def _recurring_intervals(window: RecurringWindow, index: int, now: datetime) -> list[Interval]:
    """Occurrences of a weekly window from two days back to the horizon.

    Local wall times become instants through zoneinfo: a time in a spring-forward gap
    is read after the gap (shifted by its length), and one in a fall-back overlap means
    its first occurrence (fold=0). A start that the shift carries past the end starts
    at the clock jump instead, so only a window lying wholly inside a gap is absent
    that day.
    """
    zone = window.zone
    label = _label(f"recurring[{index}]", window.name)
    today = now.astimezone(zone).date()
    intervals = []
    for offset in range(-2, _HORIZON.days + 1):
        day = today + timedelta(days=offset)
        if day.weekday() not in window.days:
            continue
        end_day = day + timedelta(days=1) if window.crosses_midnight else day
        start = _local_instant(day, window.start, zone)
        end = _local_instant(end_day, window.end, zone)
        if end <= start and _in_gap(day, window.start, zone):
            # Read after the gap, the start passed the end: keep the part of the window that exists.
            start = _clock_jump(day, window.start, zone)
        if end > start:
            intervals.append(Interval(start, end, label))
    return intervals


def _local_instant(day: date, wall_time: time, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, wall_time, tzinfo=zone).astimezone(timezone.utc)


def _in_gap(day: date, wall_time: time, zone: ZoneInfo) -> bool:
    wall = datetime.combine(day, wall_time)
    return _local_instant(day, wall_time, zone).astimezone(zone).replace(tzinfo=None) != wall


def _clock_jump(day: date, wall_time: time, zone: ZoneInfo) -> datetime:
    """The instant a spring-forward gap holding this wall time ends, to the second."""
    wall = datetime.combine(day, wall_time, tzinfo=zone)
    before = wall.replace(fold=1).astimezone(timezone.utc)  # read with the offset after the jump: earlier
    after = wall.astimezone(timezone.utc)
    offset_after = after.astimezone(zone).utcoffset()
    while after - before > timedelta(seconds=1):
        middle = before + timedelta(seconds=(after - before).total_seconds() // 2)
        if middle.astimezone(zone).utcoffset() == offset_after:
            after = middle
        else:
            before = middle
    return after


def _end_of_covered_block(intervals: list[Interval], now: datetime) -> datetime:
    """Adjacent and overlapping windows defer as one: the block ends where no window continues it."""
    end = now
    extended = True
    while extended:
        extended = False
        for interval in intervals:
            if interval.start <= end < interval.end:
                end = interval.end
                extended = True
    return end


def _label(position: str, name: str | None) -> str:
    return f"{position} ({name})" if name else position
