"""Events the gate must keep exactly: stored by the gate against the moto server, read back with gate.deferral.codec.

Equality is strict (``same_json``): types are kept, so 1, 1.0 and True differ, and so
do 0.0 and -0.0. The 6 MB event goes through the emulator, in test_faults_under_emulator.
"""

from __future__ import annotations

import json
import random
import string
import uuid
from typing import Any

import pytest

from gate.config import DEFAULT_INLINE_LIMIT_BYTES
from gate.deferral import codec
from gate.deferral import table as schema
from gate.deferral.wire import MAX_CLIENT_CONTEXT_BYTES
from tests.e2e.conftest import Stack
from tests.faults.support import gate_for, lambda_context, store_for
from tests.properties.json_values import same_json


def nested_lists(depth: int) -> Any:
    value: Any = "bottom"
    for _ in range(depth):
        value = [value]
    return value


def nested_objects(depth: int) -> Any:
    value: Any = {"bottom": True}
    for level in range(depth):
        value = {f"level-{level}": value}
    return value


EVENTS: dict[str, Any] = {
    "list": [1, "two", None, {"three": 3.0}],
    "string": "just a string",
    "empty-string": "",
    "integer": 42,
    "float": 2.5,
    "null": None,
    "true": True,
    "false": False,
    "empty-object": {},
    "empty-list": [],
    "unicode-beyond-the-bmp": {"rocket": "🚀", "clef": "𝄞", "cjk-extension-b": "𠀀", "key 😀": "😀"},
    "lone-surrogates": {"high": "\ud83d", "low": "\ude80", "reversed pair": "\ude80\ud83d"},
    "control-and-separator-characters": "\x00\x1f\x7f\u2028\u2029\ufeff",
    "integers-beyond-64-bits": [2**64, -(2**63) - 1, 2**200, -(10**40), 0],
    "floats": [1.7976931348623157e308, 5e-324, -2.2250738585072014e-308, 0.1, -0.0, 9007199254740993.0],
    "100-levels-of-lists": nested_lists(100),
    "100-levels-of-objects": nested_objects(100),
}


@pytest.mark.parametrize("name", EVENTS)
def test_an_event_is_kept_as_an_equal_json_value(stack: Stack, name: str) -> None:
    gate = gate_for(store_for(stack))
    context = lambda_context(f"req-{uuid.uuid4()}")

    answer = gate(EVENTS[name], context)

    assert answer["deferred"] is True
    [record] = stack.records()
    assert same_json(stack.stored_event(record), EVENTS[name])


def padded(body_bytes: int) -> dict[str, str]:
    """An event whose stored body (plain JSON, under the compression threshold) is exactly ``body_bytes``."""
    event = {"pad": ""}
    event["pad"] = "x" * (body_bytes - len(codec.encode_event(event).body))
    return event


def incompressible(stored_bytes: int, *, over: bool) -> dict[str, str]:
    """The largest random event whose compressed body fits in ``stored_bytes`` (or the smallest that does not)."""
    letters = "".join(random.Random(stored_bytes).choices(string.ascii_letters, k=2 * stored_bytes))
    low, high = 0, len(letters)
    while low < high:  # the longest prefix that still fits
        middle = (low + high + 1) // 2
        if len(codec.encode_event({"blob": letters[:middle]}).body) <= stored_bytes:
            low = middle
        else:
            high = middle - 1
    length = low
    while over and len(codec.encode_event({"blob": letters[:length]}).body) <= stored_bytes:
        length += 1
    return {"blob": letters[:length]}


@pytest.mark.parametrize(("size", "inline"), [(-1, True), (0, True), (1, False)], ids=["under", "at", "over"])
def test_the_inline_limit_is_exact(stack: Stack, size: int, inline: bool) -> None:
    # GIVEN the smallest inline limit the gate accepts (GATE_INLINE_LIMIT_BYTES=1024)
    limit = 1024
    event = padded(limit + size)
    assert len(codec.encode_event(event).body) == limit + size
    gate = gate_for(store_for(stack, inline_limit_bytes=limit))

    # WHEN an event whose stored body is just under, at or just over it is deferred
    gate(event, lambda_context(f"req-{uuid.uuid4()}"))

    # THEN it stays in the record up to the limit, and goes to S3 past it: equal either way
    [record] = stack.records()
    assert (schema.EVENT in record, schema.OVERFLOW_KEY in record) == (inline, not inline)
    assert same_json(stack.stored_event(record), event)


@pytest.mark.parametrize("over", [False, True], ids=["just-under", "just-over"])
def test_at_the_default_inline_limit_dynamodb_takes_the_whole_record(stack: Stack, over: bool) -> None:
    # GIVEN an incompressible event just under (or just over) the default limit once compressed,
    # and the largest client context Lambda passes on
    event = incompressible(DEFAULT_INLINE_LIMIT_BYTES, over=over)
    stored = len(codec.encode_event(event).body)
    assert (stored > DEFAULT_INLINE_LIMIT_BYTES) is over
    assert DEFAULT_INLINE_LIMIT_BYTES - stored < 64 or over
    client_context = {"custom": {"k": "c" * (MAX_CLIENT_CONTEXT_BYTES * 3 // 4 - 20)}}
    gate = gate_for(store_for(stack))

    # WHEN it is deferred (moto enforces DynamoDB's 400 KB item limit)
    gate(event, lambda_context(f"req-{uuid.uuid4()}", client_context=client_context))

    # THEN the record took it inline (or S3 did), and it reads back equal
    [record] = stack.records()
    assert (schema.OVERFLOW_KEY in record) is over
    assert json.loads(record[schema.CLIENT_CONTEXT]["S"])["custom"] == client_context["custom"]
    assert stack.stored_event(record) == event
