"""Durable functions inside a window: recognised by the envelope's shape, held by a durable wait, never stored.

The gate's checkpoint request goes to a real boto3 Lambda client behind botocore's
Stubber, which validates every parameter against the service model of
``CheckpointDurableExecution`` (the Id and SubType patterns, WaitSeconds' range).
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone
from typing import Any

import boto3
import pytest
from aws_durable_execution_sdk_python.execution import DurableExecutionInvocationInput
from botocore.stub import Stubber

from gate.callers.durable import HOLD_MAX_SECONDS, HOLD_NAME, hold_id, hold_seconds
from gate.callers.kinds import DURABLE, UNKNOWN, Caller, CallerKind, classify
from gate.callers.responses import MaintenanceWindowError
from gate.config import OnDefer, OnHttp, OnOrdered
from gate.deferral.deferrer import Deferrer
from gate.deferral.store import Deferral
from gate.window.decide import Decision
from tests.fixtures.trigger_events import durable_invocation
from tests.unit.fakes import FakeContext


class RecordingStore:
    def __init__(self) -> None:
        self.deferred: list[Deferral] = []

    def defer(self, deferral: Deferral, *, deadline: float | None = None) -> str:
        self.deferred.append(deferral)
        return "stored"

    def requeue(self, original: str, deferral: Deferral, *, deadline: float | None = None) -> str:
        self.deferred.append(deferral)
        return "requeued"

    def warm_up(self) -> None:
        pass


def stubbed_lambda() -> tuple[Any, Stubber]:
    client = boto3.client("lambda", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    return client, Stubber(client)


def deferrer(client: Any, store: RecordingStore, **modes: Any) -> Deferrer:
    return Deferrer(store, modes.pop("on_defer", OnDefer.RESPOND), client_factory=lambda _name: client, **modes)  # type: ignore[arg-type]


def test_the_fixture_is_the_envelope_the_sdk_reads() -> None:
    envelope = DurableExecutionInvocationInput.from_json_dict(durable_invocation())

    assert envelope.checkpoint_token == durable_invocation()["CheckpointToken"]
    assert envelope.initial_execution_state.operations[0].execution_details is not None


def test_the_envelope_is_a_durable_caller() -> None:
    assert classify(durable_invocation()) == DURABLE == Caller(CallerKind.DURABLE, "durable")
    assert CallerKind.DURABLE.value == "durable"  # the name the Go proxy's vectors use


@pytest.mark.parametrize(
    "event",
    [
        {key: value for key, value in durable_invocation().items() if key != "CheckpointToken"},
        {key: value for key, value in durable_invocation().items() if key != "DurableExecutionArn"},
        {key: value for key, value in durable_invocation().items() if key != "InitialExecutionState"},
        {**durable_invocation(), "CheckpointToken": None},
        {**durable_invocation(), "InitialExecutionState": []},
        {**durable_invocation(), "DurableExecutionArn": 7},
        # The function's own input carrying the keys, as a plain invoke might: not the envelope.
        {"order": {"DurableExecutionArn": "a", "CheckpointToken": "b", "InitialExecutionState": {}}},
    ],
    ids=["no-token", "no-arn", "no-state", "token-null", "state-list", "arn-number", "nested"],
)
def test_only_the_whole_envelope_is_durable(event: dict[str, Any]) -> None:
    assert classify(event).kind is not CallerKind.DURABLE
    assert classify(event) == UNKNOWN


@pytest.mark.parametrize(
    ("retry_after", "expected"), [(None, HOLD_MAX_SECONDS), (7200, HOLD_MAX_SECONDS), (42, 42), (0, 1), (1, 1)]
)
def test_the_wait_lasts_until_the_window_ends_and_at_most_five_minutes(retry_after: int | None, expected: int) -> None:
    assert hold_seconds(retry_after) == expected


def test_the_wait_id_is_one_per_invocation_and_in_the_sdk_id_form() -> None:
    first, second = hold_id("token-1"), hold_id("token-2")

    assert first != second and hold_id("token-1") == first
    assert re.fullmatch(r"[0-9a-f]{64}", first)


@pytest.mark.parametrize(
    "modes",
    [
        {},
        {"on_ordered": OnOrdered.DEFER, "on_http": OnHttp.ACCEPT},
        {"on_defer": OnDefer.ERROR},
    ],
    ids=["defaults", "accept-defer", "on-defer-error"],
)
def test_a_window_checkpoints_one_durable_wait_answers_pending_and_stores_nothing(modes: dict[str, Any]) -> None:
    # GIVEN a window ending in 90 s, and Lambda's durable API behind botocore's Stubber
    client, stubber = stubbed_lambda()
    event = durable_invocation()
    stubber.add_response(
        "checkpoint_durable_execution",
        {"CheckpointToken": "AAAAAg==", "NewExecutionState": {"Operations": []}},
        {
            "DurableExecutionArn": event["DurableExecutionArn"],
            "CheckpointToken": event["CheckpointToken"],
            "ClientToken": "req-1",
            "Updates": [
                {
                    "Id": hold_id(event["CheckpointToken"]),
                    "Type": "WAIT",
                    "SubType": "Wait",
                    "Action": "START",
                    "Name": HOLD_NAME,
                    "WaitOptions": {"WaitSeconds": 90},
                }
            ],
        },
    )
    store = RecordingStore()
    ends = datetime.now(timezone.utc) + timedelta(seconds=89.5)
    decision = Decision(True, "windows[0] (upgrade)", "windows[0] (upgrade)", ends)

    # WHEN the durable service invokes the function
    with stubber:
        answer = deferrer(client, store, **modes).answer(event, FakeContext(), decision)
        stubber.assert_no_pending_responses()

    # THEN the answer is the durable output envelope's PENDING, and nothing was stored
    assert answer == {"Status": "PENDING"}
    assert json.loads(json.dumps(answer)) == answer
    assert store.deferred == []


def test_a_failed_checkpoint_fails_the_invocation_naming_the_window_and_the_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    client, stubber = stubbed_lambda()
    stubber.add_client_error("checkpoint_durable_execution", "TooManyRequestsException", "Rate exceeded")
    store = RecordingStore()
    ends = datetime.now(timezone.utc) + timedelta(hours=1)
    decision = Decision(True, "windows[0] (upgrade)", "windows[0] (upgrade)", ends)

    with stubber, pytest.raises(MaintenanceWindowError) as raised:
        deferrer(client, store).answer(durable_invocation(), FakeContext(), decision)

    message = str(raised.value)
    assert "maintenance window, windows[0] (upgrade)" in message and "durable invocation refused" in message
    assert "TooManyRequestsException" in message and "the durable service retries the invocation" in message
    assert store.deferred == []
    log = capsys.readouterr().out
    assert '"answer":"invocation failed"' in log
    assert "InputPayload" not in log and durable_invocation()["CheckpointToken"] not in log  # no payload, no token


def test_a_lambda_client_is_made_once_and_only_for_a_durable_hold() -> None:
    made: list[str] = []

    class Client:
        def checkpoint_durable_execution(self, **_request: Any) -> dict[str, Any]:
            return {}

    def factory(name: str) -> Client:
        made.append(name)
        return Client()

    gate = Deferrer(RecordingStore(), OnDefer.RESPOND, client_factory=factory)  # type: ignore[arg-type]
    decision = Decision(True, "mode is maintenance")
    gate.answer({"order": 1}, FakeContext(), decision)
    assert made == []
    gate.answer(durable_invocation(), FakeContext(), decision)
    gate.answer(durable_invocation(), FakeContext(), decision)
    assert made == ["lambda"]
