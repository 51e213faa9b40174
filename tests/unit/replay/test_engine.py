"""A replay run against moto with a fake Invoke API: order, outcomes, filters, limits, recovery."""

from __future__ import annotations

import base64
import json
from typing import Any

import boto3
import pytest

from gate.deferral import table as schema
from gate.deferral.codec import encode_event
from gate.deferral.store import Deferral, DeferredEventStore
from gate.deferral.wire import MARKER_KEY
from gate.replay.engine import Result
from gate.replay.invoke import Invocation, Outcome
from gate.replay.leases import LeaseBook
from gate.replay.records import TimeRange
from tests.unit.replay.support import (
    BUCKET,
    FUNCTION,
    T0_MS,
    TABLE,
    FakeLambda,
    aws,  # noqa: F401 - a fixture, used through pytestmark
    incompressible,
    item,
    record,
    replay,
    seed,
    status_of,
)

pytestmark = pytest.mark.usefixtures("aws")


def answer(outcome: Outcome, error: str | None = None, deferred: bool = False) -> Any:
    return lambda *_: Invocation(outcome, error, deferred)


def test_pending_events_reach_the_function_in_deferral_order_as_equal_json() -> None:
    events = [{"n": n, "big": 2**70 + n, "pi": 3.141592653589793, "text": "caffè 🚀"} for n in range(5)]
    # Deferred out of id order, so only the deferral time can explain the replay order.
    ids = seed(5, event=lambda index: events[index])
    fake = FakeLambda()

    summary = replay(fake).run()

    assert fake.events == events
    assert [context["custom"][MARKER_KEY] for _, _, context in fake.calls] == ids
    assert {function for function, _, _ in fake.calls} == {FUNCTION}
    assert (summary.replayed, summary.failed, summary.skipped_total, summary.ok) == (5, 0, 0, True)
    assert [status_of(request_id) for request_id in ids] == ["replayed"] * 5


def test_the_original_client_context_travels_with_the_marker() -> None:
    [request_id] = seed(1, client_context={"custom": {"tenant": "t-1"}, "env": {"locale": "it"}})
    fake = FakeLambda()

    replay(fake).run()

    [(_, _, context)] = fake.calls
    assert context == {"custom": {"tenant": "t-1", MARKER_KEY: request_id}, "env": {"locale": "it"}}


def test_an_oversized_event_comes_from_s3_and_its_object_is_removed_after_success() -> None:
    blob = incompressible(20_000)
    [request_id] = seed(1, inline_limit=1024, event=lambda _: {"blob": blob})
    key = item(request_id)[schema.OVERFLOW_KEY]["S"]
    fake = FakeLambda()

    replay(fake).run()

    assert fake.events == [{"blob": blob}]
    assert boto3.client("s3").list_objects_v2(Bucket=BUCKET, Prefix=key).get("KeyCount") == 0


def test_a_function_error_marks_the_record_failed_and_include_failed_retries_it() -> None:
    [request_id] = seed(1)
    failing = FakeLambda(answer(Outcome.FUNCTION_ERROR, "ValueError: refused"))

    first = replay(failing).run()

    assert (first.failed, first.ok) == (1, False)
    stored = item(request_id)
    assert stored[schema.STATUS]["S"] == "failed"
    assert stored[schema.LAST_ERROR]["S"] == "ValueError: refused"
    assert stored[schema.ATTEMPTS]["N"] == "1"

    skipped = FakeLambda()
    assert replay(skipped).run().replayed == 0 and skipped.calls == []

    retried = replay(FakeLambda(), include_failed=True).run()
    assert retried.replayed == 1
    stored = item(request_id)
    assert stored[schema.STATUS]["S"] == "replayed"
    assert stored[schema.ATTEMPTS]["N"] == "2"
    assert schema.LAST_ERROR not in stored


