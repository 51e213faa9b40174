"""The record's state machine, ``pending -> replaying -> replayed | failed``, by conditional writes.

Every transition is one ``UpdateItem`` whose condition names the state it leaves. Out
of ``replaying`` only the lease's owner may move a record; into it, a replayer moves
a pending or failed record, or one whose lease has expired, conditional on that same
old owner and expiry, so two replayers that both saw it expire cannot both take it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from gate.aws import is_conditional_failure
from gate.deferral import item_size
from gate.deferral import table as schema
from gate.deferral.table import Status
from gate.replay.records import Record

# What a failed record keeps of the error: enough to diagnose, small beside the event.
ERROR_LIMIT = 500
_SECONDS_PER_DAY = 86_400

# Only the lease's owner moves a record out of replaying.
_OWNED = "#status = :replaying AND #owner = :me"


class LeaseBook:
    """Moves records between states on behalf of one replayer run (one lease owner)."""

    def __init__(
        self,
        dynamodb: Any,
        table_name: str,
        *,
        owner: str,
        lease_seconds: float,
        clock: Callable[[], float] = time.time,
        item_limit_bytes: int | None = None,
    ) -> None:
        self.dynamodb = dynamodb
        self.table_name = table_name
        self.owner = owner
        self.lease_ms = int(lease_seconds * 1000)
        self._clock = clock
        self.item_limit_bytes = item_size.ITEM_LIMIT_BYTES if item_limit_bytes is None else item_limit_bytes

    def claim(self, record: Record) -> Record | None:
        """Take a pending, failed, or lease-expired record; the leased record, or None if another has it."""
        now_ms = self._now_ms()
        values: dict[str, Any] = {
            ":replaying": {"S": Status.REPLAYING.value},
            ":queue": {"S": schema.queue_value(record.function_name, Status.REPLAYING, record.request_id)},
            ":owner": {"S": self.owner},
            ":lease": {"N": str(now_ms + self.lease_ms)},
            ":function": {"S": record.function_name},
            ":one": {"N": "1"},
        }
        if record.status in (Status.PENDING, Status.FAILED):
            condition = "#status = :from AND #function = :function"
            values[":from"] = {"S": record.status.value}
        elif record.status is Status.REPLAYING and record.lease_expired(now_ms):
            condition = "#status = :replaying AND #function = :function AND " + _same_lease(record, values, now_ms)
        else:
            return None
        update = "SET #status = :replaying, #queue = :queue, #owner = :owner, #lease = :lease ADD #attempts :one"
        try:
            response = self.dynamodb.update_item(
                TableName=self.table_name,
                Key=schema.key_of(record.request_id),
                UpdateExpression=update,
                ConditionExpression=condition,
                ExpressionAttributeNames=schema.expression_names(update, condition),
                ExpressionAttributeValues=values,
                ReturnValues="ALL_NEW",
            )
        except Exception as exc:
            if is_conditional_failure(exc):
                return None
            raise
        return Record.from_item(response["Attributes"])

    def renew(self, record: Record) -> bool:
        """Extend our lease before another attempt; False when it is no longer ours."""
        return self._transition(
            record,
            "SET #lease = :lease",
            {":lease": {"N": str(self._now_ms() + self.lease_ms)}},
        )

    def finish_replayed(self, record: Record, retention_days: float) -> bool:
        """Mark delivered and let DynamoDB's TTL remove it after the retention period."""
        now = self._clock()
        return self._transition(
            record,
            "SET #status = :status, #queue = :queue, #finished = :finished, #expires = :expires "
            "REMOVE #owner, #lease, #error",
            {
                ":status": {"S": Status.REPLAYED.value},
                ":queue": {"S": schema.queue_value(record.function_name, Status.REPLAYED, record.request_id)},
                ":finished": {"N": str(int(now * 1000))},
                ":expires": {"N": str(int(now + retention_days * _SECONDS_PER_DAY))},
            },
        )

    def finish_failed(self, record: Record, error: str) -> bool:
        """Mark failed with the error (truncated); ``replay --include-failed`` takes it again."""
        return self._transition(
            record,
            "SET #status = :status, #queue = :queue, #error = :error REMOVE #owner, #lease",
            {
                ":status": {"S": Status.FAILED.value},
                ":queue": {"S": schema.queue_value(record.function_name, Status.FAILED, record.request_id)},
                ":error": {"S": truncate(error)},
            },
        )

    def fits_inline(self, record: Record, failed_items: list[str], next_digest: str, error: str) -> bool:
        """Whether the record, claimed whole, stays within the item limit with ``failed_items`` kept in it."""
        return self.partial_bytes(record, failed_items, next_digest, error) <= self.item_limit_bytes

    def partial_bytes(self, record: Record, failed_items: list[str], next_digest: str, error: str) -> int:
        """DynamoDB's size of the record once finish_partial has kept ``failed_items`` in it."""
        sets, removes = _partial_changes(record, failed_items, next_digest, error, None)
        named = {schema.PLACEHOLDERS[placeholder]: value for placeholder, value in sets.items()}
        return record.bytes_after(named, [schema.PLACEHOLDERS[placeholder] for placeholder in removes])

    def finish_partial(
        self, record: Record, failed_items: list[str], next_digest: str, error: str, *, kept_at: str | None = None
    ) -> bool:
        """Mark failed, keeping which batch items failed: a later replay sends only those.

        The identifiers go into the record, or, with ``kept_at``, stay in that overflow
        object (written first, as an oversized event is) and the record names it.
        """
        sets, removes = _partial_changes(record, failed_items, next_digest, error, kept_at)
        update = "SET " + ", ".join(f"{name} = :{name[1:]}" for name in sets) + " REMOVE " + ", ".join(removes)
        return self._transition(record, update, {f":{name[1:]}": value for name, value in sets.items()})

    def release(self, record: Record) -> bool:
        """Put back to pending an event the function never received (throttled, stopped early)."""
        return self._transition(
            record,
            "SET #status = :status, #queue = :queue REMOVE #owner, #lease ADD #attempts :minus_one",
            {
                ":status": {"S": Status.PENDING.value},
                ":queue": {"S": schema.queue_value(record.function_name, Status.PENDING, record.request_id)},
                ":minus_one": {"N": "-1"},
            },
        )

    def _transition(
        self,
        record: Record,
        update: str,
        values: dict[str, Any],
    ) -> bool:
        try:
            self.dynamodb.update_item(
                TableName=self.table_name,
                Key=schema.key_of(record.request_id),
                UpdateExpression=update,
                ConditionExpression=_OWNED,
                ExpressionAttributeNames=schema.expression_names(update, _OWNED),
                ExpressionAttributeValues={
                    ":replaying": {"S": Status.REPLAYING.value},
                    ":me": {"S": self.owner},
                    **values,
                },
            )
        except Exception as exc:
            if is_conditional_failure(exc):
                return False
            raise
        return True

    def _now_ms(self) -> int:
        return int(self._clock() * 1000)


