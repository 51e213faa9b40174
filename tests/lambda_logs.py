"""A model of Lambda's application log-level filtering of stdout lines, from AWS's docs.

AWS Lambda developer guide, "Log-level filtering": with the JSON log format, a line
written to stdout or stderr is filtered by the ``"level"`` key of its JSON object; "if
the level value field is invalid or missing, Lambda will assign the log output the
level INFO", and likewise when there is no valid RFC 3339 timestamp. Lambda keeps
lines at the configured level and the less detailed ones (TRACE is the most detailed,
FATAL the least). The real filtering is done by the platform, not by the runtime, so
neither awslambdaric nor AWS's emulator applies it; tests apply this model instead.
"""

from __future__ import annotations

import json
import re

LEVELS = ("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL")
RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})")


def platform_level(line: str) -> str:
    """The level Lambda gives one stdout line in JSON log format."""
    try:
        record = json.loads(line)
    except ValueError:
        return "INFO"
    if not isinstance(record, dict):
        return "INFO"
    level = str(record.get("level", "")).upper()
    timestamp = record.get("timestamp")
    if level not in LEVELS or not isinstance(timestamp, str) or not RFC3339.fullmatch(timestamp):
        return "INFO"
    return level


def kept_by_lambda(line: str, application_level: str) -> bool:
    return LEVELS.index(platform_level(line)) >= LEVELS.index(application_level)
