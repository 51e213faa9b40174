"""The caller classifier reads SAM's real sample events, and never raises on odd ones."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gate.callers.kinds import UNKNOWN, Caller, CallerKind, classify
from tests.fixtures.sam_events import sam_event
from tests.fixtures.trigger_events import FAMILIES, Family

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=12,
)
KEYS = st.sampled_from(
    ["Records", "requestContext", "type", "methodArn", "bot", "info", "tasks", "ResponseURL", "eventSource", "request"]
)


@pytest.mark.parametrize("family", FAMILIES, ids=lambda family: family.name)
def test_each_sample_event_is_read_as_its_source(family: Family) -> None:
    assert classify(family.event()) == Caller(family.kind, family.source)


@pytest.mark.parametrize(
    "event",
    [None, "text", 7, [], [1], {}, {"Records": []}, {"Records": [None]}, {"requestContext": "x"}, {"info": []}],
)
def test_odd_shapes_are_unknown_callers_whose_events_are_kept(event: Any) -> None:
    assert classify(event) == UNKNOWN


@given(st.dictionaries(KEYS, JSON, max_size=4) | JSON)
def test_no_event_makes_the_classifier_raise(event: Any) -> None:
    assert isinstance(classify(event), Caller)


# Sources SAM ships no sample for, in the shapes AWS's Lambda developer guide shows.
MSK = {
    "eventSource": "aws:kafka",
    "eventSourceArn": "arn:aws:kafka:us-east-1:123456789012:cluster/demo/751d2973-a626-431c-9d4e-d7975eb44dd7-2",
    "bootstrapServers": "b-2.demo-cluster-1.a1bcde.c1.kafka.us-east-1.amazonaws.com:9092",
    "records": {"mytopic-0": [{"topic": "mytopic", "partition": 0, "offset": 15, "value": "SGVsbG8="}]},
}
HTTP_API_AUTHORIZER = {
    "version": "2.0",
    "type": "REQUEST",
    "routeArn": "arn:aws:execute-api:us-east-1:123456789012:abcdef123/test/GET/request",
    "identitySource": ["user1"],
    "routeKey": "GET /request",
    "requestContext": {"http": {"method": "GET", "path": "/request"}, "apiId": "abcdef123"},
}
WEBSOCKET = {
    "requestContext": {"routeKey": "$connect", "eventType": "CONNECT", "connectionId": "ZZ1abc=", "stage": "prod"},
    "isBase64Encoded": False,
}


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        (MSK, Caller(CallerKind.ORDERED, "msk")),
        ({**MSK, "eventSource": "SelfManagedKafka"}, Caller(CallerKind.ORDERED, "kafka")),
        (HTTP_API_AUTHORIZER, Caller(CallerKind.IMMEDIATE, "apigateway-authorizer")),
        (WEBSOCKET, Caller(CallerKind.HTTP, "apigateway-websocket")),
    ],
    ids=["msk", "self-managed-kafka", "http-api-authorizer", "websocket"],
)
def test_sources_without_a_sam_sample_are_read_by_their_documented_keys(event: Any, expected: Caller) -> None:
    assert classify(event) == expected


def test_a_fifo_queue_is_known_by_its_message_group_even_without_the_arn_suffix() -> None:
    event = sam_event("sqs", "receive-message")
    event["Records"][0]["attributes"]["MessageGroupId"] = "order-7"

    assert classify(event) == Caller(CallerKind.ORDERED, "sqs-fifo")
