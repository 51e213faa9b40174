"""The layer's wrapper, awslambdaric and a handler under AWS's emulator, against moto."""

from __future__ import annotations

import json
import random
import string
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from botocore.exceptions import ClientError

from gate.deferral import table as schema
from gate.deferral.codec import encode_event
from gate.deferral.store import DUPLICATE, STORED, Deferral, DeferredEventStore
from gate.local.servers import LOCAL_REGION, Emulator
from tests.e2e.conftest import Stack, invoke

pytestmark = pytest.mark.e2e

MAINTENANCE = {"mode": "maintenance"}


def test_outside_a_window_the_handler_answers(stack: Stack, start_function: Any) -> None:
    function = start_function("probe.record", stack.gate_environment())

    response, payload = invoke(function, {"order": 1})

    assert "FunctionError" not in response
    assert payload == {"handled": {"order": 1}}
    assert [entry["event"] for entry in stack.received()] == [{"order": 1}]
    assert stack.records() == []


def test_inside_a_window_the_event_is_kept_and_the_handler_does_not_run(stack: Stack, start_function: Any) -> None:
    stack.put_window(MAINTENANCE)
    function = start_function("probe.record", stack.gate_environment())
    event = {"order": 2, "big": 2**70, "pi": 3.141592653589793, "text": "caffè 🚀", "nested": [[[{}]]]}

    response, payload = invoke(function, event)

    assert "FunctionError" not in response
    assert payload["deferred"] is True
    assert payload["retryAfter"] is None
    assert stack.received() == []
    [record] = stack.records()
    assert record[schema.KEY]["S"] == payload["id"]
    assert record[schema.STATUS]["S"] == "pending"
    assert record[schema.FUNCTION_NAME]["S"] == "probe"
    assert record[schema.WINDOW]["S"] == "mode is maintenance"
    assert stack.stored_event(record) == event


def test_an_absolute_window_answers_an_http_event_with_503_and_retry_after(stack: Stack, start_function: Any) -> None:
    now = time.time()
    stack.put_window(
        {
            "windows": [
                {
                    "start": time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(now - 60)),
                    "end": time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(now + 600)),
                }
            ]
        }
    )
    function = start_function("probe.record", stack.gate_environment())
    http_event = {"version": "2.0", "rawPath": "/orders", "requestContext": {"http": {"method": "POST"}}}

    _, payload = invoke(function, http_event)

    assert payload["statusCode"] == 503
    assert 0 < int(payload["headers"]["Retry-After"]) <= 600
    assert "deferred" not in json.loads(payload["body"]) and stack.records() == []  # GATE_ON_HTTP=reject keeps nothing
    assert stack.received() == []


def test_an_edit_of_the_parameter_takes_effect_within_the_ttl(stack: Stack, start_function: Any) -> None:
    function = start_function("probe.record", stack.gate_environment(GATE_CACHE_TTL_SECONDS="1"))
    _, before = invoke(function, {"step": "before"})
    assert before == {"handled": {"step": "before"}}

    stack.put_window(MAINTENANCE)
    time.sleep(1.2)
    _, after = invoke(function, {"step": "after"})

    assert after["deferred"] is True
    assert [entry["event"] for entry in stack.received()] == [{"step": "before"}]


def test_a_five_megabyte_event_round_trips_through_the_overflow_bucket(stack: Stack, start_function: Any) -> None:
    stack.put_window(MAINTENANCE)
    function = start_function("probe.record", stack.gate_environment())
    rng = random.Random(5)
    # Random text, so compression cannot shrink it under DynamoDB's item limit.
    blob = "".join(rng.choices(string.ascii_letters + string.digits, k=5 * 1024 * 1024))
    event = {"blob": blob, "tail": [1.5, -(2**80), None]}

    _, payload = invoke(function, event)

    assert payload["deferred"] is True
    [record] = stack.records()
    assert schema.OVERFLOW_KEY in record and schema.EVENT not in record
    assert stack.stored_event(record) == event


