"""A real durable function (aws-durable-execution-sdk-python) behind the gate, under the SDK's own local runner.

``DurableFunctionTestRunner`` (aws-durable-execution-sdk-python-testing) models the
durable execution service in process: it invokes the handler, keeps the checkpoints,
re-invokes when a wait is over, retries a failed invocation and validates each
answer. It hands the handler an object rather than JSON, so ``lambda_wire`` turns
it into the JSON Lambda delivers (``to_json_dict``) before the gate, and the SDK
handler behind the gate gets the runner's service client back. The gate's own
checkpoint goes to the same in-memory service, through ``RunnerLambdaClient``,
which takes exactly the arguments of boto3's ``checkpoint_durable_execution``.

The runner's timers are skipped (``skip_time``): a wait completes on its next turn,
so a window is modelled by how many invocations it holds, not by the clock.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from aws_durable_execution_sdk_python import DurableContext, StepContext, durable_execution, durable_step
from aws_durable_execution_sdk_python.config import Duration
from aws_durable_execution_sdk_python.execution import (
    DurableExecutionInvocationInput,
    DurableExecutionInvocationInputWithClient,
)
from aws_durable_execution_sdk_python.lambda_service import OperationUpdate
from aws_durable_execution_sdk_python_testing.executor import Executor
from aws_durable_execution_sdk_python_testing.runner import DurableFunctionTestRunner

from gate.callers.durable import HOLD_NAME
from gate.config import GateConfig
from gate.deferral.store import Deferral
from gate.handler import assemble
from gate.window.decide import Decision

LIVE = Decision(False, "outside every window")
ENDS = datetime.now(timezone.utc) + timedelta(hours=2)
WINDOW = Decision(True, "windows[0] (db upgrade)", "windows[0] (db upgrade)", ENDS)


@dataclass
class Window:
    """The gate's decision per invocation: in a window for the first ``held`` durable invocations after ``opens_at``."""

    opens_at: int = 0
    held: int = 0
    invocations: int = 0

    def current(self, _context: Any) -> Decision:
        self.invocations += 1
        in_window = self.opens_at < self.invocations <= self.opens_at + self.held
        return WINDOW if in_window else LIVE


@dataclass
class Effects:
    """What the workflow's steps did, in order: each entry is one real run of a step's body."""

    runs: list[str] = field(default_factory=list)
    stored: list[str] = field(default_factory=list)


EFFECTS = Effects()


@durable_step
def charge(_step: StepContext, order: str) -> str:
    EFFECTS.runs.append(f"charge {order}")
    return f"charged {order}"


@durable_step
def ship(_step: StepContext, order: str) -> str:
    EFFECTS.runs.append(f"ship {order}")
    return f"shipped {order}"


@durable_execution
def order_workflow(event: dict[str, Any], context: DurableContext) -> dict[str, str]:
    charged = context.step(charge(event["order"]))
    context.wait(Duration.from_seconds(30), name="cool-off")
    shipped = context.step(ship(event["order"]))
    return {"charged": charged, "shipped": shipped}


class NothingStored:
    """A store that refuses every write and remembers it (the runner would retry a failed invocation)."""

    def defer(self, deferral: Deferral, *, deadline: float | None = None) -> str:
        EFFECTS.stored.append(deferral.request_id)
        raise AssertionError(f"a durable invocation was stored: {deferral.request_id}")

    def requeue(self, original: str, deferral: Deferral, *, deadline: float | None = None) -> str:
        EFFECTS.stored.append(original)
        raise AssertionError(f"a durable invocation was stored: {original}")

    def warm_up(self) -> None:
        pass


class RunnerLambdaClient:
    """boto3's ``checkpoint_durable_execution``, answered by the runner's in-memory durable service."""

    def __init__(self, service: Any, failures: int = 0) -> None:
        self._service = service
        self.failures = failures
        self.calls: list[dict[str, Any]] = []

    def checkpoint_durable_execution(self, **request: Any) -> dict[str, Any]:
        self.calls.append(request)
        if self.failures:
            self.failures -= 1
            raise ConnectionError("Lambda's durable API unreachable (simulated)")
        self._service.checkpoint(
            request["DurableExecutionArn"],
            request["CheckpointToken"],
            [OperationUpdate.from_dict(update) for update in request["Updates"]],
            request.get("ClientToken"),
        )
        return {}


def lambda_wire(gated: Callable[[Any, Any], Any], service: list[Any]) -> Callable[[Any, Any], Any]:
    """What the runner invokes: the envelope as Lambda's JSON to the gate; its client kept for the SDK behind it."""

    def invoke(envelope: DurableExecutionInvocationInputWithClient, context: Any) -> Any:
        service[:] = [envelope.service_client]
        return gated(dict(envelope.to_json_dict()), context)

    return invoke


def behind_the_gate(event: dict[str, Any], context: Any, service: list[Any]) -> Any:
    envelope = DurableExecutionInvocationInput.from_json_dict(event)
    with_client = DurableExecutionInvocationInputWithClient.from_durable_execution_invocation_input(
        envelope, service[0]
    )
    return order_workflow(with_client, context)


