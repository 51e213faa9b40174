"""Concurrency: one request id from many processes, a sustained run of deferrals then their
replay, and window refreshes racing with invocations (awslambdaric's multi-concurrent mode).
"""

from __future__ import annotations

import base64
import itertools
import json
import multiprocessing
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from gate.callers.responses import is_deferred_answer
from gate.config import FailMode
from gate.deferral import table as schema
from gate.deferral.store import DUPLICATE, STORED
from gate.deferral.wire import MARKER_KEY
from gate.replay.engine import ReplayOptions
from gate.replay.factory import Resources, build_replay
from gate.replay.invoke import Invocation, Outcome, Target
from gate.window.cache import WindowSource
from tests.delivery import delivery_faults
from tests.e2e.conftest import Stack
from tests.faults.support import (
    FUNCTION_NAME,
    LIVE,
    MAINTENANCE,
    gate_for,
    lambda_context,
    logged,
    store_for,
    telemetry_records,
)
from tests.faults.workers import defer_at_the_barrier

PROCESSES = 8
LOAD_DEFERRALS = 5_000


def test_eight_processes_deferring_one_request_id_make_one_record(stack: Stack) -> None:
    # GIVEN eight processes, each holding a warm store client, released together
    spawn = multiprocessing.get_context("spawn")
    barrier, results = spawn.Barrier(PROCESSES), spawn.Queue()
    request_id = f"req-{uuid.uuid4()}"
    workers = [
        spawn.Process(
            target=defer_at_the_barrier,
            args=(stack.server.url, stack.table, request_id),
            kwargs={"index": index, "barrier": barrier, "results": results},
        )
        for index in range(PROCESSES)
    ]

    # WHEN each defers the same request id (each with its own event, to see whose was kept)
    for worker in workers:
        worker.start()
    outcomes = dict(results.get(timeout=180) for _ in workers)
    for worker in workers:
        worker.join(timeout=30)

    # THEN exactly one stored it, seven met its record, and the record holds the winner's event
    assert sorted(outcomes.values()) == [DUPLICATE] * (PROCESSES - 1) + [STORED]
    [winner] = [index for index, outcome in outcomes.items() if outcome == STORED]
    [record] = stack.records()
    assert record[schema.KEY]["S"] == request_id
    assert stack.stored_event(record) == {"process": winner}
    assert all(worker.exitcode == 0 for worker in workers)


def load_event(number: int) -> Any:
    """Events of many shapes; every hundredth is over the inline limit (S3)."""
    shapes: list[Any] = [
        {"order": number, "lines": [number, number * 1.5, None], "note": f"caffè {number} 🚀"},
        [number, str(number), {"big": 2**70 + number}],
        f"plain string {number}",
        number,
        {"order": number, "deep": json.loads("[" * 30 + str(number) + "]" * 30)},
    ]
    if number % 100 == 0:
        return {"order": number, "blob": f"{number:06d}" * 500}
    return shapes[number % len(shapes)]


class Deliveries:
    """An in-process Invoker: the function, gated and live again, records what reaches it."""

    def __init__(self, stack: Stack) -> None:
        self.lock = threading.Lock()
        self.received: list[tuple[str | None, Any]] = []
        self.gate = gate_for(store_for(stack), lambda: LIVE, self.handler)

    def handler(self, event: Any, context: Any) -> Any:
        original = (context.client_context.custom or {}).get(MARKER_KEY) if context.client_context else None
        with self.lock:
            self.received.append((original, event))
        return {"ok": True}

    def invoke(self, target: Target, payload: bytes, client_context: str) -> Invocation:
        assert target.function_name == FUNCTION_NAME
        context = json.loads(base64.b64decode(client_context))
        answer = self.gate(json.loads(payload), lambda_context(f"req-{uuid.uuid4()}", client_context=context))
        return Invocation(Outcome.SUCCEEDED, deferred=is_deferred_answer(answer))


@pytest.mark.load
def test_five_thousand_deferrals_are_all_kept_and_replayed_once(
    stack: Stack, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN one gate in maintenance shared by eight threads (the runtime's multi-concurrent mode)
    gate = gate_for(store_for(stack, inline_limit_bytes=1024))
    sent = {f"req-{number:05d}-{uuid.uuid4().hex[:8]}": load_event(number) for number in range(LOAD_DEFERRALS)}

    # WHEN every event is invoked once
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda item: gate(item[1], lambda_context(item[0])), sent.items()))

    # THEN each was answered deferred, logged as stored, and is kept: the same contents, under its id
    assert [answer["id"] for answer in answers] == list(sent)
    outcomes = Counter(
        line["outcome"] for line in logged(telemetry_records(capsys.readouterr().out), "invocation deferred")
    )
    assert outcomes == {STORED: LOAD_DEFERRALS}
    records = stack.records()
    kept = {record[schema.KEY]["S"]: stack.stored_event(record) for record in records}
    assert kept == sent
    assert sum(schema.OVERFLOW_KEY in record for record in records) == LOAD_DEFERRALS // 100

    # WHEN the window is over and the replay library replays them with four workers
    deliveries = Deliveries(stack)
    replay = build_replay(
        Resources(stack.parameter, stack.table, stack.bucket),
        ReplayOptions(FUNCTION_NAME, concurrency=4),
        client_factory=stack.client,
        invoker=deliveries,
    )
    summary = replay.run()

    # THEN each event reached the function exactly once (checked before the summary, naming any event
    # missing or doubled), equal to what was sent, and every record is finished
    assert delivery_faults(sent, (original for original, _ in deliveries.received)) == {}
    assert dict(deliveries.received) == sent
    assert (summary.replayed, summary.failed, summary.skipped_total) == (LOAD_DEFERRALS, 0, 0)
    assert Counter(record[schema.STATUS]["S"] for record in stack.records()) == {"replayed": LOAD_DEFERRALS}


