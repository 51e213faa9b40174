"""Reading deferred records: one function's queue in deferral order, a scan, one record.

:class:`Record` is the one decoder of a stored item: every reader (the replayer, the
CLI) reads a record's attributes through it, never from the raw item. Listings
project only the fields that describe a record, so a payload cannot reach a listing
by accident; only :meth:`RecordTable.get` reads the event and client context.
"""

from __future__ import annotations

import heapq
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from gate.deferral import table as schema
from gate.deferral.item_size import item_bytes
from gate.deferral.table import Status

# What the queue index projects: every field except the event, the client context and
# the identity. Listings read the same fields from the table, so a payload cannot
# reach a listing by accident.
_SUMMARY_FIELDS = (schema.KEY, schema.QUEUE_ORDER, *schema.QUEUE_INDEX_INCLUDE)
_SUMMARY_NAMES = {f"#f{index}": name for index, name in enumerate(_SUMMARY_FIELDS)}
_SUMMARY_PROJECTION = ", ".join(_SUMMARY_NAMES)


@dataclass(frozen=True)
class TimeRange:
    """Deferral times ``[since, until)`` in epoch milliseconds; None leaves a side open."""

    since_ms: int | None = None
    until_ms: int | None = None

    def contains(self, deferred_at_ms: int) -> bool:
        after_start = self.since_ms is None or deferred_at_ms >= self.since_ms
        before_end = self.until_ms is None or deferred_at_ms < self.until_ms
        return after_start and before_end

    def order_bounds(self) -> tuple[str, str]:
        """Inclusive sort-key bounds for the queue index.

        Order values are ``<15-digit ms>#<id>``; a bare 15-digit prefix sorts before
        every value that extends it, so ``BETWEEN since AND until`` is ``[since, until)``.
        """
        low = f"{self.since_ms or 0:015d}"
        high = f"{self.until_ms:015d}" if self.until_ms is not None else "9" * 16
        return low, high


@dataclass(frozen=True)
class Record:
    """A deferred record as stored; the event and client context only when read by RecordTable.get."""

    request_id: str
    function_name: str
    status: Status
    order: str
    deferred_at_ms: int
    event_size: int
    event_encoding: str
    window: str | None = None
    attempts: int = 0
    redeferrals: int = 0
    last_error: str | None = None
    lease_owner: str | None = None
    lease_expires_ms: int | None = None
    finished_at_ms: int | None = None
    expires_at: int | None = None
    overflow_key: str | None = None
    function_arn: str | None = None
    tenant_id: str | None = None
    failed_items: frozenset[str] = frozenset()
    # Where the failed items are kept instead, when too many for the record (gate/deferral/items.py).
    failed_items_key: str | None = None
    # The stored event's bytes when kept inline (else ``overflow_key`` names its object), and the
    # JSON texts of the client context and identity: payloads, so never in a repr.
    event_body: bytes | None = field(default=None, repr=False)
    client_context_json: str | None = field(default=None, repr=False)
    identity_json: str | None = field(default=None, repr=False)
    # The item as read; only Record's own methods look into it.
    item: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_item(cls, item: Mapping[str, Any]) -> Record:
        return cls(
            request_id=_text(item, schema.KEY) or "",
            function_name=_text(item, schema.FUNCTION_NAME) or "",
            status=Status(_text(item, schema.STATUS)),
            order=_text(item, schema.QUEUE_ORDER) or "",
            deferred_at_ms=_number(item, schema.DEFERRED_AT) or 0,
            event_size=_number(item, schema.EVENT_SIZE) or 0,
            event_encoding=_text(item, schema.EVENT_ENCODING) or "",
            window=_text(item, schema.WINDOW),
            attempts=_number(item, schema.ATTEMPTS) or 0,
            redeferrals=_number(item, schema.REDEFERRALS) or 0,
            last_error=_text(item, schema.LAST_ERROR),
            lease_owner=_text(item, schema.LEASE_OWNER),
            lease_expires_ms=_number(item, schema.LEASE_EXPIRES),
            finished_at_ms=_number(item, schema.FINISHED_AT),
            expires_at=_number(item, schema.EXPIRES_AT),
            overflow_key=_text(item, schema.OVERFLOW_KEY),
            function_arn=_text(item, schema.FUNCTION_ARN),
            tenant_id=_text(item, schema.TENANT_ID),
            failed_items=frozenset(item.get(schema.FAILED_ITEMS, {}).get("SS", ())),
            failed_items_key=_text(item, schema.FAILED_ITEMS_KEY),
            event_body=_binary(item, schema.EVENT),
            client_context_json=_text(item, schema.CLIENT_CONTEXT),
            identity_json=_text(item, schema.IDENTITY),
            item=item,
        )

    def bytes_after(self, sets: Mapping[str, Mapping[str, Any]], removes: Iterable[str] = ()) -> int:
        """DynamoDB's size of this record's item once an update sets ``sets`` and removes ``removes``.

        Exact only for a record read whole (GetItem, or a claim's ALL_NEW), not a listing's projection.
        """
        removed = set(removes)
        item = {name: value for name, value in self.item.items() if name not in removed}
        return item_bytes({**item, **sets})

    def client_context(self) -> dict[str, Any] | None:
        """The client context the original invocation carried, if the gate kept one."""
        value = _json(self.client_context_json)
        return value if isinstance(value, dict) else None

    def lease_expired(self, now_ms: int) -> bool:
        return self.status is Status.REPLAYING and (self.lease_expires_ms or 0) < now_ms

    @property
    def error_type(self) -> str | None:
        """The error's type alone: messages can quote the event, types cannot."""
        return self.last_error.split(":", 1)[0] if self.last_error else None

    def summary(self) -> dict[str, Any]:
        """A JSON-safe description for listings: ids, times, sizes, status, window; never the event."""
        return {
            "id": self.request_id,
            "function": self.function_name,
            "status": self.status.value,
            "deferred_at": iso_ms(self.deferred_at_ms),
            "size": self.event_size,
            "window": self.window,
            "attempts": self.attempts,
            "redeferrals": self.redeferrals,
            "error_type": self.error_type,
            "lease_owner": self.lease_owner,
            "lease_expires": iso_ms(self.lease_expires_ms) if self.lease_expires_ms else None,
            "finished_at": iso_ms(self.finished_at_ms) if self.finished_at_ms else None,
            "overflow": self.overflow_key is not None,
            "failed_items": len(self.failed_items),
        }


