"""Structured log lines and CloudWatch Embedded Metric Format, written to stdout.

Lambda ships stdout to CloudWatch Logs, and EMF lines become metrics there, so
observability costs no API call. Callers pass ids, sizes and reasons only: no
payloads, no client-context contents.

With the JSON log format, Lambda filters application logs by level
(``AWS_LAMBDA_LOG_LEVEL``). For a line written to stdout it reads the JSON object's
``"level"`` key, and a line whose level is invalid or missing, or that has no valid
RFC 3339 ``"timestamp"``, counts as INFO (AWS Lambda developer guide, "Log-level
filtering"). So every line here carries both, in Lambda's level names: the gate's own
log lines at their level, dropped here when below the configured one (as the runtime
does for the ``logging`` module), and EMF lines at the least severe level that the
configuration keeps, so that no application log level filters metrics out.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Mapping

from gate.records import NamedTuple

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (gate.records says why)

if TYPE_CHECKING:
    from typing import Any

NAMESPACE = "MaintenanceGate"
LOGGER_NAME = "maintenance-gate"
# Lambda's application log levels, most detailed first: AWS_LAMBDA_LOG_LEVEL's values.
LEVELS = ("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL")
_PYTHON_NAMES = {"WARNING": "WARN", "CRITICAL": "FATAL"}


class UnknownLogLevelError(ValueError):
    """Raised when the gate's code logs at a level that is neither Lambda's nor Python's."""


def lambda_level(name: str) -> str:
    """Lambda's name for a level: Python's WARNING and CRITICAL are WARN and FATAL there."""
    upper = name.upper()
    upper = _PYTHON_NAMES.get(upper, upper)
    if upper not in LEVELS:
        raise UnknownLogLevelError(f"log level {name!r} is not one of {', '.join(LEVELS)}")
    return upper


class LogLevelFilter(NamedTuple):
    """The application log level Lambda filters by, read once from the environment."""

    # A NamedTuple, not a dataclass: dataclasses imports inspect, ast and dis, about 4 ms
    # of every cold start of a function that does not load them itself.

    threshold: int = 0  # index into LEVELS; 0 keeps everything

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> LogLevelFilter:
        # Like awslambdaric, which sets the root logger's level from this variable and
        # ignores a value it does not know: telemetry must never fail an invocation.
        try:
            return cls(LEVELS.index(lambda_level(environ.get("AWS_LAMBDA_LOG_LEVEL", "TRACE") or "TRACE")))
        except UnknownLogLevelError:
            return cls()

    def keeps(self, level: str) -> bool:
        return LEVELS.index(level) >= self.threshold

    @property
    def metric_level(self) -> str:
        """The least severe level this filter keeps, and never below INFO."""
        return LEVELS[max(self.threshold, LEVELS.index("INFO"))]


active_filter = LogLevelFilter.from_env(os.environ)


def log(message: str, **fields: Any) -> None:
    level = lambda_level(fields.pop("level", "INFO"))
    if not active_filter.keeps(level):
        return
    now = time.time()
    _write({"timestamp": rfc3339(now), "level": level, "logger": LOGGER_NAME, "message": message, **fields})


def metric(name: str, value: float, unit: str = "Count", **dimensions: str) -> None:
    now = time.time()
    record: dict[str, Any] = {
        "_aws": {
            "Timestamp": int(now * 1000),
            "CloudWatchMetrics": [
                {
                    "Namespace": NAMESPACE,
                    "Dimensions": [sorted(dimensions)] if dimensions else [[]],
                    "Metrics": [{"Name": name, "Unit": unit}],
                }
            ],
        },
        # Extra root members are plain properties to EMF; Lambda's filter reads these two.
        "timestamp": rfc3339(now),
        "level": active_filter.metric_level,
        name: value,
        **dimensions,
    }
    _write(record)


def rfc3339(epoch_seconds: float) -> str:
    millis = int(epoch_seconds * 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(millis // 1000)) + f".{millis % 1000:03d}Z"


def _write(record: dict[str, Any]) -> None:
    # One write per line so concurrent invocations never interleave a record.
    sys.stdout.write(json.dumps(record, default=str, separators=(",", ":")) + "\n")
    sys.stdout.flush()
