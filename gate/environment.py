"""Reading settings from environment variables, with errors that name the variable.

Shared by the gate's and the replayer's settings; each passes its own error type.
"""

from __future__ import annotations

from collections.abc import Mapping


def required(env: Mapping[str, str], name: str, error: type[ValueError], hint: str) -> str:
    value = env.get(name, "").strip()
    if not value:
        raise error(f"{name} is not set; {hint}")
    return value


def number(
    env: Mapping[str, str], name: str, default: float, *, low: float, high: float, error: type[ValueError]
) -> float:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise error(f"{name}={raw!r} is not a number") from None
    if not low <= value <= high:
        raise error(f"{name}={raw!r} must be between {low:g} and {high:g}")
    return value
