"""A typical function: it imports boto3 itself, so boto3's import is not the gate's cost."""

from __future__ import annotations

from typing import Any

import boto3  # noqa: F401 - imported for its init cost, like a real function's


def handler(event: Any, context: Any) -> Any:
    return {"ok": True}
