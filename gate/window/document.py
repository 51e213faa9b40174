"""The maintenance-window document: the one parser every reader and writer shares.

The gate, the operator CLI and the Pulumi program all call :func:`parse_document`,
so a bad window produces the same message wherever it is caught.
"""

from __future__ import annotations

import functools
import json
import os
import re
from datetime import datetime, time, timezone
from enum import Enum
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

# SSM's advanced tier caps a parameter at 8 KB; anything larger could never be stored.
MAX_DOCUMENT_BYTES = 8192
# Years outside this range are typos (2062 for 2026 stays allowed, 20266 does not).
MIN_YEAR = 2000
MAX_YEAR = 2199

DAY_NAMES: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# YYYY-MM-DD, T or a space, HH:MM[:SS[.f...]], then Z or +HH:MM (absent: reported as naive).
_ISO_INSTANT = re.compile(r"^(\d{4}-\d{2}-\d{2})[Tt ](\d{2}:\d{2}(?::\d{2})?)(\.\d{1,6})?([Zz]|[+-]\d{2}:\d{2})?$")
_TIME_OF_DAY = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)(?::([0-5]\d))?$")
_TOP_LEVEL_KEYS = frozenset({"mode", "windows", "recurring"})
_WINDOW_KEYS = frozenset({"start", "end", "name"})
_RECURRING_KEYS = frozenset({"days", "start", "end", "timezone", "name"})


class WindowDocumentError(ValueError):
    """Raised when a window document is malformed; names the field and the bad value."""

    def __init__(self, field_path: str, value: Any, problem: str) -> None:
        self.field = field_path
        self.value = value
        self.problem = problem
        super().__init__(f"{field_path}: {problem} (got {_show(value)})")


class Mode(str, Enum):
    AUTO = "auto"
    MAINTENANCE = "maintenance"
    LIVE = "live"


class AbsoluteWindow(NamedTuple):
    """A one-off window, half-open ``[start, end)``, held in UTC."""

    start: datetime
    end: datetime
    name: str | None = None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"start": self.start.isoformat(), "end": self.end.isoformat()}
        if self.name is not None:
            data["name"] = self.name
        return data


class RecurringWindow(NamedTuple):
    """A weekly window in an IANA zone; ``days`` are the local days it *starts* on.

    When ``end`` is not after ``start`` the window crosses midnight into the next day.
    """

    days: tuple[int, ...]  # 0 = Monday, like datetime.weekday()
    start: time
    end: time
    timezone: str
    name: str | None = None

    @property
    def crosses_midnight(self) -> bool:
        return self.end <= self.start

    @property
    def zone(self) -> ZoneInfo:
        # Imported on first use: a document without recurring windows never needs it.
        from zoneinfo import ZoneInfo

        return ZoneInfo(self.timezone)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "days": [DAY_NAMES[day] for day in self.days],
            "start": _format_time(self.start),
            "end": _format_time(self.end),
            "timezone": self.timezone,
        }
        if self.name is not None:
            data["name"] = self.name
        return data


class WindowDocument(NamedTuple):
    mode: Mode = Mode.AUTO
    windows: tuple[AbsoluteWindow, ...] = ()
    recurring: tuple[RecurringWindow, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "mode": self.mode.value,
            "windows": [window.to_json() for window in self.windows],
            "recurring": [window.to_json() for window in self.recurring],
        }

    def dumps(self) -> str:
        """The canonical text an operator tool writes back to the parameter."""
        return json.dumps(self.to_json(), indent=2, ensure_ascii=False)


EMPTY_DOCUMENT = WindowDocument()


def parse_document(text: str) -> WindowDocument:
    """Parse the parameter's value: a JSON object, or the legacy ``START,END`` list."""
    if not isinstance(text, str):
        raise WindowDocumentError("document", text, "must be a string")
    try:
        size = len(text.encode("utf-8"))
    except UnicodeEncodeError as exc:
        raise WindowDocumentError("document", text, f"is not valid Unicode text ({exc.reason})") from None
    if size > MAX_DOCUMENT_BYTES:
        raise WindowDocumentError(
            "document", f"{size} bytes", f"is larger than the {MAX_DOCUMENT_BYTES}-byte limit of an SSM parameter"
        )
    if text.startswith("\ufeff"):
        raise WindowDocumentError("document", text[:20], "starts with a byte-order mark; save it as UTF-8 without one")
    stripped = text.strip()
    if not stripped:
        raise WindowDocumentError("document", text, "is empty")
    if stripped.startswith("{"):
        return parse_mapping(_load_json_object(stripped))
    if stripped[0] in '["0123456789-tfn' and _looks_like_json(stripped):
        raise WindowDocumentError("document", stripped, "must be a JSON object or a 'START,END' list")
    return _parse_legacy_list(stripped)


def parse_mapping(data: Any) -> WindowDocument:
    """Validate an already-decoded document (the Pulumi program passes config objects)."""
    if not isinstance(data, dict):
        raise WindowDocumentError("document", data, "must be a JSON object")
    _reject_unknown_keys(data, _TOP_LEVEL_KEYS, "")
    mode_value = data.get("mode", Mode.AUTO.value)
    try:
        mode = Mode(mode_value)
    except (ValueError, TypeError):
        raise WindowDocumentError("mode", mode_value, "must be one of auto, maintenance, live") from None
    windows = tuple(
        _parse_absolute(item, f"windows[{index}]") for index, item in enumerate(_list_field(data, "windows"))
    )
    recurring = tuple(
        _parse_recurring(item, f"recurring[{index}]") for index, item in enumerate(_list_field(data, "recurring"))
    )
    return WindowDocument(mode=mode, windows=windows, recurring=recurring)


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


