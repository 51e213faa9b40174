"""DynamoDB or S3 failing during a deferral: the invocation fails loudly, and a retry stores the event once.

The gate's own store clients (``gate.aws.store_client``: its timeouts and retry
budget) talk to a :class:`FaultProxy` in front of the moto server.
"""

from __future__ import annotations

import random
import string
import time
import uuid
from typing import Any, NamedTuple

import pytest
from botocore.exceptions import ClientError

from gate import aws as clients
from gate.deferral import table as schema
from gate.deferral.store import DeferralStoreError
from gate.local.servers import MotoServer
from tests.e2e.conftest import Stack
from tests.faults.fakes import Fault, FaultProxy
from tests.faults.support import (
    gate_for,
    lambda_context,
    logged,
    metric_values,
    store_call_bound,
    store_for,
    telemetry_records,
)

INLINE_LIMIT = 1024


def _random_text(length: int, seed: int) -> str:
    return "".join(random.Random(seed).choices(string.ascii_letters, k=length))


SMALL_EVENT: dict[str, Any] = {"order": 7, "items": [1, 2.5, None], "note": "caffè 🚀"}
# Over the inline limit, under the compression threshold: this one goes to S3 first.
OVERSIZED_EVENT: dict[str, Any] = {"order": 8, "blob": _random_text(3000, seed=8)}


THROTTLED = "ProvisionedThroughputExceededException"


class StoreFault(NamedTuple):
    service: str
    fault: Fault | None  # None: the endpoint's port is closed
    code: str  # the error code the message must name
    retried: bool  # whether the gate's client retries it


STORE_FAULTS = {
    "dynamodb-throttled": StoreFault("dynamodb", Fault.json_error(THROTTLED), THROTTLED, retried=True),
    "dynamodb-denied": StoreFault(
        "dynamodb", Fault.json_error("AccessDeniedException"), "AccessDeniedException", retried=False
    ),
    "dynamodb-unreachable": StoreFault("dynamodb", None, "EndpointConnectionError", retried=True),
    "s3-throttled": StoreFault("s3", Fault.xml_error("SlowDown", 503), "SlowDown", retried=True),
    "s3-denied": StoreFault("s3", Fault.xml_error("AccessDenied", 403), "AccessDenied", retried=False),
    "s3-unreachable": StoreFault("s3", None, "EndpointConnectionError", retried=True),
}


@pytest.mark.parametrize("case", STORE_FAULTS.values(), ids=STORE_FAULTS.keys())
def test_a_store_fault_fails_the_invocation_and_its_retry_stores_the_event_once(
    stack: Stack,
    aws_environment: MotoServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    case: StoreFault,
) -> None:
    service, fault = case.service, case.fault
    # GIVEN the gate in maintenance, with its real `service` client behind a failing endpoint
    proxy = FaultProxy(aws_environment.url)
    monkeypatch.setenv(f"AWS_ENDPOINT_URL_{service.upper()}", proxy.url)
    if fault is not None:
        proxy.start().always(fault)
    gate = gate_for(store_for(stack, clients.store_client, inline_limit_bytes=INLINE_LIMIT))
    event = OVERSIZED_EVENT if service == "s3" else SMALL_EVENT
    context = lambda_context(f"req-{uuid.uuid4()}")
    capsys.readouterr()

    try:
        # WHEN an invocation meets the fault
        started = time.monotonic()
        with pytest.raises(DeferralStoreError) as failure:
            gate(event, context)
        elapsed = time.monotonic() - started

        # THEN it fails with a clear error naming the request and the cause, within the clients' bound
        assert context.aws_request_id in str(failure.value)
        assert f": {case.code}: " in str(failure.value)
        # Two calls at most (S3, then DynamoDB), with generous slack for a loaded machine.
        assert elapsed < 2 * store_call_bound() + 5.0
        if fault is not None:
            assert (len(proxy.requests) > 1) is case.retried, proxy.requests
        # ... and nothing says it was deferred, and nothing is kept
        records = telemetry_records(capsys.readouterr().out)
        assert logged(records, "invocation deferred") == []
        assert metric_values(records, "Deferrals") == []
        assert [line["request_id"] for line in logged(records, "deferral failed")] == [context.aws_request_id]
        assert stack.records() == []

        # WHEN the store recovers and the same invocation is delivered again, twice
        if fault is None:
            proxy.start()
        proxy.always(None)
        answers = [gate(event, context), gate(event, context)]
    finally:
        proxy.stop()

    # THEN both answer "deferred", and exactly one record holds the event
    assert answers == [{"deferred": True, "id": context.aws_request_id, "retryAfter": None}] * 2
    outcomes = [line["outcome"] for line in logged(telemetry_records(capsys.readouterr().out), "invocation deferred")]
    assert outcomes == ["stored", "duplicate"]
    [record] = stack.records()
    assert record[schema.KEY]["S"] == context.aws_request_id
    assert (schema.OVERFLOW_KEY in record) == (service == "s3")
    assert stack.stored_event(record) == event


def test_a_lost_acknowledgement_is_neither_a_lost_event_nor_a_second_record(
    stack: Stack, aws_environment: MotoServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN DynamoDB applies the first put but its answer never arrives
    with FaultProxy(aws_environment.url) as proxy:
        monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", proxy.url)
        proxy.inject(Fault.lost_reply())
        gate = gate_for(store_for(stack, clients.store_client))
        context = lambda_context(f"req-{uuid.uuid4()}")
        capsys.readouterr()

        # WHEN the gate defers (its client retries the put)
        answer = gate(SMALL_EVENT, context)

    # THEN the retry met the first put's record: reported deferred, one record
    assert answer["deferred"] is True
    assert len(proxy.requests) == 2
    [line] = logged(telemetry_records(capsys.readouterr().out), "invocation deferred")
    assert line["outcome"] == "duplicate"
    [record] = stack.records()
    assert stack.stored_event(record) == SMALL_EVENT


def test_the_store_client_makes_its_configured_number_of_attempts(
    aws_environment: MotoServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    with FaultProxy(aws_environment.url) as proxy:
        monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", proxy.url)
        # A server error is retried with a short backoff (throttling would back off for seconds).
        proxy.always(Fault.json_error("InternalServerError", status=500))
        with pytest.raises(ClientError):
            clients.store_client("dynamodb").describe_limits()

    assert len(proxy.requests) == clients.STORE_MAX_ATTEMPTS
