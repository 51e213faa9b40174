"""Partial batch answers: which items of a replayed SQS, Kinesis or DynamoDB Streams batch failed.

A function behind such a source may answer ``{"batchItemFailures": [{"itemIdentifier":
...}]}``. The event source mapping then retries only those items; the replayer must do
the same, because the batch's messages left their queue when the gate deferred them.
Lambda's rules are followed: an empty or absent list is complete success, and an
identifier that is missing, empty, or not in the batch fails the whole batch.

Items are always sent in the batch's own order, so a FIFO consumer (Powertools'
``SqsFifoPartialProcessor`` reports every item after the first failure as failed)
receives the failed item and the ones after it again in their order.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from gate.deferral.codec import event_json

# Where each batch source keeps the identifier the function answers with.
_IDENTIFIER_PATHS: dict[str, tuple[str, ...]] = {
    "aws:sqs": ("messageId",),
    "aws:kinesis": ("kinesis", "sequenceNumber"),
    "aws:dynamodb": ("dynamodb", "SequenceNumber"),
}
_RECORDS = "Records"


class BatchAnswerError(ValueError):
    """Raised when a function's batchItemFailures cannot be matched to its batch; Lambda fails the whole batch."""


@dataclass(frozen=True)
class ItemFailures:
    """What the function reported: identifiers as answered, or why the answer is unusable."""

    identifiers: tuple[str, ...]
    problem: str | None = None


def reported_failures(answer: Any) -> ItemFailures | None:
    """The items a function's answer reports failed; None when it reports none (complete success)."""
    if not isinstance(answer, dict) or answer.get("batchItemFailures") is None:
        return None
    entries = answer["batchItemFailures"]
    if not isinstance(entries, list):
        return ItemFailures((), "batchItemFailures is not a list")
    if not entries:
        return None
    identifiers: list[str] = []
    for position, entry in enumerate(entries):
        identifier = entry.get("itemIdentifier") if isinstance(entry, dict) else None
        if not isinstance(identifier, str) or not identifier:
            return ItemFailures((), f"batchItemFailures[{position}] has no itemIdentifier")
        identifiers.append(identifier)
    return ItemFailures(tuple(identifiers))


def item_ids(event: Any) -> list[str] | None:
    """Each record's identifier in batch order; None when the event is not a batch of one such source."""
    records = event.get(_RECORDS) if isinstance(event, dict) else None
    if not isinstance(records, list) or not records:
        return None
    identifiers = []
    for record in records:
        path = _IDENTIFIER_PATHS.get(str(record.get("eventSource"))) if isinstance(record, dict) else None
        if path is None:
            return None
        value: Any = record
        for key in path:
            value = value.get(key) if isinstance(value, dict) else None
        if not isinstance(value, str):
            return None
        identifiers.append(value)
    return identifiers


def still_failed(event: Any, failures: ItemFailures) -> list[str]:
    """The failed identifiers in batch order; raises BatchAnswerError when Lambda would fail the batch."""
    if failures.problem:
        raise BatchAnswerError(failures.problem)
    identifiers = item_ids(event) or []
    unknown = sorted(set(failures.identifiers) - set(identifiers))
    if unknown:
        raise BatchAnswerError(f"itemIdentifier {unknown[0]!r} is not in the batch")
    wanted = set(failures.identifiers)
    return [identifier for identifier in identifiers if identifier in wanted]


def only_items(text: bytes, keep: Collection[str]) -> bytes:
    """The batch event's JSON text with only the ``keep`` items, in their batch order."""
    event = json.loads(text)
    identifiers = item_ids(event)
    if identifiers is None:
        return text
    wanted = set(keep)
    items = [item for item, identifier in zip(event[_RECORDS], identifiers, strict=True) if identifier in wanted]
    return event_json({**event, _RECORDS: items})
