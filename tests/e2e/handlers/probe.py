"""Test handlers run under the emulator. They record what reached them in a file."""

from __future__ import annotations

import json
import os
from typing import Any


def record(event: Any, context: Any) -> Any:
    with open(os.environ["PROBE_RECEIVED_FILE"], "a", encoding="utf-8") as handle:
        handle.write(json.dumps({"request_id": context.aws_request_id, "event": event}) + "\n")
    return {"handled": event}


def fail(event: Any, context: Any) -> Any:
    raise ValueError(f"handler refused {len(json.dumps(event))} bytes")
