"""Removing records: finished ones early (before their TTL), or named ones on purpose."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from gate.aws import error_code
from gate.deferral import table as schema
from gate.deferral.table import Status
from gate.replay.events import EventReader
from gate.replay.records import Record


@dataclass
class PurgeResult:
    deleted: list[str] = field(default_factory=list)
    kept: list[tuple[str, str]] = field(default_factory=list)  # (id, why it was not deleted)


class Purger:
    def __init__(
        self, dynamodb: Any, table_name: str, events: EventReader, *, clock: Callable[[], float] = time.time
    ) -> None:
        self.dynamodb = dynamodb
        self.table_name = table_name
        self.events = events
        self._clock = clock

    def purge_finished(self, records: Iterable[Record]) -> PurgeResult:
        """Delete replayed records, each only if it is still replayed when deleted."""
        result = PurgeResult()
        for record in records:
            if record.status is not Status.REPLAYED:
                result.kept.append((record.request_id, f"status is {record.status.value}"))
                continue
            self._delete(record, "#status = :replayed", {":replayed": {"S": Status.REPLAYED.value}}, result)
        return result

    def purge_named(self, records: Iterable[Record]) -> PurgeResult:
        """Delete the given records in any state but one being replayed under a live lease."""
        result = PurgeResult()
        for record in records:
            self._delete(
                record,
                "#status <> :replaying OR #lease < :now",
                {":replaying": {"S": Status.REPLAYING.value}, ":now": {"N": str(int(self._clock() * 1000))}},
                result,
            )
        return result

    def _delete(
        self,
        record: Record,
        condition: str,
        values: dict[str, Any],
        result: PurgeResult,
    ) -> None:
        try:
            self.dynamodb.delete_item(
                TableName=self.table_name,
                Key=schema.key_of(record.request_id),
                ConditionExpression=condition,
                ExpressionAttributeNames=schema.expression_names(condition),
                ExpressionAttributeValues=values,
            )
        except Exception as exc:
            if error_code(exc) != "ConditionalCheckFailedException":
                raise
            result.kept.append((record.request_id, "changed since it was read (being replayed?)"))
            return
        # After the record, so a failure here leaves an orphan object, never a record without its event.
        self.events.delete_overflow(record)
        result.deleted.append(record.request_id)