def test_replay_runs_racing_over_the_shards_deliver_every_event_exactly_once(stack: Stack) -> None:
    # GIVEN 200 events deferred through the gate's own store on the moto server
    gate = gate_for(store_for(stack))
    sent = {f"req-{number:04d}-{uuid.uuid4().hex[:8]}": {"order": number} for number in range(200)}
    for request_id, event in sent.items():
        gate(event, lambda_context(request_id))

    # WHEN three replayers (separate owners and clients), each with four workers, run at once; the
    # moto server applies each conditional write atomically, as DynamoDB does (gate/local/atomic_moto.py)
    deliveries = Deliveries(stack)
    runs = [
        build_replay(
            Resources(stack.parameter, stack.table, stack.bucket),
            ReplayOptions(FUNCTION_NAME, concurrency=4),
            client_factory=stack.client,
            invoker=deliveries,
            owner=f"replayer-{index}",
        )
        for index in range(3)
    ]
    with ThreadPoolExecutor(3) as pool:
        summaries = list(pool.map(lambda run: run.run(), runs))

    # THEN every event reached the function once (checked first, naming any event missing or
    # doubled): the others' claims lost their conditional writes
    assert delivery_faults(sent, (original for original, _ in deliveries.received)) == {}
    assert sum(summary.replayed for summary in summaries) == 200
    assert all(set(summary.skipped) <= {"taken by another replayer"} for summary in summaries)
    assert Counter(record[schema.STATUS]["S"] for record in stack.records()) == {"replayed": 200}


class SwitchingParameter:
    """A fetch that alternates documents (and an invalid one) and records how many run at once."""

    DOCUMENTS = (MAINTENANCE, LIVE, '{"mode": "maintenence"}')

    def __init__(self) -> None:
        self._texts = itertools.cycle(self.DOCUMENTS)
        self._lock = threading.Lock()
        self.in_flight = 0
        self.most_in_flight = 0
        self.calls = 0

    def __call__(self) -> str:
        with self._lock:
            self.in_flight += 1
            self.calls += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
            text = next(self._texts)
        time.sleep(0.001)  # widen the window in which another refresh could start
        with self._lock:
            self.in_flight -= 1
        return text


def test_refreshes_racing_with_invocations_never_overlap_and_never_tear(capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN a source that refetches on every call (TTL 0), and sixteen threads calling it
    parameter = SwitchingParameter()
    source = WindowSource(parameter, ttl_seconds=0.0, fail_mode=FailMode.LIVE)
    source.prime()

    def invocations(_: int) -> list[tuple[bool, str]]:
        return [(decision.defer, decision.reason) for decision in (source.current() for _ in range(300))]

    # WHEN they all run at once
    with ThreadPoolExecutor(16) as pool:
        seen = Counter(itertools.chain.from_iterable(pool.map(invocations, range(16))))

    # THEN every decision is one of the two documents' decisions, both were served, and at most
    # one fetch was ever in flight
    assert set(seen) == {(True, "mode is maintenance"), (False, "mode is live")}
    assert parameter.most_in_flight == 1
    assert parameter.calls == source.fetch_count > 16
    capsys.readouterr()


def test_a_slow_refresh_blocks_only_the_invocation_that_runs_it() -> None:
    # GIVEN a source in maintenance whose next fetch hangs until released
    started, release = threading.Event(), threading.Event()
    fetches: list[str] = []

    def fetch() -> str:
        fetches.append("fetch")
        if len(fetches) > 1:
            started.set()
            release.wait(timeout=60)  # bounded, so a gate that waits here fails rather than hangs
        return MAINTENANCE

    source = WindowSource(fetch, ttl_seconds=0.0, fail_mode=FailMode.LIVE)
    source.prime()
    refreshing = threading.Thread(target=source.current)
    refreshing.start()
    assert started.wait(timeout=30)

    # WHEN other invocations arrive while that refresh is stuck
    decisions = [source.current() for _ in range(100)]
    still_stuck = not release.is_set() and refreshing.is_alive()
    release.set()
    refreshing.join(timeout=30)

    # THEN they were all answered from the cached document before it finished, and fetched nothing
    assert still_stuck
    assert {(decision.defer, decision.reason) for decision in decisions} == {(True, "mode is maintenance")}
    assert len(fetches) == 2


def test_invocations_racing_with_refreshes_are_each_handled_or_kept_exactly_once(stack: Stack) -> None:
    # GIVEN one gate whose document flips between maintenance and live on every refresh
    handled: list[str] = []
    lock = threading.Lock()

    def handler(event: Any, context: Any) -> Any:
        with lock:
            handled.append(context.aws_request_id)
        return {"handled": event}

    gate = gate_for(store_for(stack), SwitchingParameter(), handler, ttl_seconds=0.0)
    ids = [f"req-{number:04d}" for number in range(400)]

    # WHEN sixteen threads invoke it
    with ThreadPoolExecutor(16) as pool:
        answers = dict(
            zip(
                ids, pool.map(lambda request_id: gate({"id": request_id}, lambda_context(request_id)), ids), strict=True
            )
        )

    # THEN each invocation was either handled or deferred and kept, never both, never neither
    deferred = {request_id for request_id, answer in answers.items() if answer.get("deferred") is True}
    kept = {record[schema.KEY]["S"] for record in stack.records()}
    assert kept == deferred
    assert set(handled) == set(ids) - deferred and len(handled) == len(set(handled))
    assert deferred and handled  # both branches were exercised