ALL_TIME = TimeRange()


class RecordTable:
    """Reads of the deferred-events table through a boto3 DynamoDB client."""

    def __init__(self, dynamodb: Any, table_name: str) -> None:
        self.dynamodb = dynamodb
        self.table_name = table_name

    def get(self, request_id: str) -> Record | None:
        """The record with its event fields, read consistently; None when there is none."""
        response = self.dynamodb.get_item(
            TableName=self.table_name, Key={schema.KEY: {"S": request_id}}, ConsistentRead=True
        )
        item = response.get("Item")
        return Record.from_item(item) if item else None

    def queue(
        self, function_name: str, status: Status, time_range: TimeRange = ALL_TIME, *, page_size: int = 100
    ) -> Iterator[Record]:
        """One function's records in one status, in deferral order: every shard, merged."""
        return self.queues(function_name, [status], time_range, page_size=page_size)

    def queues(
        self, function_name: str, statuses: Iterable[Status], time_range: TimeRange = ALL_TIME, *, page_size: int = 100
    ) -> Iterator[Record]:
        """Several statuses of one function merged into one deferral-ordered stream."""
        streams = self.shard_streams(function_name, statuses, time_range, page_size=page_size)
        return heapq.merge(*streams, key=_order)

    def shard_streams(
        self, function_name: str, statuses: Iterable[Status], time_range: TimeRange = ALL_TIME, *, page_size: int = 100
    ) -> list[Iterator[Record]]:
        """One deferral-ordered stream per queue shard, the statuses merged in each.

        The last stream is the unsharded partition that records written before the
        queue was sharded still sit in, until a transition moves them to their shard.
        """
        wanted = list(dict.fromkeys(statuses))
        partitions = [
            [schema.shard_queue_value(function_name, status, shard) for status in wanted]
            for shard in range(schema.QUEUE_SHARDS)
        ]
        partitions.append([schema.legacy_queue_value(function_name, status) for status in wanted])
        return [
            heapq.merge(*(self.partition(value, time_range, page_size=page_size) for value in values), key=_order)
            for values in partitions
        ]

    def partition(self, queue: str, time_range: TimeRange = ALL_TIME, *, page_size: int = 100) -> Iterator[Record]:
        """One queue partition in deferral order, read page by page."""
        low, high = time_range.order_bounds()
        request: dict[str, Any] = {
            "TableName": self.table_name,
            "IndexName": schema.QUEUE_INDEX,
            "KeyConditionExpression": "#queue = :queue AND #order BETWEEN :low AND :high",
            "ProjectionExpression": _SUMMARY_PROJECTION,
            "ExpressionAttributeNames": {"#queue": schema.QUEUE, "#order": schema.QUEUE_ORDER, **_SUMMARY_NAMES},
            "ExpressionAttributeValues": {":queue": {"S": queue}, ":low": {"S": low}, ":high": {"S": high}},
            "Limit": page_size,
        }
        for page in self.dynamodb.get_paginator("query").paginate(**request):
            for item in page.get("Items", []):
                yield Record.from_item(item)

    def scan(self, statuses: Iterable[Status] = tuple(Status), time_range: TimeRange = ALL_TIME) -> Iterator[Record]:
        """Every function's records in the given statuses, unordered (sort the result if needed)."""
        wanted = {status.value for status in statuses}
        for page in self.dynamodb.get_paginator("scan").paginate(
            TableName=self.table_name,
            ProjectionExpression=_SUMMARY_PROJECTION,
            ExpressionAttributeNames=_SUMMARY_NAMES,
        ):
            for item in page.get("Items", []):
                record = Record.from_item(item)
                if record.status.value in wanted and time_range.contains(record.deferred_at_ms):
                    yield record

    def count(self, function_name: str, status: Status, time_range: TimeRange = ALL_TIME) -> int:
        """Records in one status, counted in every shard (and the unsharded partition) without reading them."""
        low, high = time_range.order_bounds()
        values = [schema.shard_queue_value(function_name, status, shard) for shard in range(schema.QUEUE_SHARDS)]
        values.append(schema.legacy_queue_value(function_name, status))
        total = 0
        for value in values:
            for page in self.dynamodb.get_paginator("query").paginate(
                TableName=self.table_name,
                IndexName=schema.QUEUE_INDEX,
                KeyConditionExpression="#queue = :queue AND #order BETWEEN :low AND :high",
                ExpressionAttributeNames={"#queue": schema.QUEUE, "#order": schema.QUEUE_ORDER},
                ExpressionAttributeValues={":queue": {"S": value}, ":low": {"S": low}, ":high": {"S": high}},
                Select="COUNT",
            ):
                total += int(page.get("Count", 0))
        return total


