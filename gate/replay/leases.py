"""The record's state machine, ``pending -> replaying -> replayed | failed``, by conditional writes.

Every transition is one ``UpdateItem`` whose condition names the state it leaves. Out
of ``replaying`` only the lease's owner may move a record; into it, a replayer moves
a pending or failed record, or one whose lease has expired, conditional on that same
old owner and expiry, so two replayers that both saw it expire cannot both take it.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

from gate.aws import is_conditional_failure
from gate.deferral import table as schema
from gate.deferral.table import Status
from gate.replay.records import Record

# What a failed record keeps of the error: enough to diagnose, small beside the event.
ERROR_LIMIT = 500
_SECONDS_PER_DAY = 86_400

_NAMES = {
    "#status": schema.STATUS,
    "#queue": schema.QUEUE,
    "#owner": schema.LEASE_OWNER,
    "#lease": schema.LEASE_EXPIRES,
}

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
    ) -> None:
        self.dynamodb = dynamodb
        self.table_name = table_name
        self.owner = owner
        self.lease_ms = int(lease_seconds * 1000)
        self._clock = clock

    def claim(self, record: Record) -> Record | None:
        """Take a pending, failed, or lease-expired record; the leased record, or None if another has it."""
        now_ms = self._now_ms()
        names = {**_NAMES, "#function": schema.FUNCTION_NAME, "#attempts": schema.ATTEMPTS}
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
        try:
            response = self.dynamodb.update_item(
                TableName=self.table_name,
                Key=_key(record),
                UpdateExpression=(
                    "SET #status = :replaying, #queue = :queue, #owner = :owner, #lease = :lease ADD #attempts :one"
                ),
                ConditionExpression=condition,
                ExpressionAttributeNames=names,
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
            {"#finished": schema.FINISHED_AT, "#expires": schema.EXPIRES_AT, "#error": schema.LAST_ERROR},
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
            {"#error": schema.LAST_ERROR},
        )

    def finish_partial(self, record: Record, failed_items: list[str], next_digest: str, error: str) -> bool:
        """Mark failed, keeping which batch items failed: a later replay sends only those."""
        return self._transition(
            record,
            "SET #status = :status, #queue = :queue, #error = :error, #items = :items, #digest = :digest "
            "REMOVE #owner, #lease",
            {
                ":status": {"S": Status.FAILED.value},
                ":queue": {"S": schema.queue_value(record.function_name, Status.FAILED, record.request_id)},
                ":error": {"S": truncate(error)},
                ":items": {"SS": failed_items},
                ":digest": {"S": next_digest},
            },
            {"#error": schema.LAST_ERROR, "#items": schema.FAILED_ITEMS, "#digest": schema.EVENT_DIGEST},
        )

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
            {"#attempts": schema.ATTEMPTS},
        )

    def _transition(
        self,
        record: Record,
        update: str,
        values: dict[str, Any],
        names: dict[str, str] | None = None,
    ) -> bool:
        try:
            self.dynamodb.update_item(
                TableName=self.table_name,
                Key=_key(record),
                UpdateExpression=update,
                ConditionExpression=_OWNED,
                ExpressionAttributeNames=_used({**_NAMES, **(names or {})}, update, _OWNED),
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


def _used(names: dict[str, str], *expressions: str) -> dict[str, str]:
    # DynamoDB rejects a request that defines a name its expressions do not use.
    text = " ".join(expressions)
    return {placeholder: name for placeholder, name in names.items() if re.search(f"{placeholder}\\b", text)}


def _key(record: Record) -> dict[str, Any]:
    return {schema.KEY: {"S": record.request_id}}
