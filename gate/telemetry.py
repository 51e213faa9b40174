"""Structured log lines and CloudWatch Embedded Metric Format, written to stdout.

Lambda ships stdout to CloudWatch Logs, and EMF lines become metrics there, so
observability costs no API call. Callers pass ids, sizes and reasons only: no
payloads, no client-context contents.
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any

NAMESPACE = "MaintenanceGate"


def log(message: str, **fields: Any) -> None:
    record = {"level": fields.pop("level", "INFO"), "logger": "maintenance-gate", "message": message, **fields}
    _write(record)


def metric(name: str, value: float, unit: str = "Count", **dimensions: str) -> None:
    record: dict[str, Any] = {
        "_aws": {
            "Timestamp": int(time.time() * 1000),
            "CloudWatchMetrics": [
                {
                    "Namespace": NAMESPACE,
                    "Dimensions": [sorted(dimensions)] if dimensions else [[]],
                    "Metrics": [{"Name": name, "Unit": unit}],
                }
            ],
        },
        name: value,
        **dimensions,
    }
    _write(record)


def _write(record: dict[str, Any]) -> None:
    # One write per line so concurrent invocations never interleave a record.
    sys.stdout.write(json.dumps(record, default=str, separators=(",", ":")) + "\n")
    sys.stdout.flush()
