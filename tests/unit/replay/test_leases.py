"""The record state machine against moto: every transition conditional, leases honoured."""

from __future__ import annotations

import time
from typing import Any

import boto3
import pytest

from gate.deferral import table as schema
from gate.deferral.codec import EncodedEvent, event_digest
from gate.deferral.store import Deferral, DeferredEventStore
from gate.deferral.table import Status
from gate.replay.leases import ERROR_LIMIT, LeaseBook
from tests.unit.replay.support import FUNCTION, TABLE, aws, item, record, seed  # noqa: F401 - aws is a fixture

NOW = 1_800_000_000.0

pytestmark = pytest.mark.usefixtures("aws")


def book(owner: str, *, lease_seconds: float = 60, now: float = NOW) -> LeaseBook:
    return LeaseBook(boto3.client("dynamodb"), TABLE, owner=owner, lease_seconds=lease_seconds, clock=lambda: now)


def test_a_claim_leases_a_pending_record_to_its_owner() -> None:
    [request_id] = seed(1)

    leased = book("a").claim(record(request_id))

    assert leased is not None
    assert leased.status is Status.REPLAYING
    assert leased.lease_owner == "a"
    assert leased.lease_expires_ms == int(NOW * 1000) + 60_000
    assert leased.attempts == 1
    assert item(request_id)[schema.QUEUE]["S"] == schema.queue_value(FUNCTION, Status.REPLAYING, request_id)


def test_of_two_replayers_claiming_one_record_only_the_first_gets_it() -> None:
    [request_id] = seed(1)
    seen_by_both = record(request_id)

    first = book("a").claim(seen_by_both)
    second = book("b").claim(seen_by_both)

    assert first is not None and second is None
    assert item(request_id)[schema.LEASE_OWNER]["S"] == "a"
    assert item(request_id)[schema.ATTEMPTS]["N"] == "1"


def test_a_live_lease_cannot_be_taken_over() -> None:
    [request_id] = seed(1)
    leased = book("a", lease_seconds=60).claim(record(request_id))
    assert leased is not None

    assert book("b", now=NOW + 59).claim(record(request_id)) is None
    assert item(request_id)[schema.LEASE_OWNER]["S"] == "a"


def test_an_expired_lease_is_taken_over_once_conditional_on_the_old_owner_and_expiry() -> None:
    # GIVEN a record left replaying by a replayer that died
    [request_id] = seed(1)
    assert book("crashed", lease_seconds=60).claim(record(request_id)) is not None
    stale = record(request_id)

    # WHEN two later replayers both see its lease expired and race for it
    first = book("b", now=NOW + 61).claim(stale)
    second = book("c", now=NOW + 61).claim(stale)

    # THEN exactly one takes it, and its attempts count the crashed try too
    assert first is not None and second is None
    assert first.lease_owner == "b"
    assert first.attempts == 2


def test_only_the_owner_finishes_and_replayed_sets_the_ttl() -> None:
    [request_id] = seed(1)
    leased = book("a").claim(record(request_id))
    assert leased is not None

    assert book("b").finish_replayed(leased, retention_days=7) is False
    assert book("a").finish_replayed(leased, retention_days=7) is True

    stored = item(request_id)
    assert stored[schema.STATUS]["S"] == "replayed"
    assert stored[schema.QUEUE]["S"] == schema.queue_value(FUNCTION, Status.REPLAYED, request_id)
    assert stored[schema.FINISHED_AT]["N"] == str(int(NOW * 1000))
    assert stored[schema.EXPIRES_AT]["N"] == str(int(NOW) + 7 * 86_400)
    assert schema.LEASE_OWNER not in stored and schema.LEASE_EXPIRES not in stored


def test_a_failure_keeps_a_truncated_error_and_the_attempt_count() -> None:
    [request_id] = seed(1)
    leased = book("a").claim(record(request_id))
    assert leased is not None

    assert book("a").finish_failed(leased, "ValueError: " + "x" * 2000) is True

    stored = item(request_id)
    assert stored[schema.STATUS]["S"] == "failed"
    assert stored[schema.QUEUE]["S"] == schema.queue_value(FUNCTION, Status.FAILED, request_id)
    assert len(stored[schema.LAST_ERROR]["S"]) == ERROR_LIMIT
    assert stored[schema.LAST_ERROR]["S"].startswith("ValueError: xxx")
    assert stored[schema.ATTEMPTS]["N"] == "1"
    assert schema.EXPIRES_AT not in stored


def test_a_partial_failure_keeps_the_failed_items_and_their_digest_for_the_owner_only() -> None:
    [request_id] = seed(1)
    leased = book("a").claim(record(request_id))
    assert leased is not None

    assert book("b").finish_partial(leased, ["m-2"], "digest-of-m-2", "2 of 3 items failed") is False
    assert book("a").finish_partial(leased, ["m-2", "m-3"], "digest-of-rest", "x" * 2000) is True

    stored = item(request_id)
    assert stored[schema.STATUS]["S"] == "failed"
    assert stored[schema.QUEUE]["S"] == schema.queue_value(FUNCTION, Status.FAILED, request_id)
    assert sorted(stored[schema.FAILED_ITEMS]["SS"]) == ["m-2", "m-3"]
    assert stored[schema.EVENT_DIGEST]["S"] == "digest-of-rest"
    assert stored[schema.LAST_ERROR]["S"] == "x" * (ERROR_LIMIT - 3) + "..."
    assert schema.LEASE_OWNER not in stored and schema.LEASE_EXPIRES not in stored
    assert book("c").claim(record(request_id)) is not None


