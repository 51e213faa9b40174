"""Delivering one leased record: read its event, invoke its target, write the outcome.

Each record is handled start to end by one worker, which holds its lease; the only
state shared between workers is the clients, the pacing and the stop signal.
"""

from __future__ import annotations

import contextlib
import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass

from gate.aws import describe, error_code
from gate.deferral.codec import event_digest
from gate.deferral.table import Status
from gate.deferral.wire import replay_client_context
from gate.replay.batch import BatchAnswerError, ItemFailures, item_ids, only_items, still_failed
from gate.replay.errors import EventUnavailableError
from gate.replay.events import EventReader
from gate.replay.invoke import Invocation, Invoker, Outcome, Target
from gate.replay.leases import LeaseBook
from gate.replay.records import Record, RecordTable
from gate.replay.results import RecordResult, Result

_BACKOFF_BASE_SECONDS = 0.05
_BACKOFF_CAP_SECONDS = 2.0


@dataclass(frozen=True)
class DeliveryPolicy:
    function_name: str
    retention_days: float
    throttle_budget_seconds: float


class Delivery:
    def __init__(
        self,
        table: RecordTable,
        leases: LeaseBook,
        events: EventReader,
        invoker: Invoker,
        policy: DeliveryPolicy,
        *,
        stopped: Callable[[], bool],
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.table = table
        self.leases = leases
        self.events = events
        self.invoker = invoker
        self.options = policy
        self._stopped = stopped
        self._sleep = sleep

    def deliver(self, record: Record) -> RecordResult:
        """Invoke a leased record's event and write what came of it."""
        try:
            payload = self.events.event_json(record)
            failed_before = self.events.failed_items(record)
        except EventUnavailableError as exc:
            return self._fail(record, f"EventUnavailableError: {exc}")
        if failed_before:
            # After a partial batch failure only the failed items go again, in batch order.
            payload = only_items(payload, failed_before)
        context = replay_client_context(record.client_context(), record.request_id)
        invocation = self._invoke_through_throttles(record, payload, context)
        if invocation is None:
            return RecordResult(record.request_id, Result.LEASE_LOST)
        outcome = invocation.outcome
        if outcome is Outcome.THROTTLED or outcome is Outcome.FATAL:
            # Never delivered: back to pending, untouched, for a later run.
            released = self.leases.release(record)
            result = Result.THROTTLED if outcome is Outcome.THROTTLED else Result.REFUSED
            return RecordResult(record.request_id, result if released else Result.LEASE_LOST, _kind(invocation.error))
        if outcome is Outcome.SUCCEEDED and invocation.item_failures is not None and not invocation.deferred:
            return self._partial(record, invocation, invocation.item_failures, payload)
        if outcome is Outcome.SUCCEEDED:
            return self._succeed(record, invocation)
        error = invocation.error or outcome.value
        if outcome is Outcome.UNKNOWN:
            error = f"DeliveryUnknown: the function may have run; {error}"
        return self._fail(record, error)

    def _invoke_through_throttles(self, record: Record, payload: bytes, context: str) -> Invocation | None:
        """Invoke; while throttled, back off and try again within the budget. None: our lease was lost."""
        attempt = 0
        waited = 0.0
        # The version or alias the event came through, and its tenant.
        target = Target.of(self.options.function_name, record.function_arn, record.tenant_id)
        while True:
            invocation = self.invoker.invoke(target, payload, context)
            if invocation.outcome is not Outcome.THROTTLED:
                return invocation
            attempt += 1
            pause = random.uniform(0, min(_BACKOFF_CAP_SECONDS, _BACKOFF_BASE_SECONDS * 2**attempt))
            waited += pause
            if waited > self.options.throttle_budget_seconds or self._stopped():
                return invocation
            self._sleep(pause)
            if not self.leases.renew(record):
                return None

    def _succeed(self, record: Record, invocation: Invocation) -> RecordResult:
        if not self.leases.finish_replayed(record, self.options.retention_days):
            return self._lost(record, invocation)
        if invocation.deferred:
            # The gate kept the event again, under a new record: the marker did not reach it.
            return RecordResult(record.request_id, Result.REDEFERRED, "stored as a new record")
        try:
            self.events.delete_overflow(record)
        except Exception as exc:  # noqa: BLE001 - the event was delivered; a leftover object is only storage
            return RecordResult(record.request_id, Result.REPLAYED, f"overflow object kept: {error_code(exc)}")
        return RecordResult(record.request_id, Result.REPLAYED)

    def _partial(self, record: Record, invocation: Invocation, failures: ItemFailures, payload: bytes) -> RecordResult:
        """The function reported batch item failures: keep only those items for a later replay."""
        event = json.loads(payload)
        sent = item_ids(event)
        if sent is None:
            # Not a batch of a source that reads batchItemFailures: the answer is just a value.
            return self._succeed(record, invocation)
        try:
            failed = still_failed(event, failures)
        except BatchAnswerError as exc:
            # Lambda fails the whole batch on such an answer; the items sent stay failed.
            return self._fail(record, f"BatchAnswerError: {exc}")
        if not failed:
            return self._succeed(record, invocation)
        error = f"PartialBatchFailure: {len(failed)} of {len(sent)} items failed"
        digest = event_digest(only_items(payload, failed))
        kept_at = None
        if not self.leases.fits_inline(record, failed, digest, error):
            # Too many for DynamoDB's item limit: kept as an oversized event is, in S3 first.
            try:
                kept_at = self.events.keep_failed_items(record, failed)
            except Exception as exc:  # noqa: BLE001 - the record must still be finished
                # Nothing is lost: the record stays failed, and its next replay sends what this one sent.
                return self._fail(record, f"{error}; the list could not be kept ({describe(exc)})")
        if not self.leases.finish_partial(record, failed, digest, error, kept_at=kept_at):
            return self._lost(record, invocation)
        if kept_at is None:
            # The record no longer names an earlier list's object: a leftover would be only storage.
            with contextlib.suppress(Exception):
                self.events.delete_failed_items(record)
        return RecordResult(record.request_id, Result.PARTIAL, None, len(failed), len(sent))

    def _fail(self, record: Record, error: str) -> RecordResult:
        if not self.leases.finish_failed(record, error):
            return self._lost(record, None)
        return RecordResult(record.request_id, Result.FAILED, _kind(error))

    def _lost(self, record: Record, invocation: Invocation | None) -> RecordResult:
        """Our finishing write was refused: the gate re-queued the record, or our lease was taken."""
        current = self.table.get(record.request_id)
        requeued = current is not None and current.status is Status.PENDING
        if requeued or (invocation is not None and invocation.deferred):
            return RecordResult(record.request_id, Result.REDEFERRED)
        return RecordResult(record.request_id, Result.LEASE_LOST)


def _kind(error: str | None) -> str | None:
    return error.split(":", 1)[0] if error else None
