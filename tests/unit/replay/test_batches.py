"""Partial batch failures on replay: only the failed items are kept, and only they are sent again."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest

import gate.cli.replay as replay_command
from gate.deferral import table as schema
from gate.deferral.codec import encode_event
from gate.deferral.store import REQUEUED, Deferral, DeferredEventStore
from gate.replay.invoke import Invocation, Outcome, classify_response
from gate.replay.results import Result
from tests.fixtures.sam_batches import SOURCES, batch
from tests.unit.replay.support import (
    BUCKET,
    FUNCTION,
    T0_MS,
    TABLE,
    FakeLambda,
    aws,  # noqa: F401 - a fixture, used through pytestmark
    item,
    replay,
    run_cli,
    seed,
    status_of,
)

pytestmark = pytest.mark.usefixtures("aws")


def failing(identifiers_by_call: dict[int, list[str]]) -> Any:
    """A function that answers batchItemFailures for the given identifiers on the given call."""

    def respond(call: int, _function: str, _payload: bytes, _context: str) -> Invocation:
        answer = {"batchItemFailures": [{"itemIdentifier": ident} for ident in identifiers_by_call.get(call, [])]}
        return classify_response(None, json.dumps(answer).encode())

    return respond


def sent_ids(fake: FakeLambda, source: str, call: int) -> list[str]:
    path = SOURCES[source][2]
    result = []
    for record in fake.calls[call][1]["Records"]:
        value = record
        for key in path:
            value = value[key]
        result.append(value)
    return result


@pytest.mark.parametrize("source", sorted(SOURCES))
def test_failed_items_are_kept_and_only_they_are_sent_again(source: str) -> None:
    # GIVEN a deferred batch of five items, two of which the function reports failed on replay
    event, ids = batch(source, 5)
    [request_id] = seed(1, event=lambda _: event)
    fake = FakeLambda(failing({1: [ids[3], ids[1]]}))

    # WHEN it is replayed
    results: list[Any] = []
    summary = replay(fake).run(results.append)

    # THEN the record is not replayed: it keeps the two failed items, and says so
    assert [(r.result, r.failed_items, r.sent_items) for r in results] == [(Result.PARTIAL, 2, 5)]
    assert (summary.replayed, summary.partial, summary.partial_failed_items, summary.ok) == (0, 1, 2, False)
    stored = item(request_id)
    assert stored[schema.STATUS]["S"] == "failed"
    assert set(stored[schema.FAILED_ITEMS]["SS"]) == {ids[1], ids[3]}
    assert stored[schema.LAST_ERROR]["S"] == "PartialBatchFailure: 2 of 5 items failed"

    # WHEN a plain replay runs, nothing is sent; with --include-failed only the two go, in batch order
    assert replay(fake).run().replayed == 0 and len(fake.calls) == 1
    retried = replay(fake, include_failed=True).run()

    assert sent_ids(fake, source, 1) == [ids[1], ids[3]]
    assert {key: value for key, value in fake.calls[1][1].items() if key != "Records"} == {
        key: value for key, value in event.items() if key != "Records"
    }
    assert fake.calls[1][1]["Records"] == [event["Records"][1], event["Records"][3]]
    assert retried.replayed == 1 and status_of(request_id) == "replayed"


def test_a_fifo_batch_that_stops_at_its_first_failure_is_resent_from_there_in_order() -> None:
    # GIVEN Powertools' FIFO processor: item 2 fails, so it reports 2, 3 and 4 failed
    event, ids = batch("sqs", 5)
    seed(1, event=lambda _: event)
    fake = FakeLambda(failing({1: ids[2:], 2: ids[3:]}))

    replay(fake).run()
    replay(fake, include_failed=True).run()
    replay(fake, include_failed=True).run()

    # THEN each retry carries the unprocessed tail of the batch in its original order
    assert [sent_ids(fake, "sqs", call) for call in range(3)] == [ids, ids[2:], ids[3:]]


@pytest.mark.parametrize(
    "answer",
    [
        {"batchItemFailures": [{"itemIdentifier": "not-in-the-batch"}]},
        {"batchItemFailures": [{"itemIdentifier": ""}]},
        {"batchItemFailures": [{"id": "x"}]},
        {"batchItemFailures": "all"},
    ],
)
def test_an_answer_lambda_could_not_match_fails_the_whole_batch(answer: dict[str, Any]) -> None:
    # Lambda's rule: an identifier that is empty, missing or unknown fails the whole batch.
    event, _ids = batch("sqs", 3)
    [request_id] = seed(1, event=lambda _: event)
    fake = FakeLambda(lambda *_: classify_response(None, json.dumps(answer).encode()))

    summary = replay(fake).run()
    replay(fake, include_failed=True).run()

    assert summary.failed == 1
    assert item(request_id)[schema.LAST_ERROR]["S"].startswith("BatchAnswerError")
    assert schema.FAILED_ITEMS not in item(request_id)
    assert fake.calls[1][1] == event


@pytest.mark.parametrize("answer", [{"batchItemFailures": []}, {"batchItemFailures": None}, None, {}])
def test_an_empty_failure_list_is_complete_success(answer: Any) -> None:
    event, _ids = batch("kinesis", 3)
    [request_id] = seed(1, event=lambda _: event)

    summary = replay(FakeLambda(lambda *_: classify_response(None, json.dumps(answer).encode()))).run()

    assert summary.replayed == 1 and status_of(request_id) == "replayed"


def test_item_failures_from_a_function_that_is_not_fed_a_batch_are_just_its_answer() -> None:
    [request_id] = seed(1)
    answer = {"batchItemFailures": [{"itemIdentifier": "x"}]}

    summary = replay(FakeLambda(lambda *_: classify_response(None, json.dumps(answer).encode()))).run()

    assert summary.replayed == 1 and status_of(request_id) == "replayed"


def test_the_replay_of_the_failed_items_can_go_back_into_its_record() -> None:
    # GIVEN a batch left with two failed items
    event, ids = batch("dynamodb", 4)
    [request_id] = seed(1, event=lambda _: event)
    replay(FakeLambda(failing({1: [ids[0], ids[2]]}))).run()
    store = DeferredEventStore(TABLE, BUCKET, inline_limit_bytes=350_000, client_factory=boto3.client)

    def gate_defers_again(_call: int, _function: str, payload: bytes, _context: str) -> Invocation:
        redeferral = Deferral("replay-1", FUNCTION, "arn", T0_MS, encode_event(json.loads(payload)), "windows[1]")
        outcomes.append(store.requeue(request_id, redeferral))
        return Invocation(Outcome.SUCCEEDED, deferred=True)

    # WHEN their replay meets a new window
    outcomes: list[str] = []
    replay(FakeLambda(gate_defers_again), include_failed=True).run()

    # THEN the gate recognises the two-item payload as this record's replay, and the record keeps its items
    assert outcomes == [REQUEUED]
    assert status_of(request_id) == "pending"
    assert set(item(request_id)[schema.FAILED_ITEMS]["SS"]) == {ids[0], ids[2]}


def test_the_cli_says_how_many_records_and_items_partially_failed() -> None:
    event, ids = batch("sqs", 4)
    seed(1, event=lambda _: event)
    seed(1, start=1)
    fake = FakeLambda(failing({1: [ids[1]]}))

    with pytest.MonkeyPatch.context() as patch:
        real = replay_command.build_replay
        patch.setattr(replay_command, "build_replay", lambda *args, **kw: real(*args, **{**kw, "invoker": fake}))
        result = run_cli("replay", "--function", FUNCTION, "--yes")

    assert result.exit_code == 1
    assert "partially failed orders-req-0000 (1 of 4 items failed; only those are kept)" in result.output
    assert "replayed 1, partially failed 1 (1 of 4 items failed, kept for --include-failed), failed 0" in result.output
