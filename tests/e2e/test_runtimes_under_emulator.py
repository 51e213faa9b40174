"""Node.js, Java and a Go custom runtime, gated by the same layer, window, table and replay.

Each function runs under AWS's emulator with its runtime's own interface client: npm
aws-lambda-ric 4.0.2 on Node.js 22, the Java runtime interface client 2.10.1, and a
provided.al2023-style bootstrap built with aws-lambda-go, whose bootstrap is changed as
docs/runtimes.md shows. Gated, the layer's wrapper (or that bootstrap) puts the Runtime
API proxy between the client and the emulator.

What the emulator cannot show: it buffers a streamed response and answers the whole body
with a Content-Length, so these tests check that a streamed body arrives whole and
unchanged through the proxy, not when its chunks arrive (docs/runtimes.md).
"""

from __future__ import annotations

import json
import os
import re
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from gate.deferral import table as schema
from gate.local import toolchains
from gate.local.servers import Emulator
from tests.e2e.conftest import IN_CI, Stack, invoke
from tests.e2e.functions import (
    FUNCTIONS_DIR,
    PROXY_NAME,
    FunctionBuildError,
    documented_bootstrap,
    go_function,
    java_function,
    proxy_layer,
    write_bootstrap,
)
from tests.e2e.test_replay_under_emulator import CACHE_TTL, cli
from tests.fixtures.sam_events import sam_event

pytestmark = pytest.mark.e2e

# The only function name the emulator answers to; replay invokes it by that name.
FUNCTION = "function"
MAINTENANCE = {"mode": "maintenance"}
STREAMED_BODY = b"chunk 0;chunk 1;chunk 2;"


def _unavailable(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: end-to-end tests may not be skipped)")
    pytest.skip(reason)


@dataclass(frozen=True)
class Runtime:
    name: str
    emulator_runtime: str
    record_handler: str
    stream_handler: str | None  # None: the runtime has no response streaming (Java)


NODEJS = Runtime("nodejs22.x", "nodejs", "index.record", "index.stream")
JAVA = Runtime("java21", "java", "probe.Probe::handleRequest", None)
GO = Runtime("provided.al2023", "provided", "record", "stream")
RUNTIMES = [NODEJS, JAVA, GO]
STREAMING = [runtime for runtime in RUNTIMES if runtime.stream_handler]


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The compiled functions, built once: Java's classes and the Go binary."""
    root = tmp_path_factory.mktemp("functions")
    try:
        return {"java": java_function(root / "java"), "go": go_function(root / "go").parent}
    except (toolchains.ToolchainMissingError, FunctionBuildError) as exc:
        _unavailable(str(exc))
        raise


