"""Any JSON value round-trips through gate.deferral.codec to an equal value, plain or compressed."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from gate.deferral import codec
from tests.properties.budget import bounded
from tests.properties.json_values import json_values, same_json

# Padding that pushes an event over the compression threshold.
_LARGE = "x" * (codec.COMPRESS_OVER_BYTES + 1)


@bounded(200)
@given(value=json_values, large=st.booleans())
def test_any_json_value_round_trips_to_an_equal_value(value: Any, large: bool) -> None:
    event = {"value": value, "padding": _LARGE} if large else value

    encoded = codec.encode_event(event)
    text = codec.decode_body(encoded.body, encoded.encoding)

    assert same_json(codec.decode_event(encoded.body, encoded.encoding), event)
    # What the replayer sends is that JSON text: ASCII, and its size is what the record says
    assert same_json(json.loads(text), event)
    assert text.isascii()
    assert encoded.size == len(text)
    assert (encoded.encoding == codec.COMPRESSED) is (encoded.size > codec.COMPRESS_OVER_BYTES)
