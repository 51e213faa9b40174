"""The decision: does the gate defer at this instant, why, and until when.

Pure functions of a document and a clock reading. Time-zone work happens here and
only here; the gate calls :func:`decide` once per document or boundary, never per
invocation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from gate.document import AbsoluteWindow, Mode, RecurringWindow, WindowDocument

# How far ahead recurring windows are expanded. Every recurring window occurs at
# least weekly, so eight days always reaches the next boundary of any single one.
_HORIZON = timedelta(days=8)


@dataclass(frozen=True)
class Interval:
    start: datetime
    end: datetime
    label: str


@dataclass(frozen=True)
class Decision:
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
    lands after the gap, and one in a fall-back overlap means its first occurrence
    (fold=0), so a window is never silently skipped on a DST day.
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
        start = _local_instant(day, window, zone, at_end=False)
        end = _local_instant(end_day, window, zone, at_end=True)
        if end > start:
            intervals.append(Interval(start, end, label))
    return intervals


def _local_instant(day: date, window: RecurringWindow, zone: object, *, at_end: bool) -> datetime:
    wall = datetime.combine(day, window.end if at_end else window.start, tzinfo=zone)  # type: ignore[arg-type]
    return wall.astimezone(timezone.utc)


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
