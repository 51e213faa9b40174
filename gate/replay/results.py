"""What a replay run reports: one result per record, and the run's summary."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from enum import Enum
from typing import Any


class Result(str, Enum):
    REPLAYED = "replayed"
    PARTIAL = "partially failed"
    FAILED = "failed"
    REDEFERRED = "re-deferred"
    THROTTLED = "not delivered (throttled or unreachable)"
    REFUSED = "refused by Lambda"
    LEASE_LOST = "lease lost"
    TAKEN = "taken by another replayer"
    NOT_ELIGIBLE = "not eligible"
    NOT_FOUND = "not found"


# Skips that leave no work undone by this run: another replayer has the record, or it
# was never ours to replay.
HARMLESS = frozenset({Result.TAKEN, Result.NOT_ELIGIBLE})
# Outcomes after which further invocations would fail the same way.
STOPS_RUN = {
    Result.REDEFERRED: "the gate deferred an event again: a window is active, or the function's cached "
    "window document predates the change (wait GATE_CACHE_TTL_SECONDS and replay again)",
    Result.THROTTLED: "Lambda kept throttling the function, or could not be reached",
    Result.REFUSED: "Lambda refused the invocation",
}


@dataclass(frozen=True)
class RecordResult:
    request_id: str
    result: Result
    detail: str | None = None  # an error type or a reason; never event content
    failed_items: int = 0  # of a partially failed batch: items kept for a later replay
    sent_items: int = 0  # of a partially failed batch: items this invocation carried


@dataclass
class Summary:
    function_name: str
    replayed: int = 0
    failed: int = 0
    partial: int = 0
    partial_failed_items: int = 0
    partial_sent_items: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    stopped: str | None = None

    def add(self, result: RecordResult) -> None:
        if result.result is Result.REPLAYED:
            self.replayed += 1
        elif result.result is Result.FAILED:
            self.failed += 1
        elif result.result is Result.PARTIAL:
            self.partial += 1
            self.partial_failed_items += result.failed_items
            self.partial_sent_items += result.sent_items
        else:
            self.skipped[result.result.value] += 1

    @property
    def skipped_total(self) -> int:
        return sum(self.skipped.values())

    @property
    def ok(self) -> bool:
        """True when nothing this run took on was left undone."""
        harmless = {result.value for result in HARMLESS}
        return self.failed == 0 and self.partial == 0 and all(reason in harmless for reason in self.skipped)

    def to_dict(self) -> dict[str, Any]:
        return {
            "function": self.function_name,
            "replayed": self.replayed,
            "partially_failed": self.partial,
            "partially_failed_items": {"failed": self.partial_failed_items, "sent": self.partial_sent_items},
            "failed": self.failed,
            "skipped": self.skipped_total,
            "skipped_by_reason": dict(self.skipped),
            "stopped": self.stopped,
            "ok": self.ok,
        }
