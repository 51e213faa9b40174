"""Every caller family, from SAM's sample events, through the gate in-process against moto.

For each source: what the gate answers inside a window, and whether anything was
stored, in both modes where GATE_ON_HTTP or GATE_ON_ORDERED applies.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from gate.callers.custom_resource import CustomResourceResponseError
from gate.callers.kinds import CallerKind
from gate.callers.responses import MaintenanceWindowError, is_deferred_answer
from gate.config import GateConfig, OnHttp, OnOrdered
from gate.deferral import codec
from gate.deferral import table as schema
from gate.handler import Gate, assemble, store_factory
from gate.window.cache import watch_window
from tests.fixtures.response_url import ResponseUrl
from tests.fixtures.trigger_events import FAMILIES, Family, family
from tests.unit.fakes import FakeContext
from tests.unit.replay.support import BUCKET, TABLE, aws  # noqa: F401 - aws is a fixture

pytestmark = pytest.mark.usefixtures("aws")


def window() -> str:
    """A one-off window named nightly that began a minute ago and ends in ten minutes."""
    now = time.time()
    start, end = (time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(instant)) for instant in (now - 60, now + 600))
    return json.dumps({"windows": [{"start": start, "end": end, "name": "nightly"}]})


def of_kind(kind: CallerKind, *, without: tuple[str, ...] = ()) -> list[Family]:
    return [candidate for candidate in FAMILIES if candidate.kind is kind and candidate.name not in without]


def handler(event: Any, context: Any) -> Any:
    raise AssertionError("the handler ran inside a window")


def gate(**answers: Any) -> Gate:
    document = window()
    config = GateConfig("parameter", TABLE, BUCKET, cache_ttl_seconds=60, **answers)
    source = watch_window(config, lambda: document)
    source.prime()
    return assemble(config, handler, source, store_factory(config, boto3.client))


def records() -> list[dict[str, Any]]:
    return boto3.client("dynamodb").scan(TableName=TABLE)["Items"]  # type: ignore[no-any-return]


def stored_event(item: dict[str, Any]) -> Any:
    return codec.decode_event(item[schema.EVENT]["B"], item[schema.EVENT_ENCODING]["S"])


def emitted(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


@pytest.mark.parametrize("source", of_kind(CallerKind.HTTP), ids=lambda source: source.name)
def test_http_reject_answers_503_with_retry_after_and_stores_nothing(
    source: Family, capsys: pytest.CaptureFixture[str]
) -> None:
    answer = gate(on_http=OnHttp.REJECT)(source.event(), FakeContext())

    headers = answer.get("headers") or {name: values[0] for name, values in answer["multiValueHeaders"].items()}
    assert answer["statusCode"] == 503
    assert 590 <= int(headers["Retry-After"]) <= 600
    assert not is_deferred_answer(answer)
    assert records() == []
    lines = emitted(capsys)
    [log] = [line for line in lines if line.get("message") == "invocation refused"]
    assert (log["caller"], log["request_id"]) == (source.source, "req-1")
    assert any(line.get("Rejections") == 1 for line in lines)
    assert "eyJ0ZXN0IjoiYm9keSJ9" not in json.dumps(lines)  # the sample's base64 body


@pytest.mark.parametrize("source", of_kind(CallerKind.HTTP), ids=lambda source: source.name)
def test_http_accept_answers_202_and_keeps_the_request(source: Family) -> None:
    event = source.event()

    answer = gate(on_http=OnHttp.ACCEPT)(event, FakeContext())

    assert answer["statusCode"] == 202 and json.loads(answer["body"])["id"] == "req-1"
    assert is_deferred_answer(answer)
    [record] = records()
    assert stored_event(record) == event


def test_an_alb_request_in_multi_value_mode_is_answered_in_that_mode() -> None:
    for on_http in OnHttp:
        answer = gate(on_http=on_http)(family("alb-multi-value").event(), FakeContext(aws_request_id=on_http.value))

        assert "headers" not in answer and answer["multiValueHeaders"]["Content-Type"] == ["application/json"]


@pytest.mark.parametrize(
    "source", of_kind(CallerKind.IMMEDIATE, without=("s3-batch", "cloudformation")), ids=lambda source: source.name
)
def test_a_caller_that_acts_on_the_answer_gets_an_error_naming_the_window_and_nothing_is_stored(
    source: Family,
) -> None:
    with pytest.raises(MaintenanceWindowError) as raised:
        gate()(source.event(), FakeContext())

    message = str(raised.value)
    assert "orders is in a maintenance window, windows[0] (nightly), until 20" in message
    assert f"{source.source} invocation refused, nothing stored" in message
    assert records() == []


def test_s3_batch_operations_gets_temporary_failures_and_nothing_is_stored() -> None:
    event = family("s3-batch").event()

    answer = gate()(event, FakeContext())

    assert [result["resultCode"] for result in answer["results"]] == ["TemporaryFailure"] * len(event["tasks"])
    assert "nightly" in answer["results"][0]["resultString"]
    assert records() == []


@pytest.mark.parametrize("source", of_kind(CallerKind.ORDERED), ids=lambda source: source.name)
def test_ordered_hold_fails_the_batch_and_stores_nothing(source: Family) -> None:
    with pytest.raises(MaintenanceWindowError, match="the source keeps the batch and retries it in order"):
        gate(on_ordered=OnOrdered.HOLD)(source.event(), FakeContext())

    assert records() == []


@pytest.mark.parametrize("source", of_kind(CallerKind.ORDERED), ids=lambda source: source.name)
def test_ordered_defer_keeps_the_batch_and_answers_deferred(source: Family) -> None:
    event = source.event()

    answer = gate(on_ordered=OnOrdered.DEFER)(event, FakeContext())

    assert answer == {"deferred": True, "id": "req-1", "retryAfter": answer["retryAfter"]}
    [record] = records()
    assert stored_event(record) == event


@pytest.mark.parametrize("source", of_kind(CallerKind.STORED), ids=lambda source: source.name)
def test_every_other_source_is_kept_and_answered_deferred_in_any_mode(source: Family) -> None:
    event = source.event()

    answer = gate(on_http=OnHttp.REJECT, on_ordered=OnOrdered.HOLD)(event, FakeContext())

    assert answer["deferred"] is True and answer["id"] == "req-1"
    [record] = records()
    assert stored_event(record) == event


@pytest.fixture
def response_url() -> Iterator[Any]:
    servers: list[ResponseUrl] = []

    def start(status: int = 200) -> ResponseUrl:
        servers.append(ResponseUrl(status))
        return servers[-1]

    yield start
    for server in servers:
        server.stop()


def test_a_custom_resource_request_is_answered_failed_on_its_response_url(response_url: Any) -> None:
    target = response_url()
    event = {**family("cloudformation").event(), "ResponseURL": target.url}

    assert gate()(event, FakeContext()) is None

    [(path, headers, body)] = target.received
    answer = json.loads(body)
    assert path == "/cfn-response?X-Amz-Signature=abc" and headers["Content-Type"] == ""
    assert answer["Status"] == "FAILED" and "maintenance window, windows[0] (nightly)," in answer["Reason"]
    assert (answer["RequestId"], answer["StackId"]) == (event["RequestId"], event["StackId"])
    assert answer["LogicalResourceId"] == event["LogicalResourceId"] and answer["PhysicalResourceId"]
    assert records() == []


def test_a_custom_resource_response_that_cannot_be_delivered_fails_the_invocation(response_url: Any) -> None:
    event = {**family("cloudformation").event(), "ResponseURL": response_url(status=403).url}

    with pytest.raises(CustomResourceResponseError, match="not delivered"):
        gate()(event, FakeContext())

    assert records() == []


def test_a_custom_resource_response_url_must_be_https() -> None:
    event = {**family("cloudformation").event(), "ResponseURL": "http://169.254.169.254/latest"}

    with pytest.raises(CustomResourceResponseError, match="not https"):
        gate()(event, FakeContext())


@pytest.mark.parametrize("name", ["lex-v2", "kinesis", "apigateway-rest", "s3-batch"])
def test_a_refusal_logs_and_raises_no_payload(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    marker = "PLANTED-MARKER-91c2"
    event = family(name).event()
    event["planted"] = {marker: marker}

    try:
        answer: Any = gate()(event, FakeContext())
    except MaintenanceWindowError as refusal:
        answer = str(refusal)

    assert marker not in json.dumps(answer)
    assert marker not in capsys.readouterr().out
    assert records() == []
