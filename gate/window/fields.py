"""One field of a window document at a time: instants, local times, days and zones, and the error naming it.

Split from :mod:`gate.window.document`, which assembles these into windows; every
message a bad field produces is written here.
"""

from __future__ import annotations

import functools
import os
import re
from datetime import datetime, time, timezone

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (gate.records says why)

if TYPE_CHECKING:
    from typing import Any

# Years outside this range are typos (2062 for 2026 stays allowed, 20266 does not).
MIN_YEAR = 2000
MAX_YEAR = 2199

DAY_NAMES: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# YYYY-MM-DD, T or a space, HH:MM[:SS[.f...]], then Z or +HH:MM (absent: reported as naive).
_ISO_INSTANT = re.compile(r"^(\d{4}-\d{2}-\d{2})[Tt ](\d{2}:\d{2}(?::\d{2})?)(\.\d{1,6})?([Zz]|[+-]\d{2}:\d{2})?$")
_TIME_OF_DAY = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)(?::([0-5]\d))?$")


class WindowDocumentError(ValueError):
    """Raised when a window document is malformed; names the field and the bad value."""

    def __init__(self, field_path: str, value: Any, problem: str) -> None:
        self.field = field_path
        self.value = value
        self.problem = problem
        super().__init__(f"{field_path}: {problem} (got {show(value)})")


def parse_instant(value: Any, field_path: str) -> datetime:
    """An ISO-8601 instant with an explicit UTC offset, returned in UTC.

    Only the extended form is accepted, and it is normalised before
    ``fromisoformat``, because Python 3.10 (a Lambda runtime the gate supports) parses
    far less than 3.11 does: a document the CLI accepts must also load on Lambda.
    """
    if not isinstance(value, str):
        raise WindowDocumentError(field_path, value, "must be an ISO-8601 string with a UTC offset")
    match = _ISO_INSTANT.match(value.strip())
    if match is None:
        raise WindowDocumentError(field_path, value, "is not an ISO-8601 date-time such as 2026-12-01T22:00:00+00:00")
    date_part, clock, fraction, offset = match.groups()
    if offset is None:
        raise WindowDocumentError(field_path, value, "has no UTC offset; add one such as +00:00 or Z")
    fraction = fraction.ljust(7, "0") if fraction else ""  # 3.10 wants 3 or 6 digits
    normalised = f"{date_part}T{clock}{':00' if len(clock) == 5 else ''}{fraction}"
    normalised += "+00:00" if offset in ("Z", "z") else offset
    try:
        parsed = datetime.fromisoformat(normalised)
    except ValueError:
        raise WindowDocumentError(field_path, value, "is not a valid date-time") from None
    if not MIN_YEAR <= parsed.year <= MAX_YEAR:
        raise WindowDocumentError(field_path, value, f"year must be between {MIN_YEAR} and {MAX_YEAR}")
    return parsed.astimezone(timezone.utc)


def parse_days(value: Any, path: str) -> tuple[int, ...]:
    if not isinstance(value, list) or not value:
        raise WindowDocumentError(path, value, f"must be a non-empty list of {', '.join(DAY_NAMES)}")
    indexes: set[int] = set()
    for position, day in enumerate(value):
        if not isinstance(day, str) or day not in DAY_NAMES:
            raise WindowDocumentError(f"{path}[{position}]", day, f"must be one of {', '.join(DAY_NAMES)}")
        if DAY_NAMES.index(day) in indexes:
            raise WindowDocumentError(f"{path}[{position}]", day, "is listed twice")
        indexes.add(DAY_NAMES.index(day))
    return tuple(sorted(indexes))


def parse_time_of_day(value: Any, path: str) -> time:
    match = _TIME_OF_DAY.match(value) if isinstance(value, str) else None
    if match is None:
        raise WindowDocumentError(path, value, "must be a local time HH:MM or HH:MM:SS (00:00 to 23:59:59)")
    hours, minutes, seconds = match.groups()
    return time(int(hours), int(minutes), int(seconds or 0))


def check_zone(value: Any, path: str) -> None:
    if not isinstance(value, str) or value not in shipped_zone_names():
        # "Known" means known to the tzdata the layer ships, not just to this machine.
        raise WindowDocumentError(path, value, "is not a known IANA time zone")


@functools.cache
def shipped_zone_names() -> frozenset[str]:
    """The zones of the tzdata the layer carries: a zone only this machine knows could fail on Lambda."""
    import tzdata

    with open(os.path.join(os.path.dirname(tzdata.__file__), "zones"), encoding="utf-8") as handle:
        return frozenset(line.strip() for line in handle if line.strip())


def format_time(value: time) -> str:
    return value.strftime("%H:%M:%S" if value.second else "%H:%M")


def clip(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[:limit] + "..."


def show(value: Any) -> str:
    return repr(clip(value) if isinstance(value, str) else value)