@pytest.fixture(autouse=True)
def fresh_effects(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    EFFECTS.runs.clear()
    EFFECTS.stored.clear()
    # The runner waits 5 s of real time before retrying a failed invocation; the count of retries is what matters.
    monkeypatch.setattr(Executor, "RETRY_BACKOFF_SECONDS", 0)
    yield


@dataclass
class Run:
    result: Any
    window: Window
    lambda_client: RunnerLambdaClient | None


def run(window: Window, *, checkpoint_failures: int = 0, answer: Callable[..., Any] | None = None) -> Run:
    service: list[Any] = []
    clients: list[RunnerLambdaClient] = []

    def client_factory(name: str) -> RunnerLambdaClient:
        assert name == "lambda"
        clients.append(RunnerLambdaClient(service[0], checkpoint_failures))
        return clients[-1]

    config = GateConfig("parameter", "table", cache_ttl_seconds=60)
    gate = assemble(
        config,
        lambda event, context: behind_the_gate(event, context, service),
        window,  # type: ignore[arg-type]
        NothingStored,  # type: ignore[arg-type]
        client_factory=client_factory,
    )
    handler = answer(service) if answer else lambda_wire(gate, service)
    runner = DurableFunctionTestRunner(handler=handler, skip_time=True)
    try:
        result = runner.run(input='{"order": "o-1"}', execution_timeout=60)
    finally:
        runner.close()
        # The runner's scheduler (testing package 1.4.0) stops its event loop but never closes it,
        # which this suite's filterwarnings=error would report as an unclosed loop and socket.
        runner._scheduler._loop.close()
    assert EFFECTS.stored == []  # a durable invocation is never stored: its token would be spent by replay time
    return Run(result, window, clients[0] if clients else None)


def operation_names(result: Any) -> list[str]:
    return [operation.name for operation in result.get_all_operations()]


def test_outside_a_window_the_workflow_runs_each_step_once() -> None:
    done = run(Window())

    assert done.result.status.value == "SUCCEEDED", done.result.error
    assert EFFECTS.runs == ["charge o-1", "ship o-1"]
    assert done.lambda_client is None  # no window, no checkpoint of the gate's


def test_a_window_at_the_start_holds_the_execution_and_then_it_runs_each_step_once() -> None:
    # GIVEN a window that holds the first eight invocations of a new execution (more than the five
    # failed invocations in a row after which the local service fails an execution)
    done = run(Window(held=8))

    # THEN the execution survived (SUCCEEDED), each step ran exactly once, after the window
    assert done.result.status.value == "SUCCEEDED", done.result.error
    assert done.result.result == '{"charged": "charged o-1", "shipped": "shipped o-1"}'
    assert EFFECTS.runs == ["charge o-1", "ship o-1"]
    # AND the holds are eight durable waits of the gate's, in the execution's own history
    assert operation_names(done.result).count(HOLD_NAME) == 8
    assert done.lambda_client is not None and len(done.lambda_client.calls) == 8
    assert all(call["Updates"][0]["WaitOptions"]["WaitSeconds"] == 300 for call in done.lambda_client.calls)


def test_a_window_mid_execution_holds_it_without_running_a_step_twice() -> None:
    # GIVEN a window that opens after the first invocation (which charged, then waited its cool-off)
    done = run(Window(opens_at=1, held=2))

    # THEN the invocations after the cool-off were held, and on resuming the charge was replayed, not run again
    assert done.result.status.value == "SUCCEEDED", done.result.error
    assert EFFECTS.runs == ["charge o-1", "ship o-1"]
    assert operation_names(done.result).count(HOLD_NAME) == 2


def test_a_hold_whose_checkpoint_fails_fails_the_invocation_and_the_service_retries_it() -> None:
    # GIVEN a window for two invocations, and Lambda's durable API failing the gate's first checkpoint
    done = run(Window(held=2), checkpoint_failures=1)

    # THEN the first hold failed the invocation (nothing stored, no step run), the service retried it,
    # the retry was held by a durable wait, and the execution then ran each step once
    assert done.result.status.value == "SUCCEEDED", done.result.error
    assert EFFECTS.runs == ["charge o-1", "ship o-1"]
    assert operation_names(done.result).count(HOLD_NAME) == 1
    assert done.lambda_client is not None and len(done.lambda_client.calls) == 2


def test_the_old_answer_deferred_true_fails_the_execution_at_once() -> None:
    """Why durable invocations need their own answer: the service cannot read the stored-event answer."""

    def old_gate(_service: list[Any]) -> Callable[[Any, Any], Any]:
        return lambda _envelope, context: {"deferred": True, "id": context.aws_request_id, "retryAfter": None}

    done = run(Window(), answer=old_gate)

    assert done.result.status.value == "FAILED"
    assert "Invalid invocation output" in str(done.result.error)
    assert EFFECTS.runs == []


def test_failing_every_invocation_is_not_a_hold_the_local_service_fails_the_execution() -> None:
    """Why the gate does not only fail the invocation: the runner gives up after five failures in a row."""

    def always_failing(_service: list[Any]) -> Callable[[Any, Any], Any]:
        def handler(_envelope: Any, _context: Any) -> Any:
            raise RuntimeError("held by failing")

        return handler

    done = run(Window(), answer=always_failing)

    assert done.result.status.value == "FAILED"
    assert Executor.MAX_CONSECUTIVE_FAILED_ATTEMPTS == 5
