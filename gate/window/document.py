"""The maintenance-window document: the one parser every reader and writer shares.

The gate, the operator CLI and the Pulumi program all call :func:`parse_document`,
so a bad window produces the same message wherever it is caught.
"""

from __future__ import annotations

import json
from datetime import datetime, time
from enum import Enum

from gate.records import NamedTuple
from gate.window.fields import (
    DAY_NAMES,
    WindowDocumentError,
    check_zone,
    clip,
    format_time,
    parse_days,
    parse_instant,
    parse_time_of_day,
)

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (gate.records says why)

if TYPE_CHECKING:
    from typing import Any
    from zoneinfo import ZoneInfo

__all__ = [
    "DAY_NAMES",
    "EMPTY_DOCUMENT",
    "MAX_DOCUMENT_BYTES",
    "AbsoluteWindow",
    "Mode",
    "RecurringWindow",
    "WindowDocument",
    "WindowDocumentError",
    "parse_document",
    "parse_instant",
    "parse_mapping",
]

# SSM's advanced tier caps a parameter at 8 KB; anything larger could never be stored.
MAX_DOCUMENT_BYTES = 8192
_TOP_LEVEL_KEYS = frozenset({"mode", "windows", "recurring"})
_WINDOW_KEYS = frozenset({"start", "end", "name"})
_RECURRING_KEYS = frozenset({"days", "start", "end", "timezone", "name"})


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
            "start": format_time(self.start),
            "end": format_time(self.end),
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
    start = parse_time_of_day(_required(item, "start", path), f"{path}.start")
    end = parse_time_of_day(_required(item, "end", path), f"{path}.end")
    if end == start:
        raise WindowDocumentError(
            f"{path}.end", item["end"], "must differ from start (use mode for all-day maintenance)"
        )
    zone_name = _required(item, "timezone", path)
    check_zone(zone_name, f"{path}.timezone")
    days = parse_days(item.get("days", list(DAY_NAMES)), f"{path}.days")
    return RecurringWindow(days=days, start=start, end=end, timezone=zone_name, name=_optional_name(item, path))


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
        raise WindowDocumentError("document", clip(text), f"is not valid JSON: {exc}") from None


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