def counts_by_function(
    table: RecordTable, functions: Iterable[str] = (), time_range: TimeRange = ALL_TIME
) -> dict[str, dict[str, int]]:
    """Records per function and status: a Query per (function, status) when functions are
    named, else one projected Scan of the table (which holds only unexpired records)."""
    result: dict[str, dict[str, int]] = {}
    named = list(dict.fromkeys(functions))
    for function_name in named:
        result[function_name] = {status.value: table.count(function_name, status, time_range) for status in Status}
    if not named:
        for record in table.scan(time_range=time_range):
            per_status = result.setdefault(record.function_name, {status.value: 0 for status in Status})
            per_status[record.status.value] += 1
    return dict(sorted(result.items()))


def _order(record: Record) -> str:
    return record.order


def iso_ms(epoch_ms: int) -> str:
    """UTC ISO-8601 with milliseconds, as every listing prints times."""
    return datetime.fromtimestamp(epoch_ms / 1000, timezone.utc).isoformat(timespec="milliseconds")


def _text(item: Mapping[str, Any], name: str) -> str | None:
    value = item.get(name)
    return str(value["S"]) if value and "S" in value else None


def _binary(item: Mapping[str, Any], name: str) -> bytes | None:
    value = item.get(name)
    return bytes(value["B"]) if value and "B" in value else None


def _json(text: str | None) -> Any:
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None


def _number(item: Mapping[str, Any], name: str) -> int | None:
    value = item.get(name)
    return int(value["N"]) if value and "N" in value else None
