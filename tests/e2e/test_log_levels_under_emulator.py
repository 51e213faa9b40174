"""The gate's stdout under the JSON log format and an application log level, under AWS's emulator.

What the emulator cannot show: on Lambda the filtering by level is done by the
platform, after the runtime's output leaves the execution environment; neither
awslambdaric nor the emulator applies it. So this test takes the runtime's real output
under the emulator and applies Lambda's documented rules to it (``tests/lambda_logs.py``):
the gate's EMF lines must be kept at every level, and its own INFO lines must not be
written once the level is above INFO (the gate filters them itself, as awslambdaric
does for the ``logging`` module).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from gate.telemetry import LOGGER_NAME
from tests.e2e.conftest import Stack, invoke
from tests.lambda_logs import kept_by_lambda

pytestmark = pytest.mark.e2e


def gate_lines(log_text: str) -> tuple[list[str], list[str]]:
    """The gate's own log lines and its EMF lines, from the runtime's output."""
    logs, metrics = [], []
    for line in log_text.splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict) and record.get("logger") == LOGGER_NAME:
            logs.append(line)
        elif isinstance(record, dict) and "_aws" in record:
            metrics.append(line)
    return logs, metrics


@pytest.mark.parametrize("application_level", ["INFO", "WARN", "ERROR"])
def test_emf_lines_survive_lambdas_log_level_filter_and_info_lines_are_not_written_above_info(
    stack: Stack, start_function: Any, application_level: str
) -> None:
    # GIVEN a gated function with JSON logs at this application log level, in a window
    stack.put_window({"mode": "maintenance"})
    environment = stack.gate_environment(AWS_LAMBDA_LOG_FORMAT="JSON", AWS_LAMBDA_LOG_LEVEL=application_level)
    function = start_function("probe.record", environment)

    # WHEN an event is deferred (one INFO log line and one Deferrals metric)
    _, payload = invoke(function, {"order": 1})
    assert payload["deferred"] is True
    function.stop()
    assert function.log is not None
    logs, metrics = gate_lines(Path(function.log.name).read_text())

    # THEN the metric is in the output and Lambda's filter keeps it
    deferrals = [line for line in metrics if "Deferrals" in json.loads(line)]
    assert len(deferrals) == 1
    assert all(kept_by_lambda(line, application_level) for line in metrics)
    # ... and the gate's INFO lines are written at INFO only, where Lambda keeps them
    messages = [json.loads(line)["message"] for line in logs]
    if application_level == "INFO":
        assert "invocation deferred" in messages
        assert all(kept_by_lambda(line, application_level) for line in logs)
    else:
        assert messages == []
