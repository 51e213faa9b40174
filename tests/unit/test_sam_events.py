"""The SAM sample-event fixture renders every template the way `sam local generate-event` does."""

from __future__ import annotations

import base64
import json

import pytest

from tests.fixtures.sam_events import UnknownSampleEventError, catalogue, sam_event

EVERY_EVENT = [(service, event) for service, events in catalogue().items() for event in events]


def test_the_catalogue_holds_the_sources_the_gate_answers_for() -> None:
    wanted = {"apigateway", "alb", "sqs", "sns", "kinesis", "dynamodb", "lex", "lex-v2", "appsync", "connect", "s3"}
    assert wanted <= set(catalogue())
    assert len(EVERY_EVENT) >= 60


@pytest.mark.parametrize(("service", "event_type"), EVERY_EVENT)
def test_every_template_renders_to_json_with_no_tag_left(service: str, event_type: str) -> None:
    event = sam_event(service, event_type)

    assert isinstance(event, dict) and event
    assert "{{" not in json.dumps(event)


def test_defaults_are_encoded_hashed_and_parsed_as_the_mapping_says() -> None:
    proxy = sam_event("apigateway", "aws-proxy")
    [message] = sam_event("sqs", "receive-message")["Records"]

    assert base64.b64decode(proxy["body"]) == b'{"test":"body"}'
    assert proxy["queryStringParameters"] == {"foo": "bar"}
    assert proxy["requestContext"]["accountId"] == "123456789012"
    # AWS's own documented example: the MD5 of "Hello from SQS!".
    assert message["md5OfBody"] == "7b270e59b47ff90a553787216d55d91d"
    assert sam_event("s3", "put", key="a b/c")["Records"][0]["s3"]["object"]["key"] == "a%20b/c"


def test_values_override_defaults_and_each_call_gets_its_own_copy() -> None:
    first = sam_event("sqs", "receive-message", queue_name="orders.fifo")
    first["Records"].clear()

    assert sam_event("sqs", "receive-message", queue_name="orders.fifo")["Records"][0]["eventSourceARN"].endswith(
        ":orders.fifo"
    )


def test_an_unknown_event_is_named() -> None:
    with pytest.raises(UnknownSampleEventError, match="'sqs' 'nope'"):
        sam_event("sqs", "nope")
