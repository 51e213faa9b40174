"""EarlyRead: the first window read starts at once, on its own thread; later reads are ordinary."""

from __future__ import annotations

import threading

import pytest

from gate.window.early import EarlyRead
from gate.window.errors import EndpointConnectionError


def test_the_read_starts_before_anyone_asks_for_it() -> None:
    started, release = threading.Event(), threading.Event()
    calls: list[str] = []

    def read() -> str:
        started.set()
        release.wait(5)
        calls.append("read")
        return f"document {len(calls)}"

    early = EarlyRead(read)

    assert started.wait(5)  # under way with no call made
    release.set()
    assert early() == "document 1"
    assert early() == "document 2"  # a later call reads afresh
    assert calls == ["read", "read"]


def test_a_failed_first_read_is_raised_once_then_reads_go_on() -> None:
    outcomes: list[Exception | str] = [EndpointConnectionError("no route"), "document"]

    def read() -> str:
        outcome = outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    early = EarlyRead(read)

    with pytest.raises(EndpointConnectionError, match="no route"):
        early()
    assert early() == "document"


def test_without_a_thread_the_first_call_reads_itself(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_thread(self: threading.Thread) -> None:
        raise RuntimeError("can't start new thread")

    monkeypatch.setattr(threading.Thread, "start", no_thread)
    calls: list[int] = []
    early = EarlyRead(lambda: calls.append(1) or "document")

    assert calls == []
    assert early() == "document" and calls == [1]
