"""Cache vectors: the window cache's reads, back-off, jitter, fail modes and log lines, scenario by scenario.

Each scenario scripts what the parameter read returns (a text, an AWS error, an invalid
document) and when the gate asks (init's prime, then invocations at given instants),
and records what the real ``gate.window.cache.WindowSource`` decides, how many reads it
made, and the lines it wrote. The clock is fixed per step, the jitter draws the middle
of its range, and each step waits for its refresh to finish, so a run is deterministic.
The Go cache (proxy/internal/window/cache.go) must match step for step.
"""

from __future__ import annotations

import contextlib
import io
import json
import threading
import time
from typing import Any
from unittest import mock

from gate import telemetry
from gate.config import FailMode
from gate.window.cache import WindowSource
from tests.vectors import cases

T0 = cases.NOW_EPOCH
# A window from T0+20 s to T0+40 s; then the same parameter switched to maintenance.
WINDOW = json.dumps({"windows": [{"start": "2026-12-01T22:30:20.25Z", "end": "2026-12-01T22:30:40.25Z"}]})
MAINTENANCE = '{"mode": "maintenance"}'
INVALID = '{"mode": "sometimes"}'


class AwsError(Exception):
    """A botocore-like failure: its code where ``gate.aws.error_code`` reads it."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.response = {"Error": {"Code": code}}


def _read(kind: str, *args: str) -> dict[str, Any]:
    return {"kind": kind, "args": list(args)}


OK_WINDOW = _read("text", WINDOW)
OK_MAINTENANCE = _read("text", MAINTENANCE)
BAD = _read("text", INVALID)
THROTTLED = _read("error", "ThrottlingException", "Rate exceeded")
DENIED = _read("error", "AccessDeniedException", "not authorized to perform: ssm:GetParameter")
MISSING = _read("error", "ParameterNotFound", "parameter /gate/orders not found")

SCENARIOS: list[dict[str, Any]] = [
    {
        "name": "fail-live-then-recover-edit-and-invalid",
        "ttl": 10.0,
        "fail_mode": "live",
        "reads": [THROTTLED, THROTTLED, OK_WINDOW, OK_WINDOW, DENIED, OK_MAINTENANCE, BAD, BAD, OK_MAINTENANCE],
        # Each read's step comes 10 ms after the last read's time plus its delay, and a step
        # 10 ms before that instant reads nothing (never on the instant itself, where float
        # seconds and Go's nanoseconds may round apart); so the jitter's draw is pinned.
        "steps": [
            ["prime", 0.0],
            ["current", 1.0],
            ["current", 1.49],
            ["current", 1.51],
            ["current", 4.5],
            ["current", 4.52],
            ["current", 10.0],
            ["current", 14.0],
            ["current", 14.03],
            ["current", 20.0],
            ["current", 23.52],
            ["current", 23.54],
            ["current", 30.0],
            ["current", 38.53],
            ["current", 38.55],
            ["current", 48.04],
            ["current", 48.06],
            ["current", 58.05],
            ["current", 58.07],
            ["current", 68.06],
            ["current", 68.08],
            ["current", 70.0],
        ],
    },
    {
        "name": "fail-maintenance-never-a-document-backs-off-to-the-cap",
        "ttl": 10.0,
        "fail_mode": "maintenance",
        "reads": [MISSING] * 8,
        "steps": [
            ["prime", 0.0],
            ["current", 1.0],
            ["current", 1.49],
            ["current", 1.51],
            ["current", 4.5],
            ["current", 4.52],
            ["current", 10.51],
            ["current", 10.53],
            ["current", 22.52],
            ["current", 22.54],
            ["current", 46.53],
            ["current", 46.55],
            ["current", 91.54],
            ["current", 91.56],
            ["current", 136.55],
            ["current", 136.57],
        ],
    },
    {
        "name": "an-invalid-first-document-is-retried-within-a-second",
        "ttl": 30.0,
        "fail_mode": "live",
        "reads": [BAD, BAD, OK_WINDOW],
        "steps": [
            ["prime", 0.0],
            ["current", 0.5],
            ["current", 0.99],
            ["current", 1.01],
            ["current", 2.0],
            ["current", 2.02],
            ["current", 25.0],
        ],
    },
    {
        "name": "ttl-zero-reads-every-time",
        "ttl": 0.0,
        "fail_mode": "live",
        "reads": [OK_WINDOW, OK_WINDOW, THROTTLED, OK_MAINTENANCE],
        "steps": [["prime", 0.0], ["current", 0.0], ["current", 0.001], ["current", 21.0]],
    },
]


class _Midpoint:
    """Jitter that draws the middle of its range, so both languages draw the same."""

    def uniform(self, a: float, b: float) -> float:
        return a + (b - a) * 0.5

    def seed(self) -> None:
        return None


def _decision(decision: Any) -> dict[str, Any]:
    return {
        "defer": decision.defer,
        "reason": decision.reason,
        "window": decision.window,
        "until": decision.until.isoformat() if decision.until else None,
    }


def _run(scenario: dict[str, Any]) -> list[dict[str, Any]]:
    now = [T0]
    reads = list(scenario["reads"])
    lock = threading.Lock()

    def fetch() -> str:
        with lock:
            read = reads.pop(0)
        if read["kind"] == "error":
            raise AwsError(*read["args"])
        return str(read["args"][0])

    source = WindowSource(
        fetch,
        ttl_seconds=scenario["ttl"],
        fail_mode=FailMode(scenario["fail_mode"]),
        clock=lambda: now[0],
        refresh_wait_seconds=5.0,
        init_wait_seconds=5.0,
        rng=_Midpoint(),
    )
    steps = []
    with (
        mock.patch.object(time, "time", lambda: now[0]),
        mock.patch.object(telemetry, "active_filter", telemetry.LogLevelFilter()),
    ):
        for operation, offset in scenario["steps"]:
            now[0] = T0 + offset
            buffer = io.StringIO()
            with contextlib.redirect_stdout(buffer):
                decision = source.prime() if operation == "prime" else source.current()
                if not source.settled(10.0):
                    raise AssertionError(f"{scenario['name']}: a refresh did not finish")
            steps.append(
                {
                    "operation": operation,
                    "at": offset,
                    "decision": _decision(decision),
                    "reads": source.fetch_count,
                    "lines": buffer.getvalue().splitlines(),
                }
            )
    if reads:
        raise AssertionError(f"{scenario['name']}: {len(reads)} scripted reads left unread")
    return steps


def cache_vectors() -> dict[str, Any]:
    return {
        "t0": T0,
        "refresh_wait_seconds": 5.0,
        "init_wait_seconds": 5.0,
        "scenarios": [{**scenario, "results": _run(scenario)} for scenario in SCENARIOS],
    }
