"""A slow DynamoDB or S3 during a deferral: the invocation fails in its own time, acknowledging nothing unkept.

The gate's own store clients (``gate.aws.store_client``, whose budget is ~24 s a
call) talk to a :class:`FaultProxy` in front of the moto server that holds requests.
Each invocation has a few seconds left, as awslambdaric's context says, so only the
deadline (its remaining time less ``MARGIN_SECONDS``) can end it in time.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable

import pytest

from gate import aws as clients
from gate.deferral import table as schema
from gate.deferral.deadline import MARGIN_SECONDS, THREAD_NAME
from gate.deferral.store import DeferralTimeoutError
from gate.handler import Gate
from gate.local.servers import MotoServer
from tests.e2e.conftest import Stack
from tests.faults.fakes import Fault, FaultProxy
from tests.faults.support import (
    FUNCTION_NAME,
    gate_for,
    lambda_context,
    logged,
    metric_values,
    store_for,
    telemetry_records,
)
from tests.faults.test_store_faults import INLINE_LIMIT, OVERSIZED_EVENT, SMALL_EVENT

# What the invocation has left when it defers; the store call must end by REMAINING - MARGIN_SECONDS.
REMAINING = 2.0
# How long the front holds a request before forwarding it: past the deadline, inside the client's read timeout.
HELD = 3.5


def guarded_gate(stack: Stack) -> Gate:
    gate = gate_for(store_for(stack, clients.store_client, inline_limit_bytes=INLINE_LIMIT))
    # As at init inside a window: the DynamoDB client exists before the first deferral.
    gate.deferrer().warm_up()
    return gate


def fails_in_time(gate: Gate, event: object, request_id: str, capsys: pytest.CaptureFixture[str]) -> float:
    """Defer with REMAINING seconds left; assert it fails, unacknowledged, before its end; return when it gave up."""
    context = lambda_context(request_id, remaining_seconds=REMAINING)
    capsys.readouterr()
    started = time.monotonic()
    with pytest.raises(DeferralTimeoutError) as failure:
        gate(event, context)
    elapsed = time.monotonic() - started
    assert elapsed < REMAINING, f"the invocation outlived its own time: {elapsed:.2f} s"
    assert request_id in str(failure.value)
    records = telemetry_records(capsys.readouterr().out)
    assert logged(records, "invocation deferred") == []
    assert metric_values(records, "Deferrals") == []
    assert [line["request_id"] for line in logged(records, "deferral failed")] == [request_id]
    return started + REMAINING - MARGIN_SECONDS


def join_calls_given_up_on(timeout: float) -> None:
    for thread in threading.enumerate():
        if thread.name == THREAD_NAME:
            thread.join(timeout)
            assert not thread.is_alive(), "a store call given up on is still running"


def eventually(condition: Callable[[], bool], timeout: float) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


def retried(gate: Gate, event: object, request_id: str, capsys: pytest.CaptureFixture[str]) -> str:
    """Lambda's retry of the invocation: the same request id, with time to spare; the store's outcome."""
    answer = gate(event, lambda_context(request_id))
    assert answer == {"deferred": True, "id": request_id, "retryAfter": None}
    [line] = logged(telemetry_records(capsys.readouterr().out), "invocation deferred")
    return str(line["outcome"])


def test_a_slow_dynamodb_fails_the_invocation_in_time_and_its_late_write_is_the_retrys_one_record(
    stack: Stack, aws_environment: MotoServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    request_id = f"req-{uuid.uuid4()}"
    with FaultProxy(aws_environment.url) as proxy:
        # GIVEN DynamoDB that takes HELD seconds to apply and answer the put
        monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", proxy.url)
        gate = guarded_gate(stack)
        proxy.inject(Fault.slow(HELD))

        # WHEN an invocation with REMAINING seconds left defers: THEN it fails before its end, unacknowledged
        fails_in_time(gate, SMALL_EVENT, request_id, capsys)
        # ... when nothing was stored yet: the front still holds the put
        assert stack.records() == []

        # WHEN the put given up on lands after all, and Lambda then retries the invocation
        assert eventually(lambda: len(stack.records()) == 1, timeout=HELD + 10)
        outcome = retried(gate, SMALL_EVENT, request_id, capsys)

    # THEN the retry meets the late record (the conditional put by request id): one record, the event kept
    assert outcome == "duplicate"
    assert len(proxy.requests) == 2, proxy.requests
    [record] = stack.records()
    assert record[schema.KEY]["S"] == request_id
    assert stack.stored_event(record) == SMALL_EVENT


def test_a_slow_s3_bounds_the_whole_call_and_no_record_is_written_after_the_deadline(
    stack: Stack, aws_environment: MotoServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    request_id = f"req-{uuid.uuid4()}"
    with FaultProxy(aws_environment.url) as proxy:
        # GIVEN S3 that takes HELD seconds to store an oversized event (DynamoDB is healthy)
        monkeypatch.setenv("AWS_ENDPOINT_URL_S3", proxy.url)
        gate = guarded_gate(stack)
        proxy.inject(Fault.slow(HELD))

        # WHEN an invocation with REMAINING seconds left defers it: THEN it fails before its end, unacknowledged
        fails_in_time(gate, OVERSIZED_EVENT, request_id, capsys)

        # ... and once the S3 put given up on has finished, its call did not go on to write the record
        join_calls_given_up_on(timeout=HELD + 10)
        assert stack.records() == []

        # WHEN Lambda retries the invocation
        outcome = retried(gate, OVERSIZED_EVENT, request_id, capsys)

    # THEN it is stored once, its overflow object overwritten in place
    assert outcome == "stored"
    [record] = stack.records()
    assert record[schema.OVERFLOW_KEY]["S"] == schema.overflow_key(FUNCTION_NAME, request_id)
    assert stack.stored_event(record) == OVERSIZED_EVENT


def test_past_the_deadline_a_store_call_given_up_on_sends_no_further_attempt(
    stack: Stack, aws_environment: MotoServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with FaultProxy(aws_environment.url) as proxy:
        # GIVEN DynamoDB that answers every request with a retryable 500, each after 0.8 s: the client
        # alone would send all STORE_MAX_ATTEMPTS, the last one always after the deadline
        monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", proxy.url)
        gate = guarded_gate(stack)
        proxy.always(Fault.json_error("InternalServerError", status=500).after(0.8))

        # WHEN an invocation defers: THEN it fails in time, unacknowledged
        deadline = fails_in_time(gate, SMALL_EVENT, f"req-{uuid.uuid4()}", capsys)
        join_calls_given_up_on(timeout=30)

    # THEN fewer attempts than the client's own budget were sent, none of them after the deadline
    # (0.5 s for the loopback hop on a loaded machine), and nothing is kept
    assert 1 <= len(proxy.requests) < clients.STORE_MAX_ATTEMPTS, proxy.requests
    assert max(proxy.arrivals) <= deadline + 0.5
    assert stack.records() == []
