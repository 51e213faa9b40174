"""``python -m gate demo``: the whole story on this machine, with no AWS account.

A moto server and AWS's Runtime Interface Emulator on 127.0.0.1; the layer built by
the same builder the Pulumi program uses; the dev stack's parameter, table and
bucket; and the sample function behind the gate. Every operator step runs the real
CLI as a subprocess, exactly as a person would type it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from gate.deferral import table as schema
from gate.local.checkout import REPOSITORY_ROOT
from gate.local.resources import LocalResources
from gate.local.servers import Emulator, MotoServer, built_layer
from gate.local.stack_config import LocalStackConfig, load_stack_config
from gate.window.decide import decide

SAMPLE_DIR = REPOSITORY_ROOT / "sample"
# The emulator serves one function and routes only this name, so the sample runs as it.
FUNCTION_NAME = "function"
# The dev stack's TTL is for production; the demo edits the window and wants to see it now.
DEMO_TTL_SECONDS = 1.0
EVENTS_BEFORE, EVENTS_DURING = 2, 5


class DemoStepError(RuntimeError):
    """Raised when a demo step does not behave as the gate promises."""


@dataclass
class Timeline:
    say: Callable[[str], None] = print
    started: float = field(default_factory=time.monotonic)
    rows: list[tuple[str, str, str]] = field(default_factory=list)

    def step(self, title: str, check: Callable[[], str], summarize: Callable[[str], str] | None = None) -> None:
        elapsed = time.monotonic() - self.started
        self.say(f"[{elapsed:6.2f}s] {title}")
        try:
            detail = check()
        except Exception as exc:
            self.rows.append((title, "FAIL", str(exc)))
            self.say(f"          FAIL: {exc}")
            raise
        # The timeline shows the whole output; the summary keeps one line of it.
        lines = [line.strip() for line in detail.strip().splitlines()] or ["ok"]
        self.rows.append((title, "ok", summarize(detail) if summarize else lines[-1]))
        self.say(f"          {detail}")

    def summary(self) -> str:
        width = max(len(title) for title, _, _ in self.rows)
        lines = [f"{'step'.ljust(width)}  result  detail", f"{'-' * width}  ------  ------"]
        lines += [f"{title.ljust(width)}  {result.ljust(6)}  {detail}" for title, result, detail in self.rows]
        return "\n".join(lines)


def run_demo(say: Callable[[str], None] = print) -> int:
    timeline = Timeline(say=say)
    workdir = Path(tempfile.mkdtemp(prefix="gate-demo-"))
    try:
        with MotoServer() as server, built_layer() as layer_dir:
            _story(timeline, server, layer_dir, workdir)
    except Exception as exc:  # noqa: BLE001 - any failed step fails the demo, with its reason
        say(timeline.summary() if timeline.rows else "")
        say(f"\ndemo FAILED: {exc}")
        return 1
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    say("\n" + timeline.summary())
    say("\ndemo passed: every deferred event reached the handler exactly once after the window.")
    return 0


def _story(timeline: Timeline, server: MotoServer, layer_dir: Path, workdir: Path) -> None:
    config = load_stack_config("dev")
    resources = LocalResources.named(server, "dev")
    receipts = workdir / "receipts.jsonl"
    timeline.step("start a moto server (SSM, DynamoDB, S3)", lambda: f"listening on {server.url}")
    timeline.step("create parameter, table and bucket from Pulumi.dev.yaml", lambda: resources.create(config))
    gate_env = {
        **resources.gate_environment(config),
        "GATE_CACHE_TTL_SECONDS": str(DEMO_TTL_SECONDS),
        "SAMPLE_RECEIPTS_FILE": str(receipts),
    }
    log = (workdir / "function.log").open("w")
    function = Emulator(
        handler="app.handler",
        code_dir=SAMPLE_DIR,
        environment=gate_env,
        layer_dir=layer_dir,
        function_name=FUNCTION_NAME,
        log=log,
    )
    with function:
        cli = _Cli(server, function)
        cli.use(resources)
        timeline.step("start the sample function behind the gate (emulator)", lambda: f"listening on {function.url}")
        closing_mode = _closing_mode(config)
        if closing_mode == "live":
            timeline.step(
                "the dev stack's own window is on now, so: window mode live",
                lambda: cli.run("window", "mode", "live"),
            )
            time.sleep(DEMO_TTL_SECONDS + 0.2)
        sent_before = [{"order": n, "phase": "before"} for n in range(EVENTS_BEFORE)]
        timeline.step("invoke outside any window", lambda: _expect_handled(function, sent_before))
        timeline.step(
            "operator opens a window: window mode maintenance", lambda: cli.run("window", "mode", "maintenance")
        )
        time.sleep(DEMO_TTL_SECONDS + 0.2)
        timeline.step(
            "operator checks: status",
            lambda: cli.run("status", "--function", FUNCTION_NAME),
            summarize=lambda output: _line_with(output, "gate now"),
        )
        sent_during = [{"order": n, "phase": "during", "amount": 10**20 + n} for n in range(EVENTS_DURING)]
        timeline.step("invoke during the window", lambda: _expect_deferred(function, sent_during, receipts))
        timeline.step(
            "operator lists them: deferred list",
            lambda: cli.run("deferred", "list", "--function", FUNCTION_NAME),
            summarize=lambda output: f"{output.count(' pending ')} records pending",
        )
        timeline.step(
            f"operator closes the window: window mode {closing_mode}", lambda: cli.run("window", "mode", closing_mode)
        )
        time.sleep(DEMO_TTL_SECONDS + 0.2)
        timeline.step(
            "operator replays: replay --function ... --yes",
            lambda: cli.run("replay", "--function", FUNCTION_NAME, "--yes"),
        )
        timeline.step("the handler received each deferred event once", lambda: _expect_delivered(receipts, sent_during))
        timeline.step("every record is replayed", lambda: _expect_all_replayed(resources))
    log.close()


def _line_with(output: str, marker: str) -> str:
    return next((line.strip() for line in output.splitlines() if marker in line), output.strip()[-80:])


def _closing_mode(config: LocalStackConfig) -> str:
    """``auto`` returns to the dev stack's own windows, unless one of them is on right now."""
    now = datetime.now(timezone.utc)
    soon = now + timedelta(minutes=2)
    busy = decide(config.initial_window, now).defer or decide(config.initial_window, soon).defer
    return "live" if busy else "auto"


