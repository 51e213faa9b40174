"""cold_start_added_ms: process start to first response, gated minus bare.

The handler imports boto3 itself, as most functions do, so boto3's import is the
function's cost and not the gate's. Each repetition starts a bare and a gated
environment in turn (which goes first alternates): the clock starts before the
emulator's process is spawned and stops when the first invocation's response has
been read, so it holds the emulator's start, the runtime's init (for the gated one:
the wrapper, the gate's imports, its SSM fetcher and first GetParameter) and one
invocation. The metric is the median of the per-repetition differences, so work
elsewhere on the machine that comes and goes falls on both sides of each one; the
difference of the two medians and the emulator's own INIT REPORT durations are
cross-checks.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from benchmarks.emulated import Function
from benchmarks.stack import Result, Stack
from benchmarks.stats import median

HANDLER = "with_boto3.handler"


def measure(stack: Stack, layer_dir: Path, repetitions: int) -> Result:
    environment = stack.gate_environment()
    totals: dict[bool, list[float]] = {False: [], True: []}
    inits: dict[bool, list[float]] = {False: [], True: []}
    with tempfile.TemporaryDirectory(prefix="gate-bench-cold-") as logs:
        for repetition in range(repetitions):
            for gated in (False, True) if repetition % 2 == 0 else (True, False):
                log_path = Path(logs) / f"{repetition}-{'gated' if gated else 'bare'}.log"
                began = time.perf_counter()
                with Function(HANDLER, environment, layer_dir if gated else None, log_path) as function:
                    function.invoke()
                    totals[gated].append(time.perf_counter() - began)
                init = function.init_duration_ms()
                if init is not None:
                    inits[gated].append(init)
    added = median([gated - bare for gated, bare in zip(totals[True], totals[False], strict=True)]) * 1000
    init_note = (
        f"INIT REPORT medians bare {median(inits[False]):.0f} ms, gated {median(inits[True]):.0f} ms"
        if inits[False] and inits[True]
        else "no INIT REPORT in the emulator's log"
    )
    return Result(
        {"cold_start_added_ms": added},
        (
            f"cold start: {repetitions} starts each of {HANDLER}; median to first response bare "
            f"{median(totals[False]) * 1000:.0f} ms, gated {median(totals[True]) * 1000:.0f} ms "
            f"(difference of medians {(median(totals[True]) - median(totals[False])) * 1000:.1f} ms); {init_note}",
        ),
    )
