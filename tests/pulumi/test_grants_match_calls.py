"""The grants the stack gives are exactly the AWS calls the gate and the replayer make.

The calls are recorded from the gate's store and from a replayer run against moto,
through botocore's own ``before-call`` events, and mapped to IAM actions. The gate
reads the window without boto3 (gate/window/reader.py signs one request itself), so that
call is read from the request it builds.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.response import StreamingBody
from botocore.stub import Stubber

from gate.deferral.codec import encode_event
from gate.deferral.store import Deferral, DeferredEventStore
from gate.replay.config import ReplayerConfig
from gate.replay.handler import drain
from gate.replay.invoke import LambdaInvoker
from gate.window import reader as ssm_fetch
from tests.pulumi.mocks import ROLE_POLICY, Run, as_list, run_stack, statements
from tests.unit.replay.support import BUCKET, FUNCTION, PARAMETER, TABLE, aws, incompressible  # noqa: F401

# IAM actions whose name differs from the API operation's.
IAM_ACTION = {("lambda", "Invoke"): "lambda:InvokeFunction", ("s3", "HeadObject"): "s3:GetObject"}
INLINE_LIMIT = 2048


class Recorder:
    def __init__(self) -> None:
        self.actions: set[str] = set()

    def client(self, service: str) -> Any:
        made = boto3.client(service)
        made.meta.events.register("before-call.*.*", self._record)
        return made

    def _record(self, model: Any, **_: Any) -> None:
        service = model.service_model.endpoint_prefix
        self.actions.add(IAM_ACTION.get((service, model.name), f"{service}:{model.name}"))


def granted(run_: Run, policy_suffix: str) -> set[str]:
    document = json.loads(run_.one(ROLE_POLICY, policy_suffix).inputs["policy"])
    return {action for statement in statements(document) for action in as_list(statement["Action"])}


def deferral(request_id: str, body: Any) -> Deferral:
    return Deferral(
        request_id=request_id,
        function_name=FUNCTION,
        function_arn=f"arn:aws:lambda:us-east-1:123456789012:function:{FUNCTION}",
        deferred_at_ms=1_700_000_000_000,
        event=encode_event(body),
        window="windows[0]",
    )


@pytest.fixture(scope="module")
def stack() -> Run:
    return run_stack(config={"replayerEnabled": True})


@pytest.fixture
def gate_calls(aws: None) -> Iterator[set[str]]:  # noqa: F811 - the moto fixture
    recorder = Recorder()
    store = DeferredEventStore(TABLE, BUCKET, inline_limit_bytes=INLINE_LIMIT, client_factory=recorder.client)
    # Every path the gate takes: inline, oversized (S3 first), a duplicate, a requeue.
    store.defer(deferral("small", {"n": 1}))
    store.defer(deferral("large", {"blob": incompressible(INLINE_LIMIT * 2)}))
    store.defer(deferral("small", {"n": 1}))
    store.requeue("small", deferral("small-again", {"n": 1}))
    yield recorder.actions | {f"ssm:{ssm_fetch._TARGET.split('.')[-1]}"}


def test_the_gated_functions_grant_is_exactly_the_gates_calls(stack: Run, gate_calls: set[str]) -> None:
    assert gate_calls == {"dynamodb:PutItem", "dynamodb:UpdateItem", "s3:PutObject", "ssm:GetParameter"}
    assert granted(stack, "-sample-gate-access") == gate_calls


class Context:
    aws_request_id = "replayer-run-1"

    def get_remaining_time_in_millis(self) -> int:
        return 600_000


def test_the_replayers_grant_is_exactly_the_replayers_calls(stack: Run, aws: None) -> None:  # noqa: F811
    # GIVEN pending records, one of them in S3
    store = DeferredEventStore(TABLE, BUCKET, inline_limit_bytes=INLINE_LIMIT, client_factory=boto3.client)
    store.defer(deferral("small", {"n": 1}))
    store.defer(deferral("large", {"blob": incompressible(INLINE_LIMIT * 2)}))
    recorder = Recorder()
    lambda_client = recorder.client("lambda")
    with Stubber(lambda_client) as stub:
        for _ in range(2):
            stub.add_response("invoke", {"StatusCode": 200, "Payload": StreamingBody(io.BytesIO(b"{}"), 2)})
        config = ReplayerConfig(
            parameter_name=PARAMETER, table_name=TABLE, functions=(FUNCTION,), overflow_bucket=BUCKET
        )

        # WHEN the replayer function drains them
        result = drain(
            config,
            Context(),
            client_factory=recorder.client,
            ssm=recorder.client("ssm"),
            invoker=LambdaInvoker(lambda_client),
        )

    # THEN it made only calls it is granted, and is granted only calls it makes
    assert result["functions"][FUNCTION]["replayed"] == 2, result
    replayer = granted(stack, "-replayer-access")
    assert recorder.actions <= replayer
    # GetItem: the replay engine reads a record back when its finishing write is refused
    # (re-queued by the gate, or the lease taken): a race this run does not meet. PutObject:
    # a partial batch failure whose failed items outgrow the record, which this run does not meet
    # (tests/unit/replay/test_failed_items.py does).
    assert replayer - recorder.actions <= {"dynamodb:GetItem", "s3:PutObject"}
