"""The exactly-once check the concurrent replay tests rely on finds each way delivery can break."""

from __future__ import annotations

from tests.delivery import delivery_faults


def test_each_event_delivered_once_is_no_fault() -> None:
    assert delivery_faults(["a", "b", "c"], ["c", "a", "b"]) == {}


def test_a_missing_a_doubled_and_a_stray_event_are_each_named() -> None:
    faults = delivery_faults(["a", "b", "c"], ["a", "a", "a", "c", "z"])

    assert faults == {"missing": ["b"], "delivered more than once": {"a": 3}, "never sent": ["z"]}


def test_an_event_sent_twice_must_arrive_twice() -> None:
    assert delivery_faults(["a", "a"], ["a"]) == {"missing": ["a"]}
    assert delivery_faults(["a", "a"], ["a", "a"]) == {}


def test_a_mapping_sent_is_read_as_its_keys() -> None:
    sent = {"req-1": {"order": 1}, "req-2": {"order": 2}}

    assert delivery_faults(sent, ["req-1", "req-1"]) == {"missing": ["req-2"], "delivered more than once": {"req-1": 2}}
