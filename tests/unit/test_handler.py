"""Gate: run the handler outside a window; keep the event and answer inside one."""

from __future__ import annotations

import json
from typing import Any

import pytest

from gate.callers.responses import EventDeferredError, is_deferred_answer
from gate.config import GateConfig, OnDefer, OnHttp
from gate.deferral.codec import decode_event
from gate.deferral.store import STORED, Deferral, DeferralStoreError
from gate.deferral.wire import MARKER_KEY
from gate.handler import Gate, assemble
from gate.window.cache import watch_window
from tests.fixtures.sam_events import sam_event
from tests.unit.fakes import FakeClientContext, FakeContext


class RecordingStore:
    def __init__(self, failure: Exception | None = None) -> None:
        self.deferred: list[Deferral] = []
        self.requeued: list[tuple[str, Deferral]] = []
        self.failure = failure

    def defer(self, deferral: Deferral, *, deadline: float | None = None) -> str:
        if self.failure:
            raise self.failure
        self.deferred.append(deferral)
        return STORED

    def requeue(self, original: str, deferral: Deferral, *, deadline: float | None = None) -> str:
        self.requeued.append((original, deferral))
        return "requeued"


def handler(event: Any, context: Any) -> Any:
    context.calls.append(event)
    return {"handled": event}


def make_gate(document: str, store: RecordingStore, on_defer: OnDefer = OnDefer.RESPOND) -> Gate:
    config = GateConfig("parameter", "table", cache_ttl_seconds=60, on_defer=on_defer)
    source = watch_window(config, lambda: document)
    source.prime()
    return assemble(config, handler, source, lambda: store)  # type: ignore[arg-type,return-value]


def test_outside_a_window_the_handler_runs_and_nothing_is_stored() -> None:
    store, context = RecordingStore(), FakeContext()

    result = make_gate('{"mode": "live"}', store)({"n": 1}, context)

    assert result == {"handled": {"n": 1}}
    assert context.calls == [{"n": 1}] and store.deferred == []


def test_inside_a_window_the_event_is_stored_and_the_handler_skipped() -> None:
    store, context = RecordingStore(), FakeContext(client_context=FakeClientContext(custom={"tenant": "a"}))

    result = make_gate('{"mode": "maintenance"}', store)([1, "two", None], context)

    assert result == {"deferred": True, "id": "req-1", "retryAfter": None}
    assert context.calls == []
    [kept] = store.deferred
    assert decode_event(kept.event.body, kept.event.encoding) == [1, "two", None]
    assert (kept.request_id, kept.function_name, kept.window) == ("req-1", "orders", "mode is maintenance")
    assert kept.client_context == {"custom": {"tenant": "a"}}


def test_on_defer_error_raises_a_named_exception_after_storing() -> None:
    store = RecordingStore()

    with pytest.raises(EventDeferredError, match="req-1"):
        make_gate('{"mode": "maintenance"}', store, OnDefer.ERROR)({}, FakeContext())

    assert len(store.deferred) == 1


def test_a_store_failure_fails_the_invocation() -> None:
    store = RecordingStore(failure=DeferralStoreError("throttled"))

    with pytest.raises(DeferralStoreError):
        make_gate('{"mode": "maintenance"}', store)({"n": 1}, FakeContext())


def test_a_replayed_invocation_in_a_new_window_requeues_its_record() -> None:
    store = RecordingStore()
    context = FakeContext(aws_request_id="req-replay", client_context=FakeClientContext(custom={MARKER_KEY: "req-1"}))

    make_gate('{"mode": "maintenance"}', store)({"n": 1}, context)

    assert store.deferred == []
    [(original, deferral)] = store.requeued
    assert original == "req-1" and deferral.request_id == "req-replay"


def test_the_deferral_log_carries_ids_and_sizes_not_the_payload(capsys: pytest.CaptureFixture[str]) -> None:
    make_gate('{"mode": "maintenance"}', RecordingStore())({"secret": "PLANTED-MARKER"}, FakeContext())

    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    [log] = [line for line in lines if line.get("message") == "invocation deferred"]
    assert log["request_id"] == "req-1" and log["event_bytes"] == len('{"secret":"PLANTED-MARKER"}')
    assert any("_aws" in line and line.get("Deferrals") == 1 for line in lines)
    assert "PLANTED-MARKER" not in json.dumps(lines)


def test_a_replay_of_an_http_request_in_a_new_window_is_kept_even_when_http_is_rejected() -> None:
    # The record exists: refusing the replay would let the replay engine take the 503 for the answer.
    store = RecordingStore()
    context = FakeContext(aws_request_id="req-replay", client_context=FakeClientContext(custom={MARKER_KEY: "req-1"}))
    event = sam_event("apigateway", "aws-proxy")

    answer = make_gate('{"mode": "maintenance"}', store)(event, context)

    assert answer["statusCode"] == 202 and is_deferred_answer(answer)
    [(original, _)] = store.requeued
    assert original == "req-1"


def test_an_accepted_http_request_is_told_202_even_when_on_defer_is_error() -> None:
    store = RecordingStore()
    config = GateConfig("parameter", "table", on_defer=OnDefer.ERROR, on_http=OnHttp.ACCEPT)
    source = watch_window(config, lambda: '{"mode": "maintenance"}')
    source.prime()
    gate = assemble(config, handler, source, lambda: store)  # type: ignore[arg-type,return-value]

    answer = gate(sam_event("apigateway", "http-api-proxy"), FakeContext())

    assert answer["statusCode"] == 202 and len(store.deferred) == 1


def test_outside_a_window_no_caller_is_classified(monkeypatch: pytest.MonkeyPatch) -> None:
    def classify(event: Any) -> None:
        raise AssertionError("classified on the hot path")

    monkeypatch.setattr("gate.callers.kinds.classify", classify)
    monkeypatch.setattr("gate.deferral.deferrer.classify", classify)
    context = FakeContext()

    assert make_gate('{"mode": "live"}', RecordingStore())(sam_event("sqs", "receive-message"), context) == {
        "handled": sam_event("sqs", "receive-message")
    }
