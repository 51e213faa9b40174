"""A replay run: select one function's records, lease them one by one, invoke, record the outcome.

Claims happen one at a time, in deferral order, under one lock; invocations run on
up to ``concurrency`` workers. With one worker the function receives its events in
the order they were deferred.
"""

from __future__ import annotations

import json
import os
import random
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass

from gate import schema
from gate.codec import event_digest
from gate.errors import error_code
from gate.replay.batch import BatchAnswerError, ItemFailures, item_ids, only_items, still_failed
from gate.replay.errors import EventUnavailableError
from gate.replay.events import EventReader, client_context
from gate.replay.invoke import Invocation, Invoker, Outcome, Target
from gate.replay.leases import LeaseBook
from gate.replay.rate import RateLimiter
from gate.replay.records import ALL_TIME, Record, RecordTable, TimeRange
from gate.replay.results import STOPS_RUN, RecordResult, Result, Summary
from gate.replay_marker import replay_client_context
from gate.schema import Status

# Longer than Lambda's longest function timeout (900 s): a live replayer's invocation
# always ends, one way or the other, before its lease does.
DEFAULT_LEASE_SECONDS = 960.0
DEFAULT_RETENTION_DAYS = float(schema.DEFAULT_RETENTION_DAYS)
# A throttled invocation is retried with full-jitter backoff for up to this long in
# all, holding its lease (renewed before each try): when the function's concurrency
# is used up, workers queue for it rather than give up.
DEFAULT_THROTTLE_BUDGET_SECONDS = 60.0
_BACKOFF_BASE_SECONDS = 0.05
_BACKOFF_CAP_SECONDS = 2.0


@dataclass(frozen=True)
class ReplayOptions:
    function_name: str
    time_range: TimeRange = ALL_TIME
    ids: tuple[str, ...] = ()
    limit: int | None = None
    concurrency: int = 1
    rate_per_second: float | None = None
    include_failed: bool = False
    lease_seconds: float = DEFAULT_LEASE_SECONDS
    retention_days: float = DEFAULT_RETENTION_DAYS
    throttle_budget_seconds: float = DEFAULT_THROTTLE_BUDGET_SECONDS

    def __post_init__(self) -> None:
        if self.concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        if self.limit is not None and self.limit < 0:
            raise ValueError("limit must not be negative")
        if self.lease_seconds <= 0 or self.retention_days <= 0:
            raise ValueError("lease and retention must be positive")


def new_owner() -> str:
    """A lease owner id unique to this run: host, process and a random part."""
    return f"{socket.gethostname()}/{os.getpid()}/{uuid.uuid4().hex[:12]}"


