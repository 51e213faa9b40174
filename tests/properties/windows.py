"""Strategies for window documents and instants near the hard cases, and a reference model.

The reference model (:func:`reference_defers`) says whether a document defers at an
instant by enumerating each window's occurrences itself. It turns local wall times
into instants with nothing but ``astimezone`` from UTC (no ``fold`` arithmetic), so it
shares no code path with ``gate.window.decide``:

- a wall time that occurs twice (fall-back overlap) means its first occurrence;
- a wall time that does not occur (spring-forward gap) is read after the gap, i.e.
  shifted by the offset in force before the transition; a start that this carries
  past the window's end starts at the clock jump instead.
"""

from __future__ import annotations

import functools
from datetime import date, datetime, time, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import strategies as st

from gate.window.document import DAY_NAMES, Mode, WindowDocument, parse_mapping

UTC = timezone.utc
# DST in both hemispheres, a 30-minute shift (Lord Howe), 45-minute offsets (Chatham),
# half-hour offsets without DST (Kolkata), negative DST (Dublin), the date line.
ZONES = (
    "UTC",
    "Europe/Rome",
    "Europe/London",
    "Europe/Dublin",
    "America/New_York",
    "America/St_Johns",
    "America/Santiago",
    "Australia/Sydney",
    "Australia/Lord_Howe",
    "Pacific/Chatham",
    "Asia/Kolkata",
    "Pacific/Kiritimati",
)
FIRST_YEAR, LAST_YEAR = 2025, 2028


@functools.cache
def transitions(zone_name: str) -> tuple[datetime, ...]:
    """Every UTC-offset change of a zone between FIRST_YEAR and LAST_YEAR, to the second."""
    zone = ZoneInfo(zone_name)
    found = []
    step = timedelta(hours=6)
    moment = datetime(FIRST_YEAR, 1, 1, tzinfo=UTC)
    offset = moment.astimezone(zone).utcoffset()
    while moment.year <= LAST_YEAR:
        following = moment + step
        if following.astimezone(zone).utcoffset() != offset:
            low, high = moment, following  # the offset changes in (low, high]
            while high - low > timedelta(seconds=1):
                middle = low + (high - low) / 2
                if middle.astimezone(zone).utcoffset() == offset:
                    low = middle
                else:
                    high = middle
            found.append(high.replace(microsecond=0))
            offset = following.astimezone(zone).utcoffset()
        moment = following
    return tuple(found)


def _near(anchor: datetime, reach_seconds: int) -> st.SearchStrategy[datetime]:
    close = st.sampled_from([0, 1, -1, 1800, -1800, 3600, -3600, 5400, -5400])
    offsets = close | st.integers(-reach_seconds, reach_seconds)
    micro = st.sampled_from([0, 0, 0, 1, 999_999]) | st.integers(0, 999_999)
    return st.builds(lambda seconds, micros: anchor + timedelta(seconds=seconds, microseconds=micros), offsets, micro)


def near_a_transition(zone_name: str) -> st.SearchStrategy[datetime]:
    return st.sampled_from(transitions(zone_name)).flatmap(lambda moment: _near(moment, 2 * 86_400))


def near_a_year_end() -> st.SearchStrategy[datetime]:
    years = st.integers(FIRST_YEAR, LAST_YEAR - 1)
    return years.flatmap(lambda year: _near(datetime(year + 1, 1, 1, tzinfo=UTC), 2 * 86_400))


def any_instant() -> st.SearchStrategy[datetime]:
    return st.datetimes(
        min_value=datetime(FIRST_YEAR, 1, 1), max_value=datetime(LAST_YEAR, 12, 31), timezones=st.just(UTC)
    )


def instants(zone_names: tuple[str, ...] = ZONES) -> st.SearchStrategy[datetime]:
    """Mostly instants within two days of a zone's UTC-offset change, else near a year end, or anywhere."""
    changing = [name for name in zone_names if transitions(name)]
    near_changes = st.sampled_from(changing).flatmap(near_a_transition) if changing else any_instant()
    return near_changes | near_a_year_end() | any_instant() | near_changes


# Wall times around the usual DST transitions (01:00 to 03:00) and around midnight.
_HARD_TIMES = ("00:00", "00:30", "01:00", "01:30", "01:45", "02:00", "02:15", "02:30", "02:45", "03:00", "23:30")
_ANY_TIME = st.builds(
    lambda hour, minute: f"{hour:02d}:{minute:02d}", st.integers(0, 23), st.sampled_from([0, 15, 30, 45, 59])
)


@functools.cache
def transition_wall_times(zone_name: str) -> tuple[str, ...]:
    """Local wall times within an hour either side of the zone's offset changes (gaps and overlaps)."""
    zone = ZoneInfo(zone_name)
    walls = set(_HARD_TIMES)
    for moment in transitions(zone_name):
        for minutes in range(-60, 61, 15):
            walls.add((moment + timedelta(minutes=minutes)).astimezone(zone).strftime("%H:%M"))
    return tuple(sorted(walls))


def wall_times(zone_name: str) -> st.SearchStrategy[str]:
    return st.sampled_from(transition_wall_times(zone_name)) | _ANY_TIME


