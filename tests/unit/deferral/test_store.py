"""DeferredEventStore against moto in-process: records, overflow, duplicates, requeue."""

from __future__ import annotations

import json
import random
import string
import threading
import time
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest

from gate.deferral import codec
from gate.deferral import table as schema
from gate.deferral.codec import encode_event
from gate.deferral.store import DUPLICATE, REQUEUED, STORED, Deferral, DeferralStoreError, DeferredEventStore
from gate.deferral.table import Status
from tests.unit.replay.support import BUCKET, TABLE, aws  # noqa: F401 - aws is a fixture

pytestmark = pytest.mark.usefixtures("aws")


def make_store(bucket: str | None = BUCKET, inline_limit: int = 350_000) -> DeferredEventStore:
    return DeferredEventStore(TABLE, bucket, inline_limit_bytes=inline_limit, client_factory=boto3.client)


def deferral(event: Any, request_id: str = "req-1", **kwargs: Any) -> Deferral:
    return Deferral(
        request_id=request_id,
        function_name="orders",
        function_arn="arn:aws:lambda:us-east-1:123456789012:function:orders",
        deferred_at_ms=1_700_000_000_000,
        event=encode_event(event),
        window="windows[0]",
        **kwargs,
    )


def incompressible(length: int) -> str:
    return "".join(random.Random(length).choices(string.ascii_letters, k=length))


def get_item(request_id: str) -> dict[str, Any]:
    return boto3.client("dynamodb").get_item(TableName=TABLE, Key={schema.KEY: {"S": request_id}})["Item"]  # type: ignore[no-any-return]


def test_a_deferral_writes_one_pending_record_with_its_event() -> None:
    store = make_store()
    event = {"order": 7, "lines": [1, 2, 3]}

    assert store.defer(deferral(event, client_context={"custom": {"tenant": "a"}})) == STORED

    item = get_item("req-1")
    assert item[schema.STATUS]["S"] == "pending"
    assert item[schema.QUEUE]["S"] == f"orders#pending#{schema.shard_of('req-1'):02d}"
    assert item[schema.QUEUE_ORDER]["S"] == "001700000000000#req-1"
    assert item[schema.DEFERRED_AT]["N"] == "1700000000000"
    assert item[schema.WINDOW]["S"] == "windows[0]"
    assert schema.EXPIRES_AT not in item
    assert codec.decode_event(item[schema.EVENT]["B"], item[schema.EVENT_ENCODING]["S"]) == event
    assert store.writes == 1


def test_the_same_request_id_twice_is_one_record() -> None:
    store = make_store()

    assert [store.defer(deferral({"n": 1})), store.defer(deferral({"n": 1}))] == [STORED, DUPLICATE]


def test_an_oversized_event_goes_to_s3_and_the_item_points_at_it() -> None:
    store = make_store(inline_limit=1024)
    event = {"blob": incompressible(5000) + "😀"}

    store.defer(deferral(event))

    item = get_item("req-1")
    assert schema.EVENT not in item
    key = item[schema.OVERFLOW_KEY]["S"]
    assert key == "deferred/orders/req-1.json.z"
    body = boto3.client("s3").get_object(Bucket=BUCKET, Key=key)["Body"].read()
    assert codec.decode_event(body, item[schema.EVENT_ENCODING]["S"]) == event


def test_an_oversized_event_without_a_bucket_fails_and_writes_nothing() -> None:
    store = make_store(bucket=None, inline_limit=1024)

    with pytest.raises(DeferralStoreError, match="GATE_OVERFLOW_BUCKET is not set"):
        store.defer(deferral({"blob": incompressible(50_000)}))

    assert boto3.client("dynamodb").scan(TableName=TABLE)["Count"] == 0


def test_a_missing_table_is_a_store_error() -> None:
    store = DeferredEventStore("absent", None, inline_limit_bytes=350_000, client_factory=boto3.client)

    with pytest.raises(DeferralStoreError, match="ResourceNotFoundException"):
        store.defer(deferral({"n": 1}))


LEASE_LIVE_MS = 1_700_000_960_000  # after the deferral times below: the lease is live


