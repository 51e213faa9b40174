"""cold_start_added_ms(_plain): process start to first response, gated minus bare.

Two handlers: ``with_boto3`` imports boto3 itself, as many functions do, so boto3's
import is the function's cost and not the gate's (``cold_start_added_ms``); ``plain``
imports nothing, so whatever the gate loads is all its own (``cold_start_added_ms_plain``).
Each repetition starts a bare and a gated environment of each handler in turn (which
goes first alternates): the clock starts before the emulator's process is spawned and
stops when the first invocation's response has been read, so it holds the emulator's
start, the runtime's init (for the gated one: the wrapper, the gate's imports, its
window reader and first GetParameter) and one invocation. Each metric is the median of
the per-repetition differences, so work elsewhere on the machine that comes and goes
falls on both sides of each one; the difference of the two medians and the emulator's
own INIT REPORT durations are cross-checks.

``python -m benchmarks.cold_start --baseline-ref main`` compares the layer built from
this checkout with one built from a git ref, in the same run (see docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path

from benchmarks.emulated import Function
from benchmarks.stack import Result, Stack
from benchmarks.stats import median, percentile

HANDLERS = {"cold_start_added_ms": "with_boto3.handler", "cold_start_added_ms_plain": "plain.handler"}


def measure(stack: Stack, layer_dir: Path, repetitions: int) -> Result:
    layers = {"gated": layer_dir}
    totals, inits = _starts(stack.gate_environment(), layers, repetitions)
    metrics: dict[str, float | None] = {}
    notes = []
    for key, handler in HANDLERS.items():
        bare, gated = totals[(handler, None)], totals[(handler, "gated")]
        metrics[key] = median([g - b for g, b in zip(gated, bare, strict=True)]) * 1000
        notes.append(
            f"cold start ({key}): {repetitions} starts each of {handler}; median to first response bare "
            f"{median(bare) * 1000:.0f} ms, gated {median(gated) * 1000:.0f} ms "
            f"(difference of medians {(median(gated) - median(bare)) * 1000:.1f} ms); "
            + _init_note(inits[(handler, None)], inits[(handler, "gated")])
        )
    return Result(metrics, tuple(notes))


Key = tuple[str, str | None]


def _starts(
    environment: Mapping[str, str], layers: Mapping[str, Path], repetitions: int
) -> tuple[dict[Key, list[float]], dict[Key, list[float]]]:
    """Start every handler bare and behind every layer, ``repetitions`` times, rotating the order."""
    variants: list[Key] = [(handler, name) for handler in HANDLERS.values() for name in (None, *layers)]
    totals: dict[Key, list[float]] = {variant: [] for variant in variants}
    inits: dict[Key, list[float]] = {variant: [] for variant in variants}
    with tempfile.TemporaryDirectory(prefix="gate-bench-cold-") as logs:
        for repetition in range(repetitions):
            for handler in HANDLERS.values():
                group = [variant for variant in variants if variant[0] == handler]
                shift = repetition % len(group)
                for variant in group[shift:] + group[:shift]:
                    layer = layers[variant[1]] if variant[1] else None
                    log_path = Path(logs) / f"{repetition}-{handler}-{variant[1] or 'bare'}.log"
                    began = time.perf_counter()
                    with Function(handler, environment, layer, log_path) as function:
                        function.invoke()
                        totals[variant].append(time.perf_counter() - began)
                    init = function.init_duration_ms()
                    if init is not None:
                        inits[variant].append(init)
    return totals, inits


def _init_note(bare: list[float], gated: list[float]) -> str:
    if not bare or not gated:
        return "no INIT REPORT in the emulator's log"
    return f"INIT REPORT medians bare {median(bare):.0f} ms, gated {median(gated):.0f} ms"


def compare(baseline_ref: str, repetitions: int) -> str:
    """This checkout's layer against one built from ``baseline_ref``, both measured in one run."""
    from benchmarks.stack import aws_environment, create_stack
    from gate.local.checkout import REPOSITORY_ROOT
    from gate.local.servers import MotoServer, built_layer

    with tempfile.TemporaryDirectory(prefix="gate-bench-baseline-") as scratch:
        tree = Path(scratch) / "tree"
        tree.mkdir()
        archive = subprocess.run(
            ["git", "-C", str(REPOSITORY_ROOT), "archive", baseline_ref, "gate", "layer"],
            check=True,
            capture_output=True,
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
        baseline = _unpacked_layer(tree / "gate", Path(scratch) / "opt")
        with MotoServer() as server, aws_environment(server), built_layer() as current:
            stack = create_stack(server)
            layers = {baseline_ref: baseline, "this checkout": current}
            totals, inits = _starts(stack.gate_environment(), layers, repetitions)
    lines = [
        f"cold start added over bare, median of {repetitions} rotated repetitions (ms), with the quartiles of the"
        " per-repetition differences and the median difference of the emulator's INIT REPORTs:"
    ]
    for handler in HANDLERS.values():
        bare = totals[(handler, None)]
        for name in layers:
            added = [(g - b) * 1000 for g, b in zip(totals[(handler, name)], bare, strict=True)]
            lines.append(
                f"  {handler:20} {name:15} {median(added):6.1f}"
                f"   (quartiles {percentile(added, 0.25):.1f} to {percentile(added, 0.75):.1f};"
                f" INIT {_paired_init(inits[(handler, name)], inits[(handler, None)])};"
                f" bare median {median(bare) * 1000:.0f} ms)"
            )
    return "\n".join(lines)


def _paired_init(gated: list[float], bare: list[float]) -> str:
    # An INIT REPORT can be missing from a log; pair them only when every start has one.
    if not gated or len(gated) != len(bare):
        return "n/a"
    return f"{median([g - b for g, b in zip(gated, bare, strict=True)]):.1f}"


def _unpacked_layer(gate_root: Path, opt: Path) -> Path:
    """The files the layer builder would put in an archive for ``gate_root``, laid out as Lambda unpacks them."""
    from layer.build import layer_entries, unpack

    return unpack(layer_entries(gate_root=gate_root), opt)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.cold_start", description=compare.__doc__)
    parser.add_argument("--baseline-ref", required=True, help="a git ref to build the baseline layer from")
    parser.add_argument("--repetitions", type=int, default=9)
    args = parser.parse_args(argv)
    print(compare(args.baseline_ref, args.repetitions))
    return 0


if __name__ == "__main__":
    sys.exit(main())
