"""Shared by the replay and CLI unit tests: moto in-process, seeded records, a fake Lambda."""

from __future__ import annotations

import json
import os
import random
import string
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import boto3
import pytest
from moto import mock_aws

from gate.deferral import table as schema
from gate.deferral.codec import encode_event
from gate.deferral.store import Deferral, DeferredEventStore
from gate.replay.engine import Replay, ReplayOptions
from gate.replay.factory import Resources, build_replay
from gate.replay.invoke import Invocation, Outcome, Target
from gate.replay.records import Record, RecordTable

TABLE, BUCKET, PARAMETER = "deferred", "overflow", "/gate/window"
FUNCTION = "orders"
# Deferral times start here and step by one second per record.
T0_MS = 1_700_000_000_000
# Every seeded event carries this, so a test can prove a listing never prints a payload.
PAYLOAD_MARKER = "PAYLOAD-MARKER-7f3a"


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for key in list(os.environ):
        if key.startswith(("AWS_ENDPOINT_URL", "GATE_")) or key in {"AWS_PROFILE", "AWS_CONFIG_FILE"}:
            monkeypatch.delenv(key)
    for name, value in {
        "AWS_ACCESS_KEY_ID": "x",
        "AWS_SECRET_ACCESS_KEY": "x",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        schema.create_table(boto3.client("dynamodb"), TABLE)
        boto3.client("s3").create_bucket(Bucket=BUCKET)
        put_window({"mode": "auto"})
        yield


def put_window(document: dict[str, Any] | str) -> None:
    value = document if isinstance(document, str) else json.dumps(document)
    boto3.client("ssm").put_parameter(Name=PARAMETER, Value=value, Type="String", Overwrite=True)


def window_text() -> str:
    return str(boto3.client("ssm").get_parameter(Name=PARAMETER)["Parameter"]["Value"])


def seed(
    count: int,
    *,
    function: str = FUNCTION,
    start: int = 0,
    inline_limit: int = 350_000,
    event: Callable[[int], Any] | None = None,
    client_context: dict[str, Any] | None = None,
    function_arn: str | None = None,
    tenant_id: str | None = None,
) -> list[str]:
    """Defer ``count`` events through the gate's own store; returns their ids in deferral order."""
    store = DeferredEventStore(TABLE, BUCKET, inline_limit_bytes=inline_limit, client_factory=boto3.client)
    ids = []
    for index in range(start, start + count):
        request_id = f"{function}-req-{index:04d}"
        body = event(index) if event else {"n": index, "secret": PAYLOAD_MARKER}
        store.defer(
            Deferral(
                request_id=request_id,
                function_name=function,
                function_arn=function_arn or f"arn:aws:lambda:us-east-1:123456789012:function:{function}",
                deferred_at_ms=T0_MS + index * 1000,
                event=encode_event(body),
                window="windows[0] (db upgrade)",
                client_context=client_context,
                tenant_id=tenant_id,
            )
        )
        ids.append(request_id)
    return ids


def incompressible(length: int, seed_value: int = 1) -> str:
    return "".join(random.Random(seed_value).choices(string.ascii_letters, k=length))


def record(request_id: str) -> Record:
    found = RecordTable(boto3.client("dynamodb"), TABLE).get(request_id)
    assert found is not None, request_id
    return found


def item(request_id: str) -> dict[str, Any]:
    response = boto3.client("dynamodb").get_item(TableName=TABLE, Key={schema.KEY: {"S": request_id}})
    return response.get("Item", {})  # type: ignore[no-any-return]


def status_of(request_id: str) -> str:
    return str(item(request_id)[schema.STATUS]["S"])


@dataclass
class FakeLambda:
    """Stands in for the Invoke API: records what it was sent, answers through ``respond``."""

    respond: Callable[[int, str, bytes, str], Invocation] = lambda *_: Invocation(Outcome.SUCCEEDED)
    calls: list[tuple[str, Any, dict[str, Any]]] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)

    def invoke(self, target: Target, payload: bytes, client_context: str) -> Invocation:
        import base64

        context = json.loads(base64.b64decode(client_context))
        self.calls.append((target.function_name, json.loads(payload), context))
        self.targets.append(target)
        return self.respond(len(self.calls), target.function_name, payload, client_context)

    @property
    def events(self) -> list[Any]:
        return [event for _, event, _ in self.calls]


def replay(
    invoker: FakeLambda,
    *,
    owner: str = "test-owner",
    clock: Callable[[], float] | None = None,
    sleeps: list[float] | None = None,
    **options: Any,
) -> Replay:
    options.setdefault("function_name", FUNCTION)
    kwargs: dict[str, Any] = {"clock": clock} if clock else {}
    # Throttle back-off and pacing are real time in production; tests record them instead.
    return build_replay(
        Resources(PARAMETER, TABLE, BUCKET),
        ReplayOptions(**options),
        client_factory=boto3.client,
        invoker=invoker,
        owner=owner,
        sleep=sleeps.append if sleeps is not None else lambda _seconds: None,
        **kwargs,
    )


NAMES_ENVIRONMENT = {"GATE_PARAMETER_NAME": PARAMETER, "GATE_TABLE_NAME": TABLE, "GATE_OVERFLOW_BUCKET": BUCKET}


def run_cli(*args: str, input: str | None = None, env: dict[str, str] | None = None) -> Any:
    """The click group in-process (stdout is not a terminal, so output is plain lines)."""
    from click.testing import CliRunner

    from gate.cli.main import cli

    return CliRunner().invoke(cli, list(args), input=input, env={**NAMES_ENVIRONMENT, **(env or {})})