@pytest.fixture(scope="session")
def gated_opt(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``/opt`` of a gated non-Python function: the layer with the proxy."""
    root = tmp_path_factory.mktemp("proxy-layer")
    try:
        return proxy_layer(root / "opt")
    except (toolchains.ToolchainMissingError, FunctionBuildError) as exc:
        _unavailable(str(exc))
        raise


def code_dir(runtime: Runtime, built: dict[str, Path], tmp_path: Path, opt: Path | None) -> Path:
    """The task root. For the custom runtime, its bootstrap: the binary itself ungated, the docs' recipe gated."""
    if runtime is NODEJS:
        return FUNCTIONS_DIR / "nodejs"
    if runtime is JAVA:
        return built["java"]
    task = tmp_path / f"task-{'gated' if opt else 'bare'}"
    task.mkdir()
    (task / "function").symlink_to(built["go"] / "function")
    if opt is None:
        write_bootstrap(task, '#!/bin/sh\nexec "$LAMBDA_TASK_ROOT/function"\n')
    else:
        # The docs' line, with this test's /opt: Lambda unpacks layers into /opt.
        write_bootstrap(task, documented_bootstrap().replace("/opt/", f"{opt}/"))
    return task


Launch = Callable[..., Emulator]


def iso(instant: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(instant))


_START = re.compile(r"^START RequestId: (\S+)", flags=re.MULTILINE)


def request_ids(function: Emulator) -> list[str]:
    """The request ids the emulator gave, in order, from its log."""
    assert function.log is not None
    function.log.flush()
    return _START.findall(Path(function.log.name).read_text(errors="replace"))


@pytest.fixture
def launch(
    stack: Stack, start_function: Callable[..., Emulator], built: dict[str, Path], tmp_path: Path, request: Any
) -> Launch:
    """``launch(runtime, gated=..., handler=None)``: a function of ``runtime`` under the emulator, on ``stack``."""

    def start(runtime: Runtime, *, gated: bool, handler: str | None = None) -> Emulator:
        # Only gated functions need the proxy built.
        opt: Path | None = request.getfixturevalue("gated_opt") if gated else None
        environment = stack.gate_environment(GATE_SSM_CONNECT_TIMEOUT_SECONDS="5", GATE_SSM_READ_TIMEOUT_SECONDS="5")
        return start_function(
            handler or runtime.record_handler,
            environment,
            gated=gated,
            code_dir=code_dir(runtime, built, tmp_path, opt),
            function_name=FUNCTION,
            opt_dir=opt,
            runtime=runtime.emulator_runtime,
        )

    return start


@pytest.mark.parametrize("runtime", RUNTIMES, ids=lambda runtime: runtime.name)
def test_ungated_the_runtime_client_runs_the_handler(stack: Stack, launch: Launch, runtime: Runtime) -> None:
    # The harness itself: the real client under the emulator, no layer.
    function = launch(runtime, gated=False)

    response, payload = invoke(function, {"order": 1})

    assert "FunctionError" not in response
    assert payload == {"handled": {"order": 1}}
    assert [entry["event"] for entry in stack.received()] == [{"order": 1}]


@pytest.mark.parametrize("runtime", RUNTIMES, ids=lambda runtime: runtime.name)
def test_outside_a_window_the_gated_handler_runs_with_the_invocation_unchanged(
    stack: Stack, launch: Launch, runtime: Runtime
) -> None:
    function = launch(runtime, gated=True)
    events = [{"order": 1, "text": "caffè 🚀"}, sam_event("sqs", "receive-message")]

    answers = [invoke(function, event) for event in events]

    assert [payload for _, payload in answers] == [{"handled": event} for event in events]
    received = stack.received()
    assert [entry["event"] for entry in received] == events
    # The request id the client saw is the one the emulator gave: the proxy hands it on.
    assert [entry["request_id"] for entry in received] == request_ids(function)
    assert stack.records() == []


@pytest.mark.parametrize("runtime", RUNTIMES, ids=lambda runtime: runtime.name)
def test_inside_a_window_events_are_kept_http_rejected_ordered_held_then_replayed_once(
    stack: Stack, launch: Launch, runtime: Runtime
) -> None:
    # GIVEN a window with an end (so HTTP callers are told when to retry), and a gated function
    now = time.time()
    stack.put_window({"windows": [{"start": iso(now - 60), "end": iso(now + 900), "name": "upgrade"}]})
    function = launch(runtime, gated=True)
    kept = [sam_event("sqs", "receive-message"), sam_event("sns", "notification"), {"order": 7}]

    # WHEN queued, HTTP and ordered callers invoke it
    deferred = [invoke(function, event) for event in kept]
    _, http = invoke(function, sam_event("apigateway", "aws-proxy"))
    _, ordered = invoke(function, sam_event("kinesis", "get-records"))

    # THEN the handler never ran; each kept event is one pending record; HTTP got 503, the stream a refusal
    assert stack.received() == []
    assert all("FunctionError" not in response and payload["deferred"] is True for response, payload in deferred)
    records = {record[schema.KEY]["S"]: record for record in stack.records()}
    assert sorted(records) == sorted(payload["id"] for _, payload in deferred)
    assert {record[schema.STATUS]["S"] for record in records.values()} == {"pending"}
    assert sorted(json.dumps(stack.stored_event(record), sort_keys=True) for record in records.values()) == sorted(
        json.dumps(event, sort_keys=True) for event in kept
    )
    assert http["statusCode"] == 503 and 0 < int(http["headers"]["Retry-After"]) <= 900
    assert ordered["errorType"] == "MaintenanceWindowError"
    assert "maintenance window, windows[0] (upgrade), until " in ordered["errorMessage"]

    # WHEN the window ends and the operator replays with the Python CLI
    stack.put_window({"mode": "auto"})
    time.sleep(CACHE_TTL)
    result = cli(stack, "replay", "--function", FUNCTION, "--yes", lambda_url=function.url)

    # THEN each kept event ran exactly once, and every record is replayed
    assert result.returncode == 0, result.stdout + result.stderr
    assert "replayed 3, failed 0, skipped 0" in result.stdout
    assert sorted(json.dumps(entry["event"], sort_keys=True) for entry in stack.received()) == sorted(
        json.dumps(event, sort_keys=True) for event in kept
    )
    assert {record[schema.STATUS]["S"] for record in stack.records()} == {"replayed"}


@pytest.mark.parametrize("runtime", STREAMING, ids=lambda runtime: runtime.name)
def test_a_streamed_response_passes_through_the_proxy_whole(stack: Stack, launch: Launch, runtime: Runtime) -> None:
    function = launch(runtime, gated=True, handler=runtime.stream_handler)

    response = function.lambda_client().invoke(FunctionName=FUNCTION, Payload=b"{}")

    assert "FunctionError" not in response
    assert response["Payload"].read() == STREAMED_BODY


def test_when_the_proxy_dies_the_runtime_exits_instead_of_hanging(stack: Stack, launch: Launch) -> None:
    # GIVEN a gated Node.js function, warm, its client waiting on the proxy for the next event
    function = launch(NODEJS, gated=True)
    assert invoke(function, {"order": 1})[1] == {"handled": {"order": 1}}
    running = function.processes()
    [proxy] = [pid for pid, name in running.items() if name == PROXY_NAME]
    [node] = [pid for pid, name in running.items() if name == "node"]

    # WHEN the proxy is killed
    os.kill(proxy, signal.SIGKILL)

    # THEN the runtime sees its connection closed and exits (Lambda then starts a new environment)
    deadline = time.monotonic() + 20
    while node in function.processes() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert node not in function.processes(), "the runtime kept waiting on a dead proxy"


def test_the_documented_provided_bootstrap_is_one_exec_line_through_the_wrapper() -> None:
    lines = [line for line in documented_bootstrap().splitlines() if line and not line.startswith("#")]

    assert lines == ['exec /opt/maintenance-gate "$LAMBDA_TASK_ROOT/function"']