def test_a_second_delivery_of_one_request_id_leaves_one_record(stack: Stack) -> None:
    store = DeferredEventStore(stack.table, stack.bucket, inline_limit_bytes=350_000, client_factory=stack.client)
    deferral = Deferral(
        request_id="req-retried",
        function_name="probe",
        function_arn=f"arn:aws:lambda:{LOCAL_REGION}:123456789012:function:probe",
        deferred_at_ms=int(time.time() * 1000),
        event=encode_event({"attempt": 1}),
        window="mode is maintenance",
    )

    outcomes = [store.defer(deferral), store.defer(deferral)]

    assert outcomes == [STORED, DUPLICATE]
    assert len(stack.records()) == 1


def init_error_line(function: Emulator) -> str:
    """The runtime's own report of an init failure (the emulator answers 502 with no body)."""
    with pytest.raises(ClientError) as failure:
        invoke(function, {})
    assert failure.value.response["ResponseMetadata"]["HTTPStatusCode"] == 502
    function.stop()
    assert function.log is not None
    log = Path(function.log.name).read_text()
    [line] = [line for line in log.splitlines() if line.startswith("[ERROR] Runtime.")]
    return line.split("Traceback")[0]


def test_a_gated_import_error_fails_init_exactly_as_an_ungated_one(stack: Stack, start_function: Any) -> None:
    environment = stack.gate_environment()
    ungated = init_error_line(start_function("broken_import.handler", environment, gated=False))
    gated = init_error_line(start_function("broken_import.handler", environment))

    assert ungated.startswith("[ERROR] Runtime.ImportModuleError: Unable to import module 'broken_import'")
    assert gated == ungated


def test_a_handler_error_reaches_the_caller_unchanged(stack: Stack, start_function: Any) -> None:
    environment = stack.gate_environment()
    ungated_response, ungated = invoke(start_function("probe.fail", environment, gated=False), {"n": 1})
    gated_response, gated = invoke(start_function("probe.fail", environment), {"n": 1})

    # The emulator sets no FunctionError header; what it does set must match.
    assert ungated_response.get("FunctionError") == gated_response.get("FunctionError")
    assert (gated["errorType"], gated["errorMessage"]) == ("ValueError", "handler refused 8 bytes")
    assert (gated["errorType"], gated["errorMessage"]) == (ungated["errorType"], ungated["errorMessage"])


def test_a_failing_store_fails_the_invocation(stack: Stack, start_function: Any) -> None:
    stack.put_window(MAINTENANCE)
    function = start_function("probe.record", stack.gate_environment(GATE_TABLE_NAME="no-such-table"))

    _, payload = invoke(function, {"order": 3})

    assert payload["errorType"] == "DeferralStoreError"
    assert "ResourceNotFoundException" in payload["errorMessage"]
    assert stack.received() == []


def test_named_zones_work_with_no_system_time_zone_database(stack: Stack, start_function: Any, tmp_path: Path) -> None:
    # GIVEN an image with no zoneinfo directory, and a recurring window in a 45-minute-offset
    # zone that covers now (crossing local midnight when now is near it)
    empty_tz_dir = tmp_path / "no-zoneinfo"
    empty_tz_dir.mkdir()
    local_now = datetime.now(ZoneInfo("Pacific/Chatham"))
    start, end = local_now - timedelta(hours=1), local_now + timedelta(hours=1)
    window = {"start": start.strftime("%H:%M"), "end": end.strftime("%H:%M"), "timezone": "Pacific/Chatham"}
    stack.put_window({"recurring": [window]})
    function = start_function("probe.record", stack.gate_environment(PYTHONTZPATH=str(empty_tz_dir)))

    # WHEN the function is invoked
    _, payload = invoke(function, {"zone": "check"})

    # THEN the layer's tzdata resolved the zone and the gate deferred
    assert payload["deferred"] is True
    assert stack.records()[0][schema.WINDOW]["S"] == "recurring[0]"