class Replay:
    def __init__(
        self,
        table: RecordTable,
        leases: LeaseBook,
        events: EventReader,
        invoker: Invoker,
        options: ReplayOptions,
        *,
        should_stop: Callable[[], bool] = lambda: False,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.table = table
        self.leases = leases
        self.events = events
        self.invoker = invoker
        self.options = options
        self._should_stop = should_stop
        self._clock = clock
        self._sleep = sleep
        self._rate = RateLimiter(options.rate_per_second, sleep=sleep)
        self._stop = threading.Event()

    def select(self) -> tuple[list[RecordResult], Iterator[Record]]:
        """Records this run would take, in deferral order, and why any requested id is left out."""
        if not self.options.ids:
            return [], self._queued()
        problems: list[RecordResult] = []
        chosen: list[Record] = []
        for request_id in dict.fromkeys(self.options.ids):
            record = self.table.get(request_id)
            if record is None:
                problems.append(RecordResult(request_id, Result.NOT_FOUND))
            elif record.function_name != self.options.function_name:
                problems.append(
                    RecordResult(request_id, Result.NOT_ELIGIBLE, f"belongs to function {record.function_name}")
                )
            elif not self._eligible(record):
                problems.append(RecordResult(request_id, Result.NOT_ELIGIBLE, f"status is {record.status.value}"))
            else:
                chosen.append(record)
        return problems, iter(sorted(chosen, key=lambda record: record.order))

    def backlog(self) -> int:
        """How many records a run would take now (before --limit), counted without reading events."""
        if self.options.ids:
            return sum(1 for _ in self.select()[1])
        fn, window = self.options.function_name, self.options.time_range
        total = self.table.count(fn, Status.PENDING, window)
        if self.options.include_failed:
            total += self.table.count(fn, Status.FAILED, window)
        now_ms = int(self._clock() * 1000)
        return total + sum(
            1 for record in self.table.queue(fn, Status.REPLAYING, window) if record.lease_expired(now_ms)
        )

    def plan(self) -> tuple[list[RecordResult], list[Record]]:
        """What a run would replay now, claiming nothing (``--dry-run``)."""
        problems, stream = self.select()
        limit = self.options.limit
        planned: list[Record] = []
        for record in stream:
            if limit is not None and len(planned) >= limit:
                break
            planned.append(record)
        return problems, planned

    def run(self, on_result: Callable[[RecordResult], None] | None = None) -> Summary:
        summary = Summary(self.options.function_name)
        report_lock = threading.Lock()
        self._stop = threading.Event()

        def stop(reason: str) -> None:
            with report_lock:
                summary.stopped = summary.stopped or reason
            self._stop.set()

        def report(result: RecordResult) -> None:
            with report_lock:
                summary.add(result)
                if on_result is not None:
                    on_result(result)
            if result.result in STOPS_RUN:
                stop(STOPS_RUN[result.result])

        problems, stream = self.select()
        for problem in problems:
            report(problem)
        take = self._taker(stream, report, stop)

        def work() -> None:
            try:
                while (record := take()) is not None:
                    report(self._replay(record))
            except BaseException:
                self._stop.set()
                raise

        with ThreadPoolExecutor(self.options.concurrency, thread_name_prefix="replay") as pool:
            futures = [pool.submit(work) for _ in range(self.options.concurrency)]
            _wait_for(futures, self._stop)
        return summary

    def _taker(
        self, stream: Iterator[Record], report: Callable[[RecordResult], None], stop: Callable[[str], None]
    ) -> Callable[[], Record | None]:
        lock = threading.Lock()
        claimed = 0

        def take() -> Record | None:
            nonlocal claimed
            with lock:
                while not self._stop.is_set():
                    if self.options.limit is not None and claimed >= self.options.limit:
                        return None
                    if self._should_stop():
                        stop("time budget used; the rest is left for the next run")
                        return None
                    record = next(stream, None)
                    if record is None:
                        return None
                    # Paced before the claim, so a lease never waits on the rate limit.
                    self._rate.wait()
                    leased = self.leases.claim(record)
                    if leased is None:
                        report(RecordResult(record.request_id, Result.TAKEN))
                        continue
                    claimed += 1
                    return leased
                return None

        return take

    def _replay(self, record: Record) -> RecordResult:
        try:
            payload = self.events.event_json(record)
        except EventUnavailableError as exc:
            return self._fail(record, f"EventUnavailableError: {exc}")
        if record.failed_items:
            # After a partial batch failure only the failed items go again, in batch order.
            payload = only_items(payload, record.failed_items)
        context = replay_client_context(client_context(record), record.request_id)
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
            if waited > self.options.throttle_budget_seconds or self._stop.is_set() or self._should_stop():
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
        if not self.leases.finish_partial(record, failed, event_digest(only_items(payload, failed)), error):
            return self._lost(record, invocation)
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

    def _queued(self) -> Iterator[Record]:
        statuses = [Status.PENDING, Status.REPLAYING]
        if self.options.include_failed:
            statuses.append(Status.FAILED)
        for record in self.table.queues(self.options.function_name, statuses, self.options.time_range):
            if self._eligible(record):
                yield record

    def _eligible(self, record: Record) -> bool:
        if record.status is Status.PENDING:
            return True
        if record.status is Status.FAILED:
            return self.options.include_failed
        return record.lease_expired(int(self._clock() * 1000))


def _wait_for(futures: list[Future[None]], stop: threading.Event) -> None:
    try:
        wait(futures)
    except KeyboardInterrupt:
        # Finish what is in flight, take nothing new, then let the interrupt through.
        stop.set()
        wait(futures)
        raise
    for future in futures:
        future.result()


def _kind(error: str | None) -> str | None:
    return error.split(":", 1)[0] if error else None