def lease(request_id: str, *, expires_ms: int = LEASE_LIVE_MS, function: str = "orders") -> None:
    """Put a record into replaying under a lease, as a replayer's claim does."""
    boto3.client("dynamodb").update_item(
        TableName=TABLE,
        Key={schema.KEY: {"S": request_id}},
        UpdateExpression="SET #s = :r, #q = :q, #o = :o, #l = :l, #f = :f",
        ExpressionAttributeNames={
            "#s": schema.STATUS,
            "#q": schema.QUEUE,
            "#o": schema.LEASE_OWNER,
            "#l": schema.LEASE_EXPIRES,
            "#f": schema.FUNCTION_NAME,
        },
        ExpressionAttributeValues={
            ":r": {"S": "replaying"},
            ":q": {"S": f"{function}#replaying"},
            ":o": {"S": "me"},
            ":l": {"N": str(expires_ms)},
            ":f": {"S": function},
        },
    )


def test_requeue_puts_a_leased_record_back_to_pending() -> None:
    store = make_store()
    store.defer(deferral({"n": 1}))
    lease("req-1")

    outcome = store.requeue("req-1", deferral({"n": 1}, request_id="req-replay"))

    item = get_item("req-1")
    assert outcome == REQUEUED
    assert (item[schema.STATUS]["S"], item[schema.QUEUE]["S"]) == (
        "pending",
        schema.queue_value("orders", Status.PENDING, "req-1"),
    )
    assert schema.LEASE_OWNER not in item and item[schema.REDEFERRALS]["N"] == "1"
    assert boto3.client("dynamodb").scan(TableName=TABLE)["Count"] == 1


def test_requeue_of_a_tenants_replay_needs_the_same_tenant() -> None:
    store = make_store()
    store.defer(deferral({"n": 1}, tenant_id="tenant-a"))
    lease("req-1")

    other = store.requeue("req-1", deferral({"n": 1}, request_id="req-other", tenant_id="tenant-b"))
    same = store.requeue("req-1", deferral({"n": 1}, request_id="req-replay", tenant_id="tenant-a"))

    assert (other, same) == (STORED, REQUEUED)
    assert get_item("req-other")[schema.TENANT_ID]["S"] == "tenant-b"


def test_requeue_of_a_vanished_record_keeps_the_event_under_its_own_id() -> None:
    store = make_store()

    outcome = store.requeue("req-gone", deferral({"n": 2}, request_id="req-replay"))

    assert outcome == STORED
    assert codec.decode_event(get_item("req-replay")[schema.EVENT]["B"], "json") == {"n": 2}
    assert boto3.client("dynamodb").scan(TableName=TABLE)["Count"] == 1


@pytest.mark.parametrize(
    ("original", "prepare", "marked"),
    [
        pytest.param({"n": 1}, lambda: None, {"n": 1}, id="the record is pending, not being replayed"),
        pytest.param({"n": 1}, lambda: lease("req-1", expires_ms=1), {"n": 1}, id="its lease has expired"),
        pytest.param({"n": 1}, lambda: lease("req-1"), {"n": 1, "other": True}, id="the event differs"),
        pytest.param({"n": 1}, lambda: lease("req-1", function="billing"), {"n": 1}, id="another function's record"),
    ],
)
def test_a_marker_naming_a_record_it_cannot_go_back_into_stores_its_own_record(
    original: Any, prepare: Any, marked: Any
) -> None:
    # GIVEN a stored record, and an invocation whose client context names it as its replay
    store = make_store()
    store.defer(deferral(original))
    prepare()
    before = get_item("req-1")

    # WHEN the gate defers that invocation
    outcome = store.requeue("req-1", deferral(marked, request_id="req-forged"))

    # THEN its event is kept under its own id, and the named record is untouched
    assert outcome == STORED
    assert codec.decode_event(get_item("req-forged")[schema.EVENT]["B"], "json") == marked
    assert get_item("req-forged")[schema.STATUS]["S"] == "pending"
    assert get_item("req-1") == before


def test_each_write_to_dynamodb_or_s3_is_counted_once() -> None:
    store = make_store(inline_limit=1024)
    store.defer(deferral({"n": 1}))
    store.defer(deferral({"n": 1}))
    lease("req-1")
    store.requeue("req-1", deferral({"n": 1}, request_id="req-replay"))
    assert store.writes == 3

    store.defer(deferral({"blob": incompressible(5000)}, request_id="req-big"))

    assert store.writes == 5  # the S3 object, then the record pointing at it


def test_the_caller_context_and_identity_are_kept_as_json() -> None:
    context = {"custom": {"tenant": "a"}, "client": {"app_title": "shop"}}
    identity = {"cognito_identity_id": "us-east-1:abc", "cognito_identity_pool_id": "us-east-1:pool"}

    make_store().defer(deferral({"n": 1}, client_context=context, identity=identity))

    item = get_item("req-1")
    assert json.loads(item[schema.CLIENT_CONTEXT]["S"]) == context
    assert json.loads(item[schema.IDENTITY]["S"]) == identity


