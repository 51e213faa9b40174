"""Faults met by the layer under AWS's emulator: SSM lost mid-run, the parameter deleted, a 6 MB event."""

from __future__ import annotations

import json
import random
import string
import time
from pathlib import Path
from typing import Any

import boto3
import pytest

from gate.config import GateConfig
from gate.deferral import table as schema
from gate.local.servers import LOCAL_CREDENTIALS, LOCAL_REGION, Emulator, MotoServer
from tests.e2e.conftest import Stack, invoke
from tests.faults.support import logged, refresh_bound, store_call_bound, telemetry_records

pytestmark = pytest.mark.e2e

MAINTENANCE = {"mode": "maintenance"}
# What one invocation may take while SSM fails: a refresh with the gate's default SSM
# timeouts, then a store call, plus generous slack for the emulator and a loaded machine.
_DEFAULTS = GateConfig(parameter_name="-", table_name="-")
INVOCATION_BOUND_SECONDS = (
    refresh_bound(_DEFAULTS.ssm_connect_timeout, _DEFAULTS.ssm_read_timeout) + store_call_bound() + 5.0
)
# Lambda's limit for a synchronous request payload.
SYNC_PAYLOAD_LIMIT_BYTES = 6 * 1024 * 1024


def emulator_log(function: Emulator) -> list[dict[str, Any]]:
    assert function.log is not None
    function.log.flush()
    return telemetry_records(Path(function.log.name).read_text())


def timed_invoke(function: Emulator, event: Any) -> tuple[dict[str, Any], float]:
    started = time.monotonic()
    response, payload = invoke(function, event)
    assert "FunctionError" not in response
    return payload, time.monotonic() - started


def test_ssm_lost_mid_run_keeps_the_last_good_document(stack: Stack, start_function: Any) -> None:
    # GIVEN a function whose SSM is its own moto server, holding a maintenance document,
    # and which rereads the document on every invocation (TTL 0)
    with MotoServer() as ssm_server:
        ssm = boto3.client("ssm", endpoint_url=ssm_server.url, region_name=LOCAL_REGION, **_credentials())
        ssm.put_parameter(Name=stack.parameter, Value=json.dumps(MAINTENANCE), Type="String")
        environment = stack.gate_environment(GATE_CACHE_TTL_SECONDS="0", AWS_ENDPOINT_URL_SSM=ssm_server.url)
        function = start_function("probe.record", environment)
        first, _ = timed_invoke(function, {"n": 0})

        # WHEN SSM goes away between invocations
        ssm_server.stop()
        answers = [timed_invoke(function, {"n": n}) for n in range(1, 6)]

    # THEN every invocation is still deferred, promptly, and every event is kept
    assert first["deferred"] is True
    assert all(payload["deferred"] is True for payload, _ in answers)
    assert max(elapsed for _, elapsed in answers) < INVOCATION_BOUND_SECONDS
    assert stack.received() == []
    assert sorted(stack.stored_event(item)["n"] for item in stack.records()) == list(range(6))
    # ... and the runtime logged the failure once, not once per invocation
    [warning] = logged(emulator_log(function), "window document refresh failed")
    assert (warning["error"], warning["using"]) == ("EndpointConnectionError", "the last good document")


def test_the_parameter_deleted_mid_run_keeps_the_last_good_document(stack: Stack, start_function: Any) -> None:
    # GIVEN a function in maintenance that rereads its document on every invocation
    stack.put_window(MAINTENANCE)
    function = start_function("probe.record", stack.gate_environment(GATE_CACHE_TTL_SECONDS="0"))
    assert timed_invoke(function, {"n": 0})[0]["deferred"] is True

    # WHEN the parameter is deleted, then later written again as live
    stack.ssm.delete_parameter(Name=stack.parameter)
    while_missing = [timed_invoke(function, {"n": n})[0] for n in range(1, 4)]
    stack.put_window({"mode": "live"})
    after, _ = timed_invoke(function, {"n": 4})

    # THEN the gate kept deferring while it was missing, then followed the new document
    assert [payload["deferred"] for payload in while_missing] == [True] * 3
    assert after == {"handled": {"n": 4}}
    assert [entry["event"] for entry in stack.received()] == [{"n": 4}]
    assert len(stack.records()) == 4
    log = emulator_log(function)
    assert [line["error"] for line in logged(log, "window document refresh failed")] == ["ParameterNotFound"]
    assert [line["previous_error"] for line in logged(log, "window document refresh recovered")] == [
        "ParameterNotFound"
    ]


def test_a_six_megabyte_event_is_kept_whole(stack: Stack, start_function: Any) -> None:
    # GIVEN a function in maintenance, and an event of exactly Lambda's synchronous payload limit
    stack.put_window(MAINTENANCE)
    function = start_function("probe.record", stack.gate_environment())
    envelope = {"blob": "", "tail": [2**70, -1.5e-300, None, "🚀"]}
    filler = SYNC_PAYLOAD_LIMIT_BYTES - len(json.dumps(envelope).encode())
    # Random letters, so compression cannot bring it near DynamoDB's item limit.
    envelope["blob"] = "".join(random.Random(6).choices(string.ascii_letters, k=filler))
    assert len(json.dumps(envelope).encode()) == SYNC_PAYLOAD_LIMIT_BYTES

    # WHEN it is invoked
    payload, _ = timed_invoke(function, envelope)

    # THEN it was deferred, and the overflow bucket holds an equal event
    assert payload["deferred"] is True
    [record] = stack.records()
    assert schema.OVERFLOW_KEY in record
    assert int(record[schema.EVENT_SIZE]["N"]) == len(json.dumps(envelope, separators=(",", ":")).encode())
    assert stack.stored_event(record) == envelope


def _credentials() -> dict[str, str]:
    return {
        "aws_access_key_id": LOCAL_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        "aws_secret_access_key": LOCAL_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
    }
