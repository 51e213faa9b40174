"""The sharded queue: deferrals spread over shards, read back merged in order, and old records still found."""

from __future__ import annotations

import itertools
import json
import threading
import uuid
from collections import Counter
from typing import Any

import boto3
import pytest

from gate.deferral import table as schema
from gate.deferral.codec import encode_event
from gate.deferral.table import Status
from gate.deferral.wire import MARKER_KEY
from gate.replay.invoke import Invocation, Outcome
from gate.replay.records import RecordTable
from tests.delivery import delivery_faults
from tests.unit.replay.support import (
    FUNCTION,
    PAYLOAD_MARKER,
    T0_MS,
    TABLE,
    FakeLambda,
    aws,  # noqa: F401 - a fixture
    item,
    replay,
    run_cli,
    seed,
    status_of,
)


def test_request_ids_spread_evenly_over_the_shards() -> None:
    # Lambda's request ids are UUIDs; 32,000 of them put about 1,000 in each shard.
    counts = Counter(schema.shard_of(str(uuid.UUID(int=n * 2_654_435_761 + 12345))) for n in range(32_000))

    assert sorted(counts) == list(range(schema.QUEUE_SHARDS))
    assert max(counts.values()) < 1_150 and min(counts.values()) > 850


def test_the_index_projects_every_field_a_listing_or_a_claim_reads_and_never_the_event() -> None:
    [index] = schema.table_definition()["GlobalSecondaryIndexes"]

    assert index["Projection"]["ProjectionType"] == "INCLUDE"
    projected = set(index["Projection"]["NonKeyAttributes"])
    assert {schema.EVENT, schema.CLIENT_CONTEXT, schema.IDENTITY}.isdisjoint(projected)
    assert {schema.STATUS, schema.LEASE_OWNER, schema.LEASE_EXPIRES, schema.FUNCTION_NAME} <= projected


@pytest.mark.usefixtures("aws")
def test_a_deferral_goes_to_the_shard_its_request_id_names() -> None:
    ids = seed(64)

    shards = {item(request_id)[schema.QUEUE]["S"] for request_id in ids}

    assert shards == {schema.queue_value(FUNCTION, Status.PENDING, request_id) for request_id in ids}
    assert len(shards) > schema.QUEUE_SHARDS // 2


@pytest.mark.usefixtures("aws")
def test_one_worker_merges_the_shards_into_global_deferral_order() -> None:
    ids = seed(80)
    fake = FakeLambda()

    replay(fake).run()

    assert [context["custom"][MARKER_KEY] for _, _, context in fake.calls] == ids
    assert len({schema.shard_of(request_id) for request_id in ids}) > schema.QUEUE_SHARDS // 2


@pytest.mark.usefixtures("aws")
def test_parallel_workers_keep_order_within_each_shard_and_deliver_each_event_once() -> None:
    ids = seed(80)
    barrier = threading.Barrier(4, timeout=10)

    def together(call: int, *_: Any) -> Invocation:
        # The first four invocations wait for each other (or break the run after 10 s):
        # the run truly has four in flight.
        if call <= 4:
            barrier.wait()
        return Invocation(Outcome.SUCCEEDED)

    fake = FakeLambda(together)

    summary = replay(fake, concurrency=4).run()

    delivered = [context["custom"][MARKER_KEY] for _, _, context in fake.calls]
    assert delivery_faults(ids, delivered) == {}
    assert summary.replayed == 80
    for shard in range(schema.QUEUE_SHARDS):
        assert [i for i in delivered if schema.shard_of(i) == shard] == [i for i in ids if schema.shard_of(i) == shard]


def legacy_item(index: int) -> dict[str, Any]:
    """A record exactly as the gate wrote it before the queue was sharded."""
    request_id = f"old-req-{index:04d}"
    deferred_at = T0_MS + index * 1000
    return {
        schema.KEY: {"S": request_id},
        schema.FUNCTION_NAME: {"S": FUNCTION},
        schema.FUNCTION_ARN: {"S": f"arn:aws:lambda:us-east-1:123456789012:function:{FUNCTION}"},
        schema.STATUS: {"S": "pending"},
        "queue": {"S": f"{FUNCTION}#pending"},
        schema.QUEUE_ORDER: {"S": f"{deferred_at:015d}#{request_id}"},
        schema.DEFERRED_AT: {"N": str(deferred_at)},
        schema.EVENT_ENCODING: {"S": "json"},
        schema.EVENT_SIZE: {"N": "20"},
        schema.ATTEMPTS: {"N": "0"},
        schema.WINDOW: {"S": "windows[0] (db upgrade)"},
        schema.EVENT: {"B": encode_event({"old": index, "secret": PAYLOAD_MARKER}).body},
    }


@pytest.mark.usefixtures("aws")
def test_records_written_before_the_upgrade_are_listed_counted_and_replayed_in_order() -> None:
    # GIVEN records in the old unsharded layout, deferred between new ones (even seconds old, odd new)
    dynamodb = boto3.client("dynamodb")
    for index in range(0, 20, 2):
        dynamodb.put_item(TableName=TABLE, Item=legacy_item(index))
    new = seed(10, event=lambda n: {"new": n})
    for index, request_id in enumerate(new):
        dynamodb.update_item(
            TableName=TABLE,
            Key={schema.KEY: {"S": request_id}},
            UpdateExpression="SET #order = :order, #at = :at",
            ExpressionAttributeNames={"#order": schema.QUEUE_ORDER, "#at": schema.DEFERRED_AT},
            ExpressionAttributeValues={
                ":order": {"S": schema.order_value(T0_MS + (2 * index + 1) * 1000, request_id)},
                ":at": {"N": str(T0_MS + (2 * index + 1) * 1000)},
            },
        )
    table = RecordTable(dynamodb, TABLE)

    # THEN they are counted and listed with the new ones, in deferral order, never with a payload
    assert table.count(FUNCTION, Status.PENDING) == 20
    listing = run_cli("deferred", "list", "--function", FUNCTION, "--json")
    assert listing.exit_code == 0 and PAYLOAD_MARKER not in listing.output
    assert [row["id"].startswith("old-") for row in json.loads(listing.output)] == [True, False] * 10

    # WHEN one worker replays them
    fake = FakeLambda()
    summary = replay(fake).run()

    # THEN old and new arrive interleaved in deferral order, and the old ones now sit in their shards
    assert summary.replayed == 20
    assert [sorted(event)[0] for event in fake.events] == ["old", "new"] * 10
    old = f"old-req-{0:04d}"
    assert status_of(old) == "replayed"
    assert item(old)[schema.QUEUE]["S"] == schema.queue_value(FUNCTION, Status.REPLAYED, old)


@pytest.mark.usefixtures("aws")
def test_workers_claim_at_the_same_time_with_no_lock_around_the_conditional_write() -> None:
    seed(40)
    run = replay(FakeLambda(), concurrency=4)
    barrier = threading.Barrier(4, timeout=10)
    claims = itertools.count(1)
    real_claim = run.leases.claim

    def claim_together(record: Any) -> Any:
        # The first four claims wait for each other: under a run-wide lock they could not.
        if next(claims) <= 4:
            barrier.wait()
        return real_claim(record)

    run.leases.claim = claim_together  # type: ignore[method-assign]

    assert run.run().replayed == 40
