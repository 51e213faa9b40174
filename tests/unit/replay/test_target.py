"""Replay invokes the version or alias an event came through, and carries its tenant."""

from __future__ import annotations

import io
import time
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse

from gate.replay.invoke import LambdaInvoker, Target
from tests.unit.replay.support import (
    FUNCTION,
    FakeLambda,
    aws,  # noqa: F401 - a fixture
    replay,
    seed,
)

ARN = "arn:aws:lambda:us-east-1:123456789012:function:orders"


@pytest.mark.parametrize(
    ("invoked_arn", "qualifier"),
    [
        (f"{ARN}:live", "live"),
        (f"{ARN}:7", "7"),
        (f"{ARN}:$LATEST", None),
        (ARN, None),
        ("", None),
    ],
)
def test_the_target_is_the_qualifier_the_event_came_through(invoked_arn: str, qualifier: str | None) -> None:
    assert Target.of("orders", invoked_arn) == Target("orders", qualifier)


@pytest.mark.usefixtures("aws")
def test_a_replay_goes_to_each_records_alias_or_version_with_its_tenant() -> None:
    seed(1, function_arn=f"{ARN}:live")
    seed(1, start=1, function_arn=f"{ARN}:7", tenant_id="tenant-9")
    seed(1, start=2, function_arn=f"{ARN}:$LATEST")
    seed(1, start=3)
    fake = FakeLambda()

    replay(fake).run()

    assert fake.targets == [
        Target(FUNCTION, "live"),
        Target(FUNCTION, "7", "tenant-9"),
        Target(FUNCTION),
        Target(FUNCTION),
    ]


def test_the_invoke_request_names_the_qualifier_and_the_tenant_on_the_wire() -> None:
    # The real botocore client builds the request; it is caught before it is sent.
    client = boto3.client("lambda", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    sent: list[Any] = []

    def capture(request: Any, **_: Any) -> AWSResponse:
        sent.append(request)
        return AWSResponse(request.url, 200, {}, _Body(b'{"ok": true}'))

    client.meta.events.register("before-send.lambda.Invoke", capture)

    invocation = LambdaInvoker(client).invoke(Target("orders", "live", "tenant-9"), b"{}", "e30=")
    LambdaInvoker(client).invoke(Target("orders"), b"{}", "e30=")

    assert invocation.delivered
    qualified, bare = sent
    assert qualified.url.endswith("/functions/orders/invocations?Qualifier=live")
    assert qualified.headers["X-Amz-Tenant-Id"] == b"tenant-9"
    assert bare.url.endswith("/functions/orders/invocations")
    assert "X-Amz-Tenant-Id" not in bare.headers


class _Body(io.BytesIO):
    """A raw urllib3-like body: botocore streams the payload and reads it."""

    def stream(self, **_: Any) -> Any:
        yield self.getvalue()


@pytest.mark.usefixtures("aws")
def test_the_gate_keeps_the_tenant_and_a_forged_marker_gets_its_own_record() -> None:
    # GIVEN awslambdaric's own context for a tenant's invocation through an alias, whose client
    # context carries the replay marker of an existing record that is not being replayed
    from awslambdaric.lambda_context import LambdaContext

    from gate.config import OnDefer
    from gate.deferral.deferrer import Deferrer
    from gate.deferral.store import DeferredEventStore
    from gate.deferral.wire import MARKER_KEY
    from gate.window.decide import Decision
    from tests.unit.replay.support import BUCKET, TABLE, item

    [existing] = seed(1)
    before = item(existing)
    marker = {"custom": {MARKER_KEY: existing}}
    deadline_ms = int(time.time() * 1000) + 60_000
    context = LambdaContext("req-new", marker, None, deadline_ms, f"{ARN}:live", tenant_id="tenant-9")
    context.function_name = FUNCTION
    store = DeferredEventStore(TABLE, BUCKET, inline_limit_bytes=350_000, client_factory=boto3.client)

    # WHEN the gate defers it
    Deferrer(store, OnDefer.RESPOND).defer({"order": 1}, context, Decision(True, "windows[0]", "windows[0]"))

    # THEN it is its own record, with the tenant and the alias ARN; the named record is untouched
    kept = item("req-new")
    assert (kept["tenant_id"]["S"], kept["function_arn"]["S"]) == ("tenant-9", f"{ARN}:live")
    assert item(existing) == before
