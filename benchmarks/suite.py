"""The whole benchmark: one moto server, one built layer, every measurement in turn."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from benchmarks import (
    capacity,
    cold_start,
    deferral,
    e2e,
    hot_path,
    machine,
    replay,
    report,
    runtimes,
    seed,
    ssm_calls,
)
from benchmarks.stack import Result, aws_environment, create_stack
from gate.local.servers import MotoServer, built_layer


@dataclass(frozen=True)
class Counts:
    name: str
    hot_path_calls: int
    seed_calls: int
    e2e_invocations: int
    e2e_pairs: int
    cold_starts: int
    deferrals: int
    replay_events: int
    capacity_samples: int
    runtime_invocations: int
    runtime_pairs: int
    runtime_cold_starts: int


FULL = Counts(
    "full",
    hot_path_calls=300_000,
    seed_calls=300,
    e2e_invocations=3_000,
    e2e_pairs=20,
    cold_starts=15,
    deferrals=300,
    replay_events=200,
    capacity_samples=1_000,
    runtime_invocations=2_000,
    runtime_pairs=10,
    runtime_cold_starts=9,
)
QUICK = Counts(
    "quick",
    hot_path_calls=50_000,
    seed_calls=100,
    e2e_invocations=600,
    e2e_pairs=6,
    cold_starts=3,
    deferrals=50,
    replay_events=100,
    capacity_samples=320,
    runtime_invocations=400,
    runtime_pairs=4,
    runtime_cold_starts=3,
)


# Above this, something else is using a good part of a core of this small machine.
BUSY_LOAD = 0.5


def run(counts: Counts, json_path: Path | None) -> int:
    metrics: dict[str, float | None] = {}
    notes: list[str] = []
    # Described before the run, so the load average is other work's, not ours.
    described = machine.describe()
    load = described.get("load_average_1m")
    if load is not None and load > BUSY_LOAD:
        notes.append(f"the machine was busy (1-minute load average {load} at the start): timings may be inflated")
    with MotoServer() as server, aws_environment(server), built_layer() as layer_dir:
        stack = create_stack(server)
        steps: list[tuple[str, Callable[[], Result]]] = [
            ("hot path", lambda: hot_path.measure(stack, counts.hot_path_calls)),
            ("seed baseline", lambda: seed.measure(stack, counts.seed_calls)),
            ("SSM calls", lambda: ssm_calls.measure(stack)),
            ("deferral", lambda: deferral.measure(stack, counts.deferrals)),
            ("end to end", lambda: e2e.measure(stack, layer_dir, counts.e2e_invocations, counts.e2e_pairs)),
            ("cold start", lambda: cold_start.measure(stack, layer_dir, counts.cold_starts)),
            ("replay", lambda: replay.measure(stack, layer_dir, counts.replay_events)),
            (
                "runtimes (Node.js through the proxy)",
                lambda: runtimes.measure(
                    stack, counts.runtime_invocations, counts.runtime_pairs, counts.runtime_cold_starts
                ),
            ),
            # After replay: the model scales the per-event replay time measured there.
            ("capacity", lambda: capacity.measure(stack, counts.capacity_samples, metrics)),
        ]
        for name, step in steps:
            began = time.monotonic()
            print(f"measuring {name} ...", end=" ", file=sys.stderr, flush=True)
            result = step()
            print(f"{time.monotonic() - began:.1f} s", file=sys.stderr, flush=True)
            metrics.update(result.metrics)
            notes.extend(result.notes)
    metrics["seed_over_gate"] = _ratio(metrics["seed_p50_us"], metrics["gate_p50_us"])
    print(report.table(metrics, notes, described, counts.name))
    if json_path is not None:
        report.write_json(json_path, report.document(metrics, described))
    return 0


def _ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or denominator is None or denominator <= 0:
        return None
    return numerator / denominator