def test_an_event_that_met_a_new_window_is_skipped_as_redeferred_and_the_run_stops() -> None:
    ids = seed(3)
    store = DeferredEventStore(TABLE, BUCKET, inline_limit_bytes=350_000, client_factory=boto3.client)

    def gate_defers_again(call: int, function: str, payload: bytes, context: str) -> Invocation:
        # What the gate does with a replay during a window: the same record, back to pending.
        original = json.loads(base64.b64decode(context))["custom"][MARKER_KEY]
        store.requeue(original, deferral_of(original, payload))
        return Invocation(Outcome.SUCCEEDED, deferred=True)

    fake = FakeLambda(gate_defers_again)
    results: list[Any] = []
    summary = replay(fake).run(results.append)

    assert len(fake.calls) == 1
    assert [result.result for result in results] == [Result.REDEFERRED]
    assert summary.skipped == {Result.REDEFERRED.value: 1} and not summary.ok
    assert summary.stopped is not None and "deferred an event again" in summary.stopped
    assert [status_of(request_id) for request_id in ids] == ["pending"] * 3


def deferral_of(request_id: str, payload: bytes) -> Deferral:
    return Deferral(
        request_id="new-invocation",
        function_name=FUNCTION,
        function_arn="arn",
        deferred_at_ms=T0_MS,
        event=encode_event(json.loads(payload)),
        window="windows[1]",
    )


def test_a_throttled_invocation_is_retried_with_backoff_and_then_delivered() -> None:
    [request_id] = seed(1)

    def throttled_twice(call: int, *_: Any) -> Invocation:
        return Invocation(Outcome.THROTTLED, "TooManyRequestsException: Rate Exceeded.") if call <= 2 else ok

    ok = Invocation(Outcome.SUCCEEDED)
    sleeps: list[float] = []
    fake = FakeLambda(throttled_twice)

    summary = replay(fake, sleeps=sleeps).run()

    assert summary.replayed == 1 and len(fake.calls) == 3 and len(sleeps) == 2
    assert item(request_id)[schema.ATTEMPTS]["N"] == "1"


def test_a_function_that_keeps_throttling_gets_its_event_back_as_pending_and_the_run_stops() -> None:
    ids = seed(2)
    fake = FakeLambda(answer(Outcome.THROTTLED, "TooManyRequestsException: Rate Exceeded."))

    sleeps: list[float] = []
    summary = replay(fake, throttle_budget_seconds=5, sleeps=sleeps).run()

    # One record tried until the budget of back-off was spent; the second never tried.
    assert len(fake.calls) == len(sleeps) + 1 > 3
    assert sum(sleeps) <= 5
    assert summary.skipped == {Result.THROTTLED.value: 1} and not summary.ok
    assert [status_of(request_id) for request_id in ids] == ["pending", "pending"]
    assert item(ids[0])[schema.ATTEMPTS]["N"] == "0"


def test_a_missing_function_stops_the_run_without_failing_any_record() -> None:
    ids = seed(3)
    fake = FakeLambda(answer(Outcome.FATAL, "ResourceNotFoundException: Function not found"))

    summary = replay(fake).run()

    assert len(fake.calls) == 1
    assert summary.skipped == {Result.REFUSED.value: 1} and summary.failed == 0
    assert [status_of(request_id) for request_id in ids] == ["pending"] * 3


def test_a_lost_answer_marks_the_record_failed_as_delivery_unknown() -> None:
    [request_id] = seed(1)
    fake = FakeLambda(answer(Outcome.UNKNOWN, "ReadTimeoutError: Read timeout"))

    summary = replay(fake).run()

    assert summary.failed == 1
    assert item(request_id)[schema.LAST_ERROR]["S"].startswith("DeliveryUnknown: the function may have run")


def test_a_record_whose_overflow_object_is_gone_is_marked_failed() -> None:
    [request_id] = seed(1, inline_limit=1024, event=lambda _: {"blob": incompressible(20_000)})
    boto3.client("s3").delete_object(Bucket=BUCKET, Key=item(request_id)[schema.OVERFLOW_KEY]["S"])

    summary = replay(FakeLambda()).run()

    assert summary.failed == 1
    assert item(request_id)[schema.LAST_ERROR]["S"].startswith("EventUnavailableError")


def test_limit_since_and_until_choose_a_slice_in_order() -> None:
    seed(10)
    fake = FakeLambda()
    window = TimeRange(since_ms=T0_MS + 2000, until_ms=T0_MS + 8000)  # records 2..7

    summary = replay(fake, time_range=window, limit=3).run()

    assert [event["n"] for event in fake.events] == [2, 3, 4]
    assert summary.replayed == 3