@st.composite
def recurring_windows(draw: st.DrawFn, zone_names: tuple[str, ...] = ZONES) -> dict[str, Any]:
    zone_name = draw(st.sampled_from(zone_names))
    start = draw(wall_times(zone_name))
    end = draw(wall_times(zone_name).filter(lambda value: value != start))
    days = draw(st.just(list(DAY_NAMES)) | st.lists(st.sampled_from(DAY_NAMES), min_size=1, max_size=7, unique=True))
    return {"days": days, "start": start, "end": end, "timezone": zone_name}


@st.composite
def absolute_windows(draw: st.DrawFn, around: datetime | None = None) -> list[dict[str, Any]]:
    """One to four windows sharing boundaries: adjacent, overlapping, nested or apart."""
    anchor = around or draw(instants())
    points = sorted(
        anchor + timedelta(seconds=seconds)
        for seconds in draw(st.lists(st.integers(-3 * 86_400, 3 * 86_400), min_size=2, max_size=5, unique=True))
    )
    windows = []
    for _ in range(draw(st.integers(1, 4))):
        first = draw(st.integers(0, len(points) - 2))
        last = draw(st.integers(first + 1, len(points) - 1))
        offset = draw(st.sampled_from([0, 60, 330, -300, 525]))  # write them with different UTC offsets
        zone = timezone(timedelta(minutes=offset))
        windows.append(
            {"start": points[first].astimezone(zone).isoformat(), "end": points[last].astimezone(zone).isoformat()}
        )
    return windows


@st.composite
def documents(draw: st.DrawFn, zone_names: tuple[str, ...] = ZONES) -> WindowDocument:
    data: dict[str, Any] = {
        "windows": draw(st.one_of(st.just([]), absolute_windows())),
        "recurring": draw(st.lists(recurring_windows(zone_names), max_size=3)),
    }
    if draw(st.integers(0, 9)) == 0:
        data["mode"] = draw(st.sampled_from([mode.value for mode in Mode]))
    return parse_mapping(data)


@st.composite
def documents_and_instants(draw: st.DrawFn) -> tuple[WindowDocument, datetime]:
    """A document, and an instant near an offset change of one of its zones or near one of its boundaries."""
    document = draw(documents())
    zones = tuple({window.timezone for window in document.recurring})
    now = draw(instants(zones) if zones and draw(st.booleans()) else instants())
    boundaries = sorted({moment for occurrence in reference_occurrences(document, now) for moment in occurrence})
    if boundaries and draw(st.booleans()):
        shift = draw(st.sampled_from([0, 1, -1, 1_000_000, -1_000_000, 1_800_000_000, -1_800_000_000, 3_600_000_000]))
        now = draw(st.sampled_from(boundaries)) + timedelta(microseconds=shift)
    return document, now


def wall_to_instant(day: date, wall: time, zone: ZoneInfo) -> datetime:
    """The instant a local wall time names, by the README's rules, using only conversions from UTC."""
    naive = datetime.combine(day, wall)
    as_if_utc = naive.replace(tzinfo=UTC)
    offsets = {(as_if_utc + timedelta(hours=hours)).astimezone(zone).utcoffset() for hours in range(-30, 31, 6)}
    matches = [
        as_if_utc - offset
        for offset in offsets
        if offset is not None and (as_if_utc - offset).astimezone(zone).replace(tzinfo=None) == naive
    ]
    if matches:
        return min(matches)  # the first occurrence
    before = (as_if_utc - timedelta(days=1)).astimezone(zone).utcoffset()
    assert before is not None
    return as_if_utc - before  # in a gap: read after it


def reference_occurrences(document: WindowDocument, now: datetime) -> list[tuple[datetime, datetime]]:
    """Every window occurrence that could contain ``now``."""
    found = [(window.start, window.end) for window in document.windows]
    for window in document.recurring:
        zone = ZoneInfo(window.timezone)
        local_day = now.astimezone(zone).date()
        for back in range(-2, 2):
            day = local_day + timedelta(days=back)
            if day.weekday() not in window.days:
                continue
            end_day = day + timedelta(days=1) if window.end <= window.start else day
            start, end = wall_to_instant(day, window.start, zone), wall_to_instant(end_day, window.end, zone)
            if end <= start and not occurs(day, window.start, zone):
                start = clock_jump_before(start, zone)
            found.append((start, end))
    return found


def occurs(day: date, wall: time, zone: ZoneInfo) -> bool:
    naive = datetime.combine(day, wall)
    return wall_to_instant(day, wall, zone).astimezone(zone).replace(tzinfo=None) == naive


def clock_jump_before(instant: datetime, zone: ZoneInfo) -> datetime:
    """Walk back minute by minute to the offset change (tz transitions fall on whole minutes)."""
    offset = instant.astimezone(zone).utcoffset()
    while (instant - timedelta(minutes=1)).astimezone(zone).utcoffset() == offset:
        instant -= timedelta(minutes=1)
    return instant


def reference_defers(document: WindowDocument, now: datetime) -> bool:
    if document.mode is Mode.MAINTENANCE:
        return True
    if document.mode is Mode.LIVE:
        return False
    return any(start <= now < end for start, end in reference_occurrences(document, now))
