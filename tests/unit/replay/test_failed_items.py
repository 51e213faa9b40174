"""A partial failure's failed items stay within DynamoDB's item limit: in the record up to it, in S3 past it.

Items are sized by DynamoDB's rules (gate/deferral/item_size.py, the same rules
benchmarks/capacity.py models capacity with). moto enforces its own approximation
(405,000 of its bytes), so a record exactly at DynamoDB's 409,600 bytes cannot be
written to it: the exact threshold is shown at the real limit on the decision, and
through the real writes with a limit moto can hold, where the stored item's size is
checked against the prediction.
"""

from __future__ import annotations

import json
import random
import uuid
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

import gate.cli.replay as replay_command
from gate.deferral import item_size
from gate.deferral import table as schema
from gate.deferral.codec import encode_event, event_digest, event_json
from gate.deferral.item_size import ITEM_LIMIT_BYTES, item_bytes
from gate.deferral.store import REQUEUED, Deferral, DeferredEventStore
from gate.replay.batch import only_items
from gate.replay.config import ReplayerConfig
from gate.replay.delivery import Delivery, DeliveryPolicy
from gate.replay.events import EventReader
from gate.replay.handler import drain
from gate.replay.invoke import Invocation, Outcome, classify_response
from gate.replay.leases import LeaseBook
from gate.replay.records import Record, RecordTable
from gate.replay.results import Result
from tests.unit.replay.support import (
    BUCKET,
    FUNCTION,
    PARAMETER,
    TABLE,
    FakeLambda,
    aws,  # noqa: F401 - a fixture, used through pytestmark
    item,
    record,
    replay,
    run_cli,
    seed,
    status_of,
)

pytestmark = pytest.mark.usefixtures("aws")


def sqs_batch(count: int, seed_value: int = 7) -> tuple[dict[str, Any], list[str]]:
    """An SQS batch of ``count`` messages with random (UUID) message ids, as Lambda sends one."""
    rng = random.Random(seed_value)
    ids = [str(uuid.UUID(int=rng.getrandbits(128))) for _ in range(count)]
    records = [
        {"messageId": message_id, "eventSource": "aws:sqs", "body": f"order {index}"}
        for index, message_id in enumerate(ids)
    ]
    return {"Records": records}, ids


def answers(failed_on_first_call: list[str]) -> Any:
    """A function that reports ``failed_on_first_call`` failed, then succeeds."""

    def respond(call: int, _function: str, _payload: bytes, _context: str) -> Invocation:
        failed = failed_on_first_call if call == 1 else []
        answer = {"batchItemFailures": [{"itemIdentifier": identifier} for identifier in failed]}
        return classify_response(None, json.dumps(answer).encode())

    return respond


class Context:
    aws_request_id = "replayer-run-1"

    def get_remaining_time_in_millis(self) -> int:
        return 600_000


def test_ten_thousand_failed_messages_go_to_s3_and_are_replayed_from_there() -> None:
    # GIVEN a deferred batch of 10,000 SQS messages, kept inline (265 KB compressed)
    event, ids = sqs_batch(10_000)
    [request_id] = seed(1, event=lambda _: event)
    assert schema.EVENT in item(request_id)
    failed = ids[1:]
    fake = FakeLambda(answers(failed))

    # WHEN the replayer function replays it, and all but the first message fail
    config = ReplayerConfig(parameter_name=PARAMETER, table_name=TABLE, functions=(FUNCTION,), overflow_bucket=BUCKET)
    drain(config, Context(), client_factory=boto3.client, ssm=boto3.client("ssm"), invoker=fake)  # type: ignore[arg-type]

    # THEN the 9,999 identifiers (360 KB) would not fit the record: the record names their object instead
    stored = item(request_id)
    assert stored[schema.STATUS]["S"] == "failed"
    key = stored[schema.FAILED_ITEMS_KEY]["S"]
    assert key == schema.failed_items_key(FUNCTION, request_id) and key.startswith(schema.OVERFLOW_PREFIX)
    assert schema.FAILED_ITEMS not in stored
    assert item_bytes(stored) <= ITEM_LIMIT_BYTES
    assert item_bytes({**stored, schema.FAILED_ITEMS: {"SS": failed}}) > ITEM_LIMIT_BYTES

    # WHEN an operator replays failed records (`replay --include-failed`), and the function succeeds
    with pytest.MonkeyPatch.context() as patch:
        real = replay_command.build_replay
        patch.setattr(replay_command, "build_replay", lambda *args, **kw: real(*args, **{**kw, "invoker": fake}))
        result = run_cli("replay", "--function", FUNCTION, "--include-failed", "--yes")

    # THEN exactly the failed messages are sent again, in batch order, and their object is removed
    assert result.exit_code == 0, result.output
    assert len(fake.calls) == 2
    assert [message["messageId"] for message in fake.events[1]["Records"]] == failed
    assert status_of(request_id) == "replayed"
    with pytest.raises(ClientError):
        boto3.client("s3").head_object(Bucket=BUCKET, Key=key)


def claimed(request_id: str, book: LeaseBook) -> Record:
    leased = book.claim(record(request_id))
    assert leased is not None
    return leased