def test_a_context_value_json_cannot_write_is_kept_as_text_not_refused() -> None:
    # A failed store fails the invocation; a context value is not worth that.
    when = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)

    make_store().defer(deferral({"n": 1}, client_context={"custom": {"at": when}}, identity={"id": when}))

    item = get_item("req-1")
    assert json.loads(item[schema.CLIENT_CONTEXT]["S"]) == {"custom": {"at": str(when)}}
    assert json.loads(item[schema.IDENTITY]["S"]) == {"id": str(when)}


@pytest.mark.parametrize(("spare", "inline"), [(0, True), (-1, False)])
def test_an_event_exactly_at_the_inline_limit_stays_inline(spare: int, inline: bool) -> None:
    event = {"blob": incompressible(3000)}
    store = make_store(inline_limit=len(encode_event(event).body) + spare)

    store.defer(deferral(event))

    assert (schema.EVENT in get_item("req-1")) is inline


def test_a_failed_requeue_is_a_store_error_naming_the_record_and_the_cause() -> None:
    store = DeferredEventStore("absent", None, inline_limit_bytes=350_000, client_factory=boto3.client)

    with pytest.raises(DeferralStoreError, match=r"^could not requeue deferred event req-1: ResourceNotFoundException"):
        store.requeue("req-1", deferral({"n": 1}, request_id="req-replay"))


def test_a_failed_overflow_write_is_a_store_error_and_writes_no_record() -> None:
    store = make_store(bucket="absent-bucket", inline_limit=1024)

    with pytest.raises(DeferralStoreError, match=r"^could not store oversized event req-1 in S3: NoSuchBucket"):
        store.defer(deferral({"blob": incompressible(5000)}))

    assert boto3.client("dynamodb").scan(TableName=TABLE)["Count"] == 0


def test_clients_are_made_once_each_and_warm_up_makes_the_dynamodb_one() -> None:
    made: list[str] = []

    def factory(service: str) -> Any:
        made.append(service)
        return boto3.client(service)

    store = DeferredEventStore(TABLE, BUCKET, inline_limit_bytes=1024, client_factory=factory)
    store.warm_up()
    assert made == ["dynamodb"]

    store.defer(deferral({"n": 1}))
    store.defer(deferral({"blob": incompressible(5000)}, request_id="req-big"))
    store.defer(deferral({"blob": incompressible(6000)}, request_id="req-bigger"))

    assert made == ["dynamodb", "s3"]


class AnnouncingLock:
    """The store's client lock, telling a test when a second thread has come to wait on it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._arrivals = 0
        self.second_arrived = threading.Event()

    def __enter__(self) -> None:
        self._arrivals += 1
        if self._arrivals == 2:
            self.second_arrived.set()
        self._lock.acquire()

    def __exit__(self, *exc_info: object) -> None:
        self._lock.release()


def test_two_threads_making_the_first_client_at_once_make_it_once() -> None:
    # GIVEN a client that takes a while to make, and a second thread asking for it meanwhile
    made: list[str] = []
    lock = AnnouncingLock()

    def slow_factory(service: str) -> Any:
        made.append(service)
        assert lock.second_arrived.wait(timeout=10), "the second thread never reached the lock"
        return object()

    store = DeferredEventStore(TABLE, None, inline_limit_bytes=1024, client_factory=slow_factory)
    store._clients_lock = lock  # type: ignore[assignment]

    # WHEN both warm it up
    threads = [threading.Thread(target=store.warm_up) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)

    # THEN the second found, under the lock, the client the first made
    assert made == ["dynamodb"]


def test_a_bounded_write_whose_thread_cannot_start_fails_and_stores_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_thread(self: threading.Thread) -> None:
        raise RuntimeError("can't start new thread")

    monkeypatch.setattr(threading.Thread, "start", no_thread)

    with pytest.raises(DeferralStoreError, match="req-1: RuntimeError: can't start new thread"):
        make_store().defer(deferral({"n": 1}), deadline=time.monotonic() + 5)

    assert boto3.client("dynamodb").scan(TableName=TABLE)["Items"] == []


def test_a_bounded_write_in_time_is_stored_like_any_other() -> None:
    store = make_store()

    outcomes = [store.defer(deferral({"n": 1}), deadline=time.monotonic() + 30) for _ in range(2)]

    assert outcomes == [STORED, DUPLICATE]
    assert codec.decode_event(get_item("req-1")[schema.EVENT]["B"], codec.PLAIN) == {"n": 1}