def _partial_changes(
    record: Record, failed_items: list[str], next_digest: str, error: str, kept_at: str | None
) -> tuple[dict[str, Any], list[str]]:
    """What finish_partial sets and removes, by placeholder."""
    sets: dict[str, Any] = {
        "#status": {"S": Status.FAILED.value},
        "#queue": {"S": schema.queue_value(record.function_name, Status.FAILED, record.request_id)},
        "#error": {"S": truncate(error)},
        "#digest": {"S": next_digest},
    }
    removes = ["#owner", "#lease"]
    if kept_at is None:
        sets["#items"] = {"SS": failed_items}
        removes.append("#items_key")
    else:
        sets["#items_key"] = {"S": kept_at}
        removes.append("#items")
    return sets, removes


def truncate(text: str, limit: int = ERROR_LIMIT) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _same_lease(record: Record, values: dict[str, Any], now_ms: int) -> str:
    # The take-over names the lease it saw, so of two replayers that both saw it
    # expire, the second one's write fails.
    parts = []
    if record.lease_owner is None:
        parts.append("attribute_not_exists(#owner)")
    else:
        values[":old_owner"] = {"S": record.lease_owner}
        parts.append("#owner = :old_owner")
    if record.lease_expires_ms is None:
        parts.append("attribute_not_exists(#lease)")
    else:
        # Only here: DynamoDB refuses a request defining a value its expressions never use.
        values[":now"] = {"N": str(now_ms)}
        values[":old_lease"] = {"N": str(record.lease_expires_ms)}
        parts.append("#lease = :old_lease AND #lease < :now")
    return " AND ".join(parts)
