"""A handler with no dependencies: the smallest function the gate can sit in front of."""

from __future__ import annotations

from typing import Any


def handler(event: Any, context: Any) -> Any:
    return {"ok": True}
