"""replay_events_per_s_c1, replay_events_per_s_c8: the replay library draining stored events.

Events are kept with the gate's own store (``DeferredEventStore.defer``) for the
emulator's one function, then ``gate.replay.factory.build_replay`` runs with concurrency
1 and then 8, each over its own batch, against gated functions under the emulator
(outside any window, so each replayed event reaches the handler). Lambda runs
concurrent invocations in separate execution environments, and one emulator is one
environment, so eight warm emulators stand in for eight environments: each
invocation goes, through the library's own ``LambdaInvoker``, to an idle one. The
rate is events replayed (status ``replayed`` written) per second of ``run()``, after
an untimed warm-up run, with the storage clients kept from run to run as one
replayer process keeps them; botocore hooks count its storage calls per event.
"""

from __future__ import annotations

import os
import queue
import tempfile
import time
import uuid
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from benchmarks.emulated import Function
from benchmarks.hot_path import EVENT
from benchmarks.inprocess import Context
from benchmarks.stack import Result, Stack
from gate.aws import store_client
from gate.deferral.codec import encode_event
from gate.deferral.store import Deferral, DeferredEventStore
from gate.replay.engine import ReplayOptions
from gate.replay.factory import Resources, build_replay
from gate.replay.invoke import Invocation, LambdaInvoker, Target

HANDLER = "plain.handler"
# The emulator serves a single function, at /2015-03-31/functions/function/invocations.
FUNCTION_NAME = "function"
CONCURRENCIES = (1, 8)


class ReplayBenchmarkError(RuntimeError):
    """Raised when a replay run leaves events undone: its rate would mean nothing."""


class EnvironmentPool:
    """An invoker that sends each invocation to an idle execution environment."""

    def __init__(self, invokers: list[LambdaInvoker]) -> None:
        self._idle: queue.SimpleQueue[LambdaInvoker] = queue.SimpleQueue()
        for invoker in invokers:
            self._idle.put(invoker)

    def invoke(self, target: Target, payload: bytes, client_context: str) -> Invocation:
        invoker = self._idle.get()
        try:
            return invoker.invoke(target, payload, client_context)
        finally:
            self._idle.put(invoker)


class CountingClients:
    """One client per service for every run, each counting its API calls."""

    def __init__(self) -> None:
        self._clients: dict[str, Any] = {}
        self.calls = 0

    def __call__(self, service: str) -> Any:
        if service not in self._clients:
            client = store_client(service)
            client.meta.events.register(f"before-call.{client.meta.service_model.endpoint_prefix}", self._count)
            self._clients[service] = client
        return self._clients[service]

    def _count(self, **_: Any) -> None:
        self.calls += 1


def measure(stack: Stack, layer_dir: Path, events: int, warm_up_events: int = 16) -> Result:
    environment = stack.gate_environment()
    rates: dict[int, float] = {}
    clients = CountingClients()
    moto_cpu = 0.0
    with tempfile.TemporaryDirectory(prefix="gate-bench-replay-") as logs, ExitStack() as running:
        functions = [
            running.enter_context(Function(HANDLER, environment, layer_dir, Path(logs) / f"{index}.log"))
            for index in range(max(CONCURRENCIES))
        ]
        for function in functions:
            function.invoke()  # the cold start is not the replay's cost
        invokers = [LambdaInvoker(function.emulator.lambda_client()) for function in functions]
        _keep(stack, warm_up_events)
        _replay(stack, clients, EnvironmentPool(invokers), max(CONCURRENCIES), warm_up_events)
        calls_before = clients.calls
        for concurrency in CONCURRENCIES:
            _keep(stack, events)
            cpu_before = server_cpu_seconds(stack)
            rates[concurrency] = _replay(stack, clients, EnvironmentPool(invokers[:concurrency]), concurrency, events)
            moto_cpu += server_cpu_seconds(stack) - cpu_before
    replayed = events * len(CONCURRENCIES)
    calls_per_event = (clients.calls - calls_before) / replayed
    return Result(
        {f"replay_events_per_s_c{concurrency}": rate for concurrency, rate in rates.items()},
        (
            f"replay: {events:,} stored events per run through gate.replay, concurrency "
            + " and ".join(str(concurrency) for concurrency in CONCURRENCIES)
            + f", each worker with its own warm gated environment of {HANDLER}; "
            f"per replayed event {calls_per_event:.2f} DynamoDB/S3 calls and "
            f"{moto_cpu / replayed * 1000:.1f} ms of the moto server's CPU",
        ),
    )


def server_cpu_seconds(stack: Stack) -> float:
    """CPU time the moto server has used: what bounds the replay rate on this machine."""
    process = stack.server.process
    stat = Path(f"/proc/{process.pid}/stat") if process is not None else None
    if stat is None or not stat.is_file():
        return 0.0
    fields = stat.read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _keep(stack: Stack, events: int) -> None:
    store = DeferredEventStore(stack.table, stack.bucket, inline_limit_bytes=350_000, client_factory=store_client)
    context = Context(function_name=FUNCTION_NAME)
    encoded = encode_event(EVENT)
    for _ in range(events):
        deferral = Deferral(
            request_id=str(uuid.uuid4()),
            function_name=context.function_name,
            function_arn=context.invoked_function_arn,
            deferred_at_ms=int(time.time() * 1000),
            event=encoded,
            window="benchmark",
        )
        store.defer(deferral)


def _replay(stack: Stack, clients: CountingClients, pool: EnvironmentPool, concurrency: int, events: int) -> float:
    options = ReplayOptions(FUNCTION_NAME, concurrency=concurrency)
    resources = Resources(stack.parameter, stack.table, stack.bucket)
    replay = build_replay(resources, options, client_factory=clients, invoker=pool)
    began = time.perf_counter()
    summary = replay.run()
    elapsed = time.perf_counter() - began
    if summary.replayed != events or not summary.ok:
        raise ReplayBenchmarkError(f"replay at concurrency {concurrency} did not replay every event: {summary}")
    return events / elapsed
