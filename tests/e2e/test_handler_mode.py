"""Handler mode under AWS's emulator: ``Handler=gate.entry.handler`` and no wrapper of ours.

Lambda runs one ``AWS_LAMBDA_EXEC_WRAPPER``. A function that already has one (here a
stand-in for OpenTelemetry's ``otel-instrument``, in ``tests/e2e/layers/``) keeps it,
and the gate sits behind it as the handler that wrapper loads.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from gate.deferral import table as schema
from tests.e2e.conftest import LAYERS_DIR, Stack, invoke

pytestmark = pytest.mark.e2e

MAINTENANCE = {"mode": "maintenance"}
CACHE_TTL = 1.2  # stack.gate_environment() caches the document for 1 s


def handler_mode(stack: Stack, **extra: str) -> dict[str, str]:
    return stack.gate_environment(GATE_ORIGINAL_HANDLER="probe.record", **extra)


def spans(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_handler_mode_gates_with_no_exec_wrapper(stack: Stack, start_function: Any, compose_opt: Any) -> None:
    # GIVEN the gate's layer in /opt, and the function's handler pointed at the gate
    function = start_function("gate.entry.handler", handler_mode(stack), gated=False, opt_dir=compose_opt())

    # WHEN invoked outside a window, then inside one
    _, handled = invoke(function, {"order": 1})
    stack.put_window(MAINTENANCE)
    time.sleep(CACHE_TTL)
    _, deferred = invoke(function, {"order": 2})

    # THEN the handler ran once, and the second event was kept instead
    assert handled == {"handled": {"order": 1}}
    assert deferred["deferred"] is True
    assert [entry["event"] for entry in stack.received()] == [{"order": 1}]
    [record] = stack.records()
    assert record[schema.KEY]["S"] == deferred["id"]
    assert stack.stored_event(record) == {"order": 2}


def test_handler_mode_composes_behind_another_layers_exec_wrapper(
    stack: Stack, start_function: Any, compose_opt: Any, tmp_path: Path
) -> None:
    # GIVEN a function with another layer's exec wrapper, which swaps _HANDLER for its
    # own and loads the previous one (the gate), which loads the function's handler
    opt = compose_opt(LAYERS_DIR / "otel_standin")
    spans_file = tmp_path / "spans.jsonl"
    environment = handler_mode(
        stack, AWS_LAMBDA_EXEC_WRAPPER=str(opt / "otel-instrument"), STANDIN_SPANS_FILE=str(spans_file)
    )
    function = start_function("gate.entry.handler", environment, gated=False, opt_dir=opt)

    # WHEN invoked outside a window, then inside one
    _, handled = invoke(function, {"order": 1})
    stack.put_window(MAINTENANCE)
    time.sleep(CACHE_TTL)
    response, deferred = invoke(function, {"order": 2})

    # THEN the other layer's wrapper saw both invocations, through the gate ...
    assert "FunctionError" not in response, deferred
    first, second = spans(spans_file)
    assert (first["handler"], first["result_keys"]) == ("gate.entry.handler", ["handled"])
    assert second["handler"] == "gate.entry.handler" and "deferred" in second["result_keys"]
    # ... and the gate gated: the handler ran for the first only, the second was kept
    assert handled == {"handled": {"order": 1}}
    assert deferred["deferred"] is True
    assert [entry["event"] for entry in stack.received()] == [{"order": 1}]
    [record] = stack.records()
    assert record[schema.KEY]["S"] == deferred["id"]
    assert stack.stored_event(record) == {"order": 2}
