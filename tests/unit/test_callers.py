"""The caller classifier reads SAM's real sample events, and never raises on odd ones."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gate.callers import UNKNOWN, Caller, classify
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