class _Cli:
    """The operator CLI as a subprocess, pointed at the moto server and the emulator."""

    def __init__(self, server: MotoServer, function: Emulator) -> None:
        self._env = {
            **{key: value for key, value in os.environ.items() if not key.startswith(("AWS_", "GATE_"))},
            **server.client_environment(),
            "AWS_ENDPOINT_URL_LAMBDA": function.url,
        }

    def use(self, resources: LocalResources) -> None:
        self._env.update(resources.cli_environment())

    def run(self, *args: str) -> str:
        command = [sys.executable, "-m", "gate", *args]
        result = subprocess.run(command, env=self._env, capture_output=True, text=True, timeout=120, check=False)
        output = (result.stdout + result.stderr).strip()
        if result.returncode != 0:
            raise DemoStepError(f"`gate {' '.join(args)}` exited {result.returncode}: {output[-500:]}")
        return "\n          ".join(output.splitlines()) or "ok"


def _invoke(function: Emulator, event: Any) -> Any:
    response = function.lambda_client().invoke(FunctionName=FUNCTION_NAME, Payload=json.dumps(event).encode())
    return json.loads(response["Payload"].read() or b"null")


def _expect_handled(function: Emulator, events: list[Any]) -> str:
    for event in events:
        answer = _invoke(function, event)
        if not isinstance(answer, dict) or answer.get("echo") != event:
            raise DemoStepError(f"expected the handler's answer, got {answer!r}")
    return f"{len(events)} events handled by the function"


def _expect_deferred(function: Emulator, events: list[Any], receipts: Path) -> str:
    before = _read_receipts(receipts)
    ids = []
    for event in events:
        answer = _invoke(function, event)
        if not isinstance(answer, dict) or answer.get("deferred") is not True:
            raise DemoStepError(f"expected a deferral, got {answer!r}")
        ids.append(answer["id"])
    if _read_receipts(receipts) != before:
        raise DemoStepError("the handler ran during the window")
    return f"{len(events)} events deferred, handler not called (first id {ids[0]})"


def _expect_delivered(receipts: Path, sent: list[Any]) -> str:
    delivered = [entry["event"] for entry in _read_receipts(receipts) if entry["event"].get("phase") == "during"]
    if delivered != sent:
        raise DemoStepError(f"handler received {delivered!r}, expected {sent!r} in order, once each")
    return f"{len(delivered)} of {len(sent)} delivered once each, in deferral order, values equal"


def _expect_all_replayed(resources: LocalResources) -> str:
    statuses = resources.record_statuses()
    if not statuses or set(statuses) != {schema.Status.REPLAYED.value}:
        raise DemoStepError(f"record statuses are {statuses}")
    return f"{len(statuses)} records replayed, none pending"


def _read_receipts(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
