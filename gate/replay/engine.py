"""A replay run: select one function's records, lease each, invoke, record the outcome.

The queue is sharded (``gate.deferral.table.QUEUE_SHARDS``), each shard read in deferral
order. One worker merges every shard, so the function receives its events in the
order they were deferred. ``concurrency`` workers split the shards between them: each
worker claims and delivers its own shards' records one at a time, in order, so order
holds within a shard. Claims are conditional writes made by each worker on its own;
no lock is shared around them.
"""

from __future__ import annotations

import heapq
import os
import socket
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass

from gate.deferral import table as schema
from gate.deferral.table import Status
from gate.replay.delivery import Delivery, DeliveryPolicy
from gate.replay.events import EventReader
from gate.replay.invoke import Invoker
from gate.replay.leases import LeaseBook
from gate.replay.rate import RateLimiter
from gate.replay.records import ALL_TIME, Record, RecordTable, TimeRange
from gate.replay.results import STOPS_RUN, RecordResult, Result, Summary

# Longer than Lambda's longest function timeout (900 s): a live replayer's invocation
# always ends, one way or the other, before its lease does.
DEFAULT_LEASE_SECONDS = 960.0
DEFAULT_RETENTION_DAYS = float(schema.DEFAULT_RETENTION_DAYS)
# A throttled invocation is retried with full-jitter backoff for up to this long in
# all, holding its lease (renewed before each try): when the function's concurrency
# is used up, workers queue for it rather than give up.
DEFAULT_THROTTLE_BUDGET_SECONDS = 60.0
# Workers split the shards between them; more would share a shard and break its order.
MAX_CONCURRENCY = schema.QUEUE_SHARDS


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
        if not 1 <= self.concurrency <= MAX_CONCURRENCY:
            raise ValueError(f"concurrency must be between 1 and {MAX_CONCURRENCY} (one worker per queue shard)")
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
        self.options = options
        self._should_stop = should_stop
        self._clock = clock
        self._rate = RateLimiter(options.rate_per_second, sleep=sleep)
        self._stop = threading.Event()
        policy = DeliveryPolicy(options.function_name, options.retention_days, options.throttle_budget_seconds)
        self._delivery = Delivery(
            table, leases, events, invoker, policy, stopped=lambda: self._stop.is_set() or should_stop(), sleep=sleep
        )

    def select(self) -> tuple[list[RecordResult], Iterator[Record]]:
        """Records this run would take, in deferral order, and why any requested id is left out."""
        problems, shards = self.select_shards()
        return problems, heapq.merge(*shards, key=_order)

    def select_shards(self) -> tuple[list[RecordResult], list[Iterator[Record]]]:
        """Like :meth:`select`, one deferral-ordered stream per queue shard."""
        if not self.options.ids:
            return [], [self._eligible_only(stream) for stream in self._queued()]
        problems: list[RecordResult] = []
        by_shard: defaultdict[int, list[Record]] = defaultdict(list)
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
                by_shard[schema.shard_of(request_id)].append(record)
        return problems, [iter(sorted(records, key=_order)) for _, records in sorted(by_shard.items())]

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

        problems, shards = self.select_shards()
        for problem in problems:
            report(problem)
        lanes = _lanes(shards, self.options.concurrency)
        budget = _Budget(self.options.limit)

        def work(lane: Iterator[Record]) -> None:
            try:
                for record in lane:
                    if self._stop.is_set() or not self._may_take(stop) or not budget.take():
                        return
                    # Paced before the claim, so a lease never waits on the rate limit.
                    self._rate.wait()
                    leased = self.leases.claim(record)
                    if leased is None:
                        budget.give_back()
                        report(RecordResult(record.request_id, Result.TAKEN))
                        continue
                    report(self._delivery.deliver(leased))
            except BaseException:
                self._stop.set()
                raise

        with ThreadPoolExecutor(len(lanes), thread_name_prefix="replay") as pool:
            futures = [pool.submit(work, lane) for lane in lanes]
            _wait_for(futures, self._stop)
        return summary

    def _may_take(self, stop: Callable[[str], None]) -> bool:
        if self._should_stop():
            stop("time budget used; the rest is left for the next run")
            return False
        return True

    def _queued(self) -> list[Iterator[Record]]:
        statuses = [Status.PENDING, Status.REPLAYING]
        if self.options.include_failed:
            statuses.append(Status.FAILED)
        return self.table.shard_streams(self.options.function_name, statuses, self.options.time_range)

    def _eligible_only(self, stream: Iterator[Record]) -> Iterator[Record]:
        return (record for record in stream if self._eligible(record))

    def _eligible(self, record: Record) -> bool:
        if record.status is Status.PENDING:
            return True
        if record.status is Status.FAILED:
            return self.options.include_failed
        return record.lease_expired(int(self._clock() * 1000))


class _Budget:
    """``--limit`` across workers: a counter, held only for the arithmetic."""

    def __init__(self, limit: int | None) -> None:
        self._left = limit
        self._lock = threading.Lock()

    def take(self) -> bool:
        if self._left is None:
            return True
        with self._lock:
            if self._left <= 0:
                return False
            self._left -= 1
            return True

    def give_back(self) -> None:
        if self._left is not None:
            with self._lock:
                self._left += 1


def _lanes(shards: list[Iterator[Record]], concurrency: int) -> list[Iterator[Record]]:
    """The shards dealt out to workers, each worker's shards merged in deferral order."""
    count = max(1, min(concurrency, len(shards)))
    return [heapq.merge(*shards[index::count], key=_order) for index in range(count)]


def _order(record: Record) -> str:
    return record.order


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
