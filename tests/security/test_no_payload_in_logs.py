"""The gate logs ids, sizes and reasons, never an event's payload or a client context's contents.

A marker is planted in the event (values and keys), the client context (custom, env and
client fields) and the Cognito identity; every line the gate and the runtime write is
searched for it, in process and in the emulator's log.
"""

from __future__ import annotations

import base64
import json
import logging
import random
import string
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from gate.deferral import table as schema
from gate.deferral.store import DeferralStoreError, DeferredEventStore
from gate.deferral.wire import MARKER_KEY
from tests.e2e.conftest import Stack, invoke
from tests.faults.support import gate_for, lambda_context, logged, store_for, telemetry_records

MARKER = "PLANTED-7f3c9a"


def planted_event(padding: int = 0) -> dict[str, Any]:
    """An event with the marker in values and keys, and ``padding`` random letters (incompressible)."""
    return {
        "card": f"4111-{MARKER}",
        f"key-{MARKER}": [MARKER, {"nested": MARKER}],
        "padding": "".join(random.Random(padding).choices(string.ascii_letters, k=padding)),
    }


PLANTED_CLIENT_CONTEXT = {
    "custom": {"tenant": f"tenant-{MARKER}"},
    "env": {"platform": f"platform-{MARKER}"},
    "client": {"installation_id": f"install-{MARKER}", "app_title": MARKER},
}
PLANTED_IDENTITY = {"cognitoIdentityId": f"id-{MARKER}", "cognitoIdentityPoolId": f"pool-{MARKER}"}


def planted_context(request_id: str, custom: dict[str, Any] | None = None) -> Any:
    client_context = json.loads(json.dumps(PLANTED_CLIENT_CONTEXT))
    client_context["custom"].update(custom or {})
    return lambda_context(request_id, client_context=client_context, cognito_identity=PLANTED_IDENTITY)


@pytest.fixture
def everything_logged(capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture) -> Any:
    """A function returning everything written to stdout, stderr and the logging module so far."""
    caplog.set_level(logging.INFO)

    def read() -> str:
        out, err = capfd.readouterr()
        return out + err + "\n".join(record.getMessage() for record in caplog.records)

    return read


@pytest.mark.parametrize("size", [0, 4000], ids=["inline", "oversized-to-s3"])
def test_a_deferral_logs_no_payload_and_no_client_context(stack: Stack, everything_logged: Any, size: int) -> None:
    # GIVEN a gate in maintenance whose records keep at most 1024 bytes inline
    gate = gate_for(store_for(stack, inline_limit_bytes=1024))
    request_id = f"req-{uuid.uuid4()}"

    # WHEN an event carrying the marker is deferred, then delivered again
    first = gate(planted_event(size), planted_context(request_id))
    second = gate(planted_event(size), planted_context(request_id))
    output = everything_logged()

    # THEN the logs say what happened (ids, sizes, reasons) and never the marker
    assert first["deferred"] is True and second["deferred"] is True
    lines = logged(telemetry_records(output), "invocation deferred")
    assert [(line["request_id"], line["outcome"]) for line in lines] == [
        (request_id, "stored"),
        (request_id, "duplicate"),
    ]
    assert lines[0]["event_bytes"] > size
    assert MARKER not in output
    # ... while the record did keep the planted data: the marker was on the path being checked
    [record] = stack.records()
    assert MARKER in record[schema.CLIENT_CONTEXT]["S"] and MARKER in record[schema.IDENTITY]["S"]
    assert (schema.OVERFLOW_KEY in record) is (size > 1024)


def test_a_failed_deferral_logs_no_payload(stack: Stack, everything_logged: Any) -> None:
    store = DeferredEventStore("no-such-table", None, inline_limit_bytes=1024, client_factory=stack.client)
    gate = gate_for(store)

    with pytest.raises(DeferralStoreError) as failure:
        gate(planted_event(), planted_context(f"req-{uuid.uuid4()}"))
    output = everything_logged()

    assert len(logged(telemetry_records(output), "deferral failed")) == 1
    assert MARKER not in output
    assert MARKER not in str(failure.value)  # the error the runtime logs and returns


def test_an_oversized_deferral_without_a_bucket_logs_no_payload(stack: Stack, everything_logged: Any) -> None:
    gate = gate_for(store_for(stack, inline_limit_bytes=1024, overflow_bucket=False))

    with pytest.raises(DeferralStoreError) as failure:
        gate(planted_event(4000), planted_context(f"req-{uuid.uuid4()}"))
    output = everything_logged()

    assert "GATE_OVERFLOW_BUCKET is not set" in str(failure.value)
    assert MARKER not in output + str(failure.value)


def test_a_replayed_invocation_meeting_a_window_logs_no_payload(stack: Stack, everything_logged: Any) -> None:
    # GIVEN a record being replayed under a live lease, and the replay meeting a new window
    gate = gate_for(store_for(stack))
    original = f"req-{uuid.uuid4()}"
    gate(planted_event(), planted_context(original))
    stack.dynamodb.update_item(
        TableName=stack.table,
        Key={schema.KEY: {"S": original}},
        UpdateExpression="SET #status = :replaying, #lease = :later",
        ExpressionAttributeNames={"#status": schema.STATUS, "#lease": schema.LEASE_EXPIRES},
        ExpressionAttributeValues={
            ":replaying": {"S": "replaying"},
            ":later": {"N": str(int((time.time() + 600) * 1000))},
        },
    )
    everything_logged()

    # WHEN the replayed invocation is deferred again
    gate(planted_event(), planted_context(f"req-{uuid.uuid4()}", {MARKER_KEY: original}))
    output = everything_logged()

    # THEN it was requeued, and nothing planted was logged
    [line] = logged(telemetry_records(output), "invocation deferred")
    assert (line["outcome"], line["replay_of"]) == ("requeued", original)
    assert MARKER not in output


@pytest.mark.e2e
def test_the_runtime_log_of_a_gated_function_holds_no_payload(stack: Stack, start_function: Any) -> None:
    # GIVEN a gated function in maintenance under the emulator
    stack.put_window({"mode": "maintenance"})
    function = start_function("probe.record", stack.gate_environment())
    failing = start_function("probe.record", stack.gate_environment(GATE_TABLE_NAME="no-such-table"))
    client_context = base64.b64encode(json.dumps(PLANTED_CLIENT_CONTEXT).encode()).decode()

    # WHEN events carrying the marker are deferred, one of them oversized, and one deferral fails
    answers = [
        invoke(function, planted_event(), ClientContext=client_context)[1],
        invoke(function, planted_event(600_000), ClientContext=client_context)[1],
        invoke(failing, planted_event(), ClientContext=client_context)[1],
    ]
    for emulator in (function, failing):
        emulator.stop()

    # THEN the runtime's whole log shows the deferrals and the failure, and never the marker
    log = "".join(Path(emulator.log.name).read_text() for emulator in (function, failing) if emulator.log)
    assert [answer.get("deferred") for answer in answers[:2]] == [True, True]
    assert answers[2]["errorType"] == "DeferralStoreError"
    assert len(logged(telemetry_records(log), "invocation deferred")) == 2
    assert len(logged(telemetry_records(log), "deferral failed")) == 1
    assert MARKER not in log
    records = stack.records()
    assert sorted(schema.OVERFLOW_KEY in record for record in records) == [False, True]
    assert all(MARKER in record[schema.CLIENT_CONTEXT]["S"] for record in records)
