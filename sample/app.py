"""The sample function the stack deploys behind the gate.

It does nothing the gate depends on: it answers with what it was given, and (in
the local demo only) appends each event it handles to SAMPLE_RECEIPTS_FILE so the
demo can show that deferred events reached the handler after the window.
"""

from __future__ import annotations

import json
import os
from typing import Any


def handler(event: Any, context: Any) -> dict[str, Any]:
    receipts = os.environ.get("SAMPLE_RECEIPTS_FILE")
    if receipts:
        with open(receipts, "a", encoding="utf-8") as handle:
            handle.write(json.dumps({"request_id": context.aws_request_id, "event": event}) + "\n")
    return {"ok": True, "function": context.function_name, "echo": event}