def test_ids_replay_only_those_and_report_the_rest() -> None:
    ids = seed(4)
    other = seed(1, function="billing")
    fake = FakeLambda()

    results: list[Any] = []
    summary = replay(fake, ids=(ids[3], ids[1], "nope", other[0])).run(results.append)

    assert [event["n"] for event in fake.events] == [1, 3]
    outcomes = {result.request_id: result.result for result in results}
    assert outcomes == {
        "nope": Result.NOT_FOUND,
        other[0]: Result.NOT_ELIGIBLE,
        ids[1]: Result.REPLAYED,
        ids[3]: Result.REPLAYED,
    }
    assert summary.ok is False  # a requested id did not exist


def test_dry_run_plans_without_claiming() -> None:
    ids = seed(3)

    problems, planned = replay(FakeLambda(), limit=2).plan()

    assert problems == [] and [record.request_id for record in planned] == ids[:2]
    assert [status_of(request_id) for request_id in ids] == ["pending"] * 3


def test_a_record_left_replaying_by_a_crashed_replayer_is_replayed_after_its_lease() -> None:
    # GIVEN a replayer that leased the first record and died
    ids = seed(2)
    dead = LeaseBook(boto3.client("dynamodb"), TABLE, owner="dead", lease_seconds=30, clock=lambda: 1_000.0)
    assert dead.claim(record(ids[0])) is not None

    # WHEN a new replayer runs before the lease ends, then after it
    early = FakeLambda()
    replay(early, clock=lambda: 1_020.0).run()
    late = FakeLambda()
    summary = replay(late, clock=lambda: 1_031.0).run()

    # THEN the leased record waits for its lease, then is delivered; nothing is lost
    assert [event["n"] for event in early.events] == [1]
    assert [event["n"] for event in late.events] == [0]
    assert summary.replayed == 1
    assert [status_of(request_id) for request_id in ids] == ["replayed", "replayed"]


def test_a_record_taken_by_another_replayer_is_skipped_harmlessly() -> None:
    ids = seed(3)
    other = LeaseBook(boto3.client("dynamodb"), TABLE, owner="other", lease_seconds=60)

    def another_replayer_takes_the_next(call: int, *_: Any) -> Invocation:
        if call == 1:
            # While we invoke the first, another replayer claims the second.
            assert other.claim(record(ids[1])) is not None
        return Invocation(Outcome.SUCCEEDED)

    fake = FakeLambda(another_replayer_takes_the_next)
    results: list[Any] = []
    summary = replay(fake).run(results.append)

    # The queue was read before the other replayer's claim; our own claim is what lost.
    assert [event["n"] for event in fake.events] == [0, 2]
    assert [result.result for result in results] == [Result.REPLAYED, Result.TAKEN, Result.REPLAYED]
    assert summary.replayed == 2 and summary.ok
    assert status_of(ids[1]) == "replaying"


@pytest.mark.parametrize("concurrency", [1, 4])
def test_a_rate_paces_the_starts(concurrency: int) -> None:
    seed(4)
    sleeps: list[float] = []

    replay(FakeLambda(), rate_per_second=2, concurrency=concurrency, sleeps=sleeps).run()

    # Four starts at 2/s: the first at once, the rest booked half a second apart.
    assert len(sleeps) == 3 and all(0 < pause <= 1.5 + 1e-6 for pause in sleeps)


def test_a_replayed_event_whose_overflow_object_cannot_be_deleted_is_still_replayed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    [request_id] = seed(1, inline_limit=1024, event=lambda _: {"blob": incompressible(20_000)})
    run = replay(FakeLambda())

    def refuse(_record: Any) -> None:
        raise PermissionError("AccessDenied")

    monkeypatch.setattr(run.events, "delete_overflow", refuse)
    results: list[Any] = []
    summary = run.run(results.append)

    assert summary.replayed == 1 and summary.ok
    assert results[0].detail == "overflow object kept: PermissionError"
    assert status_of(request_id) == "replayed"