def test_an_error_within_the_limit_is_kept_whole() -> None:
    short_id, exact_id = seed(2)
    exactly_at_limit = "ValueError: " + "y" * (ERROR_LIMIT - len("ValueError: "))
    for request_id, error in [(short_id, "ValueError: no"), (exact_id, exactly_at_limit)]:
        leased = book("a").claim(record(request_id))
        assert leased is not None

        assert book("a").finish_failed(leased, error) is True

        assert item(request_id)[schema.LAST_ERROR]["S"] == error


def test_a_live_lease_is_refused_without_spending_a_write() -> None:
    # A failed conditional write still consumes write capacity, so a lease the record
    # shows to be live is not even tried.
    [request_id] = seed(1)
    assert book("a", lease_seconds=60).claim(record(request_id)) is not None
    client = CountingClient(boto3.client("dynamodb"))
    taker = LeaseBook(client, TABLE, owner="b", lease_seconds=60, clock=lambda: NOW + 59)

    assert taker.claim(record(request_id)) is None
    assert client.updates == 0


def test_a_replaying_record_without_owner_or_lease_is_taken_over_once() -> None:
    # GIVEN a record left replaying with neither owner nor expiry (written by hand, or by
    # an older replayer): its lease counts as expired
    [request_id] = seed(1)
    boto3.client("dynamodb").update_item(
        TableName=TABLE,
        Key={schema.KEY: {"S": request_id}},
        UpdateExpression="SET #status = :replaying",
        ExpressionAttributeNames={"#status": schema.STATUS},
        ExpressionAttributeValues={":replaying": {"S": Status.REPLAYING.value}},
    )
    stale = record(request_id)
    assert stale.lease_owner is None and stale.lease_expires_ms is None

    # WHEN two replayers race for it
    first = book("b").claim(stale)
    second = book("c").claim(stale)

    # THEN the first takes it and the second's condition (no owner, no lease) fails
    assert first is not None and first.lease_owner == "b"
    assert second is None
    assert item(request_id)[schema.LEASE_OWNER]["S"] == "b"


class CountingClient:
    """The DynamoDB client, counting the writes a LeaseBook sends through it."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.updates = 0

    def update_item(self, **request: Any) -> Any:
        self.updates += 1
        return self.client.update_item(**request)


def test_a_failed_record_can_be_claimed_again() -> None:
    [request_id] = seed(1)
    leased = book("a").claim(record(request_id))
    assert leased is not None and book("a").finish_failed(leased, "ValueError: no")

    again = book("b").claim(record(request_id))

    assert again is not None and again.attempts == 2


def test_a_release_puts_an_undelivered_event_back_without_counting_the_attempt() -> None:
    [request_id] = seed(1)
    leased = book("a").claim(record(request_id))
    assert leased is not None

    assert book("a").release(leased) is True

    stored = item(request_id)
    assert stored[schema.STATUS]["S"] == "pending"
    assert stored[schema.QUEUE]["S"] == schema.queue_value(FUNCTION, Status.PENDING, request_id)
    assert stored[schema.ATTEMPTS]["N"] == "0"
    assert schema.LEASE_OWNER not in stored


def test_a_renewal_extends_only_our_own_lease() -> None:
    [request_id] = seed(1)
    leased = book("a", now=NOW).claim(record(request_id))
    assert leased is not None

    assert book("a", now=NOW + 30).renew(leased) is True
    assert item(request_id)[schema.LEASE_EXPIRES]["N"] == str(int((NOW + 90) * 1000))
    assert book("b", now=NOW + 30).renew(leased) is False


def test_when_the_gate_requeues_a_replay_the_replayer_cannot_mark_it_replayed() -> None:
    # GIVEN a leased record whose replay invocation met a new window
    [request_id] = seed(1)
    leased = book("a").claim(record(request_id))
    assert leased is not None
    store = DeferredEventStore(TABLE, None, inline_limit_bytes=350_000, client_factory=boto3.client)
    redeferral = Deferral(
        request_id="replay-invocation-id",
        function_name=FUNCTION,
        function_arn="arn",
        deferred_at_ms=int(time.time() * 1000),
        event=leased_event(request_id),
        window="windows[1]",
    )
    store.requeue(request_id, redeferral)

    # WHEN the replayer tries to finish it
    finished = book("a").finish_replayed(leased, retention_days=7)

    # THEN its conditional write fails and the record stays pending, in the same record
    assert finished is False
    assert item(request_id)[schema.STATUS]["S"] == "pending"
    assert item(request_id)[schema.REDEFERRALS]["N"] == "1"


def leased_event(request_id: str) -> EncodedEvent:
    stored = item(request_id)
    body = stored[schema.EVENT]["B"]
    return EncodedEvent(body, stored[schema.EVENT_ENCODING]["S"], len(body), event_digest(body))


@pytest.mark.parametrize("status", [Status.REPLAYED, Status.REPLAYING])
def test_finished_or_live_records_are_not_claimed(status: Status) -> None:
    [request_id] = seed(1)
    leased = book("a").claim(record(request_id))
    assert leased is not None
    if status is Status.REPLAYED:
        assert book("a").finish_replayed(leased, retention_days=1)

    assert book("b").claim(record(request_id)) is None