def partial_of(event: dict[str, Any], ids: list[str], failed: list[str]) -> tuple[str, str]:
    """The digest and error finish_partial writes after ``failed`` of ``ids`` failed."""
    return event_digest(
        only_items(event_json(event), failed)
    ), f"PartialBatchFailure: {len(failed)} of {len(ids)} items failed"


def test_at_dynamodbs_limit_exactly_the_list_stays_in_the_record_and_one_byte_more_does_not() -> None:
    # GIVEN a claimed record, and a failed list padded so the record would be exactly 400 KB
    event, ids = sqs_batch(3)
    [request_id] = seed(1, event=lambda _: event)
    book = LeaseBook(boto3.client("dynamodb"), TABLE, owner="me", lease_seconds=60)
    leased = claimed(request_id, book)
    digest, error = partial_of(event, ids, ids)
    many = [str(uuid.UUID(int=index)) for index in range(11_000)]
    padding = ITEM_LIMIT_BYTES - book.partial_bytes(leased, [*many, ""], digest, error)
    at_limit = [*many, "x" * padding]
    over = [*many, "x" * (padding + 1)]

    # THEN at 409,600 bytes it fits; at 409,601 it does not
    assert book.item_limit_bytes == 409_600
    assert book.partial_bytes(leased, at_limit, digest, error) == 409_600
    assert book.fits_inline(leased, at_limit, digest, error)
    assert book.partial_bytes(leased, over, digest, error) == 409_601
    assert not book.fits_inline(leased, over, digest, error)


@pytest.mark.parametrize("over_by", [0, 1])
def test_the_written_record_is_the_size_predicted_and_the_threshold_is_exact(over_by: int) -> None:
    # GIVEN a claimed record of a 300-message batch, 200 of which fail, and an item limit
    # set to the size the record would have with their list in it (less one byte, or not)
    event, ids = sqs_batch(300)
    [request_id] = seed(1, event=lambda _: event)
    failed = ids[::3] + ids[1::3]
    failed.sort(key=ids.index)
    probe = LeaseBook(boto3.client("dynamodb"), TABLE, owner="me", lease_seconds=60)
    leased = claimed(request_id, probe)
    predicted = probe.partial_bytes(leased, failed, *partial_of(event, ids, failed))
    book = LeaseBook(
        boto3.client("dynamodb"), TABLE, owner="me", lease_seconds=60, item_limit_bytes=predicted - over_by
    )
    delivery = Delivery(
        RecordTable(boto3.client("dynamodb"), TABLE),
        book,
        EventReader(BUCKET, boto3.client),
        FakeLambda(answers(failed)),
        DeliveryPolicy(FUNCTION, retention_days=1, throttle_budget_seconds=0),
        stopped=lambda: False,
    )

    # WHEN the function reports them failed
    result = delivery.deliver(leased)

    # THEN at the limit the list is in the record, which is exactly the predicted size; one byte over, in S3
    assert (result.result, result.failed_items) == (Result.PARTIAL, 200)
    stored = item(request_id)
    if over_by == 0:
        assert set(stored[schema.FAILED_ITEMS]["SS"]) == set(failed) and schema.FAILED_ITEMS_KEY not in stored
        assert item_bytes(stored) == predicted
    else:
        assert schema.FAILED_ITEMS not in stored
        kept = EventReader(BUCKET, boto3.client).failed_items(record(request_id))
        assert kept == frozenset(failed)


def test_a_list_in_s3_survives_a_new_window_and_the_replayer_function_sends_only_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # GIVEN a batch whose failed items were kept in S3 (a limit any record exceeds, so a small batch will do)
    monkeypatch.setattr(item_size, "ITEM_LIMIT_BYTES", 100)
    event, ids = sqs_batch(5)
    [request_id] = seed(1, event=lambda _: event)
    failed = [ids[1], ids[3]]
    replay(FakeLambda(answers(failed))).run()
    assert item(request_id)[schema.FAILED_ITEMS_KEY]["S"] == schema.failed_items_key(FUNCTION, request_id)
    store = DeferredEventStore(TABLE, BUCKET, inline_limit_bytes=350_000, client_factory=boto3.client)

    def gate_defers_again(_call: int, _function: str, payload: bytes, _context: str) -> Invocation:
        redeferral = Deferral("replay-1", FUNCTION, "arn", 0, encode_event(json.loads(payload)), "windows[1]")
        outcomes.append(store.requeue(request_id, redeferral))
        return Invocation(Outcome.SUCCEEDED, deferred=True)

    # WHEN `--include-failed` sends the two, and the gate meets a new window and puts them back
    outcomes: list[str] = []
    replay(FakeLambda(gate_defers_again), include_failed=True).run()
    assert outcomes == [REQUEUED] and status_of(request_id) == "pending"

    # ... and then the replayer function drains the pending record
    fake = FakeLambda()
    config = ReplayerConfig(parameter_name=PARAMETER, table_name=TABLE, functions=(FUNCTION,), overflow_bucket=BUCKET)
    drain(config, Context(), client_factory=boto3.client, ssm=boto3.client("ssm"), invoker=fake)  # type: ignore[arg-type]

    # THEN it read the list back from S3 and sent only those two, in batch order
    assert [[message["messageId"] for message in sent["Records"]] for sent in fake.events] == [failed]
    assert status_of(request_id) == "replayed"