def _parse_absolute(item: Any, path: str) -> AbsoluteWindow:
    if not isinstance(item, dict):
        raise WindowDocumentError(path, item, "must be an object with start and end")
    _reject_unknown_keys(item, _WINDOW_KEYS, path)
    start = parse_instant(_required(item, "start", path), f"{path}.start")
    end = parse_instant(_required(item, "end", path), f"{path}.end")
    if end <= start:
        raise WindowDocumentError(f"{path}.end", item["end"], f"must be after start {item['start']!r}")
    return AbsoluteWindow(start=start, end=end, name=_optional_name(item, path))


def _parse_recurring(item: Any, path: str) -> RecurringWindow:
    if not isinstance(item, dict):
        raise WindowDocumentError(path, item, "must be an object with days, start, end and timezone")
    _reject_unknown_keys(item, _RECURRING_KEYS, path)
    start = _parse_time_of_day(_required(item, "start", path), f"{path}.start")
    end = _parse_time_of_day(_required(item, "end", path), f"{path}.end")
    if end == start:
        raise WindowDocumentError(
            f"{path}.end", item["end"], "must differ from start (use mode for all-day maintenance)"
        )
    zone_name = _required(item, "timezone", path)
    _check_zone(zone_name, f"{path}.timezone")
    days = _parse_days(item.get("days", list(DAY_NAMES)), f"{path}.days")
    return RecurringWindow(days=days, start=start, end=end, timezone=zone_name, name=_optional_name(item, path))


def _parse_days(value: Any, path: str) -> tuple[int, ...]:
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


def _parse_time_of_day(value: Any, path: str) -> time:
    match = _TIME_OF_DAY.match(value) if isinstance(value, str) else None
    if match is None:
        raise WindowDocumentError(path, value, "must be a local time HH:MM or HH:MM:SS (00:00 to 23:59:59)")
    hours, minutes, seconds = match.groups()
    return time(int(hours), int(minutes), int(seconds or 0))


def _check_zone(value: Any, path: str) -> None:
    if not isinstance(value, str) or value not in _shipped_zone_names():
        # "Known" means known to the tzdata the layer ships, not just to this machine.
        raise WindowDocumentError(path, value, "is not a known IANA time zone")


@functools.cache
def _shipped_zone_names() -> frozenset[str]:
    """The zones of the tzdata the layer carries: a zone only this machine knows could fail on Lambda."""
    import tzdata

    with open(os.path.join(os.path.dirname(tzdata.__file__), "zones"), encoding="utf-8") as handle:
        return frozenset(line.strip() for line in handle if line.strip())


def _parse_legacy_list(text: str) -> WindowDocument:
    items = [item.strip() for item in text.split(",")]
    if len(items) != 2:
        raise WindowDocumentError("document", text, f"the START,END list form needs exactly 2 items, not {len(items)}")
    start = parse_instant(items[0], "document[0]")
    end = parse_instant(items[1], "document[1]")
    if end <= start:
        raise WindowDocumentError("document[1]", items[1], f"must be after start {items[0]!r}")
    return WindowDocument(windows=(AbsoluteWindow(start=start, end=end),))


def _load_json_object(text: str) -> Any:
    try:
        return json.loads(text, object_pairs_hook=_reject_duplicate_keys)
    except WindowDocumentError:
        raise
    except (ValueError, RecursionError) as exc:
        raise WindowDocumentError("document", _clip(text), f"is not valid JSON: {exc}") from None


def _reject_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise WindowDocumentError(key, value, "appears more than once")
        result[key] = value
    return result


def _looks_like_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


def _list_field(data: dict[str, Any], key: str) -> list[Any]:
    value = data.get(key, [])
    if not isinstance(value, list):
        raise WindowDocumentError(key, value, "must be a list")
    return value


def _required(item: dict[str, Any], key: str, path: str) -> Any:
    if key not in item:
        raise WindowDocumentError(f"{path}.{key}", None, "is required")
    return item[key]


def _optional_name(item: dict[str, Any], path: str) -> str | None:
    name = item.get("name")
    if name is None:
        return None
    if not isinstance(name, str) or not 0 < len(name) <= 100:
        raise WindowDocumentError(f"{path}.name", name, "must be a string of 1 to 100 characters")
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        # A lone surrogate parses from JSON but could never be written back.
        raise WindowDocumentError(f"{path}.name", name, "is not valid Unicode text") from None
    return name


def _reject_unknown_keys(item: dict[str, Any], allowed: frozenset[str], path: str) -> None:
    for key in item:
        if key not in allowed:
            where = f"{path}.{key}" if path else key
            raise WindowDocumentError(where, key, f"is not a known key; expected one of {', '.join(sorted(allowed))}")


def _format_time(value: time) -> str:
    return value.strftime("%H:%M:%S" if value.second else "%H:%M")


def _clip(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[:limit] + "..."


def _show(value: Any) -> str:
    return repr(_clip(value) if isinstance(value, str) else value)
