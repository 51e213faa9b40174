"""Reading records: time ranges on the queue index, scans, summaries without payloads, purge."""

from __future__ import annotations

import json

import boto3
import pytest

from gate.deferral import table as schema
from gate.deferral.table import Status
from gate.replay.events import EventReader
from gate.replay.leases import LeaseBook
from gate.replay.purge import Purger
from gate.replay.records import RecordTable, TimeRange
from tests.unit.replay.support import (
    BUCKET,
    FUNCTION,
    PAYLOAD_MARKER,
    T0_MS,
    TABLE,
    aws,  # noqa: F401 - a fixture, used through pytestmark
    incompressible,
    item,
    record,
    seed,
)

pytestmark = pytest.mark.usefixtures("aws")


def table() -> RecordTable:
    return RecordTable(boto3.client("dynamodb"), TABLE)


def test_a_queue_reads_one_function_and_status_in_deferral_order_within_the_range() -> None:
    seed(5, start=0)
    seed(2, function="billing")

    records = list(table().queue(FUNCTION, Status.PENDING, TimeRange(T0_MS + 1000, T0_MS + 4000)))

    assert [record.deferred_at_ms - T0_MS for record in records] == [1000, 2000, 3000]
    assert {record.function_name for record in records} == {FUNCTION}


def test_queues_merge_statuses_by_deferral_order() -> None:
    ids = seed(4)
    book = LeaseBook(boto3.client("dynamodb"), TABLE, owner="a", lease_seconds=60)
    for request_id in ids[1::2]:
        leased = book.claim(record(request_id))
        assert leased is not None and book.finish_failed(leased, "ValueError: x")

    merged = list(table().queues(FUNCTION, [Status.PENDING, Status.FAILED]))

    assert [record.request_id for record in merged] == ids
    assert [record.status.value for record in merged] == ["pending", "failed", "pending", "failed"]


def test_counts_and_scans_filter_by_status_and_time() -> None:
    seed(3)
    seed(2, function="billing", start=10)

    assert table().count(FUNCTION, Status.PENDING) == 3
    assert table().count(FUNCTION, Status.PENDING, TimeRange(since_ms=T0_MS + 1000)) == 2
    scanned = sorted(record.function_name for record in table().scan([Status.PENDING], TimeRange(T0_MS + 2000)))
    assert scanned == ["billing", "billing", FUNCTION]


def test_listings_never_carry_the_event_or_the_client_context() -> None:
    seed(2, client_context={"custom": {"token": PAYLOAD_MARKER}})

    listed = list(table().queue(FUNCTION, Status.PENDING)) + list(table().scan())

    assert len(listed) == 4
    for listed_record in listed:
        assert (listed_record.event_body, listed_record.client_context_json) == (None, None)
        assert PAYLOAD_MARKER not in json.dumps(listed_record.summary()) + repr(listed_record)


def test_the_full_record_reads_its_event_back() -> None:
    [request_id] = seed(1)

    assert EventReader(BUCKET, boto3.client).event(record(request_id)) == {"n": 0, "secret": PAYLOAD_MARKER}


def purger() -> Purger:
    return Purger(boto3.client("dynamodb"), TABLE, EventReader(BUCKET, boto3.client))


def test_purge_of_finished_records_removes_only_replayed_ones() -> None:
    ids = seed(3)
    book = LeaseBook(boto3.client("dynamodb"), TABLE, owner="a", lease_seconds=60)
    leased = book.claim(record(ids[0]))
    assert leased is not None and book.finish_replayed(leased, retention_days=7)

    result = purger().purge_finished(table().scan())

    assert result.deleted == [ids[0]]
    assert sorted(request_id for request_id, _ in result.kept) == ids[1:]
    assert item(ids[0]) == {} and item(ids[1]) != {}


def test_purge_of_named_records_deletes_them_and_their_overflow_but_not_a_live_lease() -> None:
    ids = seed(2, inline_limit=1024, event=lambda n: {"blob": incompressible(20_000, n)})
    key = item(ids[0])[schema.OVERFLOW_KEY]["S"]
    book = LeaseBook(boto3.client("dynamodb"), TABLE, owner="a", lease_seconds=60)
    assert book.claim(record(ids[1])) is not None

    result = purger().purge_named([record(request_id) for request_id in ids])

    assert result.deleted == [ids[0]]
    assert [request_id for request_id, _ in result.kept] == [ids[1]]
    assert boto3.client("s3").list_objects_v2(Bucket=BUCKET, Prefix=key).get("KeyCount") == 0
