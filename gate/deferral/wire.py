"""The client-context marker that tells the gate an invocation is a replay.

Synchronous invocations carry the client context to the function, so the replayer
puts the original record's id under ``custom`` and the gate reads it back.
"""

from __future__ import annotations

import base64
import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gate.types import LambdaContext

MARKER_KEY = "maintenance-gate-replay-of"
# Lambda rejects a ClientContext larger than this once base64-encoded.
MAX_CLIENT_CONTEXT_BYTES = 3583


def replay_client_context(original: dict[str, Any] | None, request_id: str) -> str:
    """Base64 client context for the replay: the original context plus the marker."""
    context = dict(original or {})
    custom = dict(context.get("custom") or {})
    custom[MARKER_KEY] = request_id
    context["custom"] = custom
    encoded = base64.b64encode(json.dumps(context, separators=(",", ":")).encode()).decode()
    if len(encoded) > MAX_CLIENT_CONTEXT_BYTES:
        # The marker matters more than the original context's extras.
        encoded = base64.b64encode(json.dumps({"custom": {MARKER_KEY: request_id}}).encode()).decode()
    return encoded


def replayed_request_id(context: LambdaContext) -> str | None:
    """The original request id when this invocation is a replay, else None."""
    client_context = getattr(context, "client_context", None)
    custom = getattr(client_context, "custom", None)
    if isinstance(custom, dict):
        value = custom.get(MARKER_KEY)
        if isinstance(value, str) and value:
            return value
    return None
