"""DynamoDB's size of an item, by its documented rules: attribute names plus values.

Strings count their UTF-8 bytes, binaries their bytes, numbers one byte per two
significant digits plus one (leading and trailing zeros trimmed), sets the sum of
their elements, lists and maps 3 bytes plus one byte per element. An item may hold
at most ITEM_LIMIT_BYTES (400 KB); moto enforces its own approximation (405,000 of
its own bytes), so the gate sizes records itself rather than trust what moto takes.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from decimal import Decimal
from typing import Any

# "The maximum item size in DynamoDB is 400 KB", names and values together.
ITEM_LIMIT_BYTES = 400 * 1024


def item_bytes(item: Mapping[str, Any], names: Collection[str] | None = None) -> int:
    """DynamoDB's size of an item (or of the named attributes of it): names plus values."""
    return sum(
        len(name.encode()) + value_bytes(value) for name, value in item.items() if names is None or name in names
    )


def value_bytes(value: Mapping[str, Any]) -> int:
    """The size of one typed value (``{"S": ...}``, ``{"SS": [...]}``, ...)."""
    kind, data = next(iter(value.items()))
    if kind == "S":
        return len(str(data).encode())
    if kind == "B":
        return len(bytes(data))
    if kind == "N":
        return _number_bytes(str(data))
    if kind == "SS":
        return sum(len(str(part).encode()) for part in data)
    if kind == "NS":
        return sum(_number_bytes(str(part)) for part in data)
    if kind == "BS":
        return sum(len(bytes(part)) for part in data)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "L":
        return 3 + sum(1 + value_bytes(element) for element in data)
    if kind == "M":
        return 3 + sum(1 + len(key.encode()) + value_bytes(element) for key, element in data.items())
    raise ValueError(f"unknown DynamoDB type {kind!r}")


def _number_bytes(text: str) -> int:
    # One byte per two significant digits, plus one.
    digits = format(abs(Decimal(text)).normalize(), "f").replace(".", "").strip("0") or "0"
    return math.ceil(len(digits) / 2) + 1
