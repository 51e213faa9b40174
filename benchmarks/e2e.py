"""e2e_ratio: median warm invocation through the emulator, gated over bare.

A bare environment (no layer) and a gated one run side by side with the same
handler and the same environment, outside any window. After a warm-up, the
invocations alternate between them (and which goes first alternates), so both see
the same machine state. On a small machine one environment can be a few percent
faster than another for reasons of its own (which core its processes land on), so
the invocations are spread over several fresh pairs of environments; the ratio is
of the medians over all of them.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from benchmarks.emulated import Function
from benchmarks.stack import Result, Stack
from benchmarks.stats import median

HANDLER = "plain.handler"
_WARM_UP = 20


def measure(stack: Stack, layer_dir: Path, invocations: int, pairs: int = 5) -> Result:
    environment = stack.gate_environment()
    bare_s: list[float] = []
    gated_s: list[float] = []
    pair_ratios: list[float] = []
    per_pair = max(1, invocations // pairs)
    with tempfile.TemporaryDirectory(prefix="gate-bench-e2e-") as logs:
        for pair in range(pairs):
            with (
                Function(HANDLER, environment, None, Path(logs) / f"{pair}-bare.log") as bare,
                Function(HANDLER, environment, layer_dir, Path(logs) / f"{pair}-gated.log") as gated,
            ):
                for _ in range(_WARM_UP):
                    bare.invoke()
                    gated.invoke()
                these: dict[Function, list[float]] = {bare: [], gated: []}
                for index in range(per_pair):
                    for function in (bare, gated) if index % 2 == 0 else (gated, bare):
                        these[function].append(function.invoke())
            bare_s.extend(these[bare])
            gated_s.extend(these[gated])
            pair_ratios.append(median(these[gated]) / median(these[bare]))
    bare_median, gated_median = median(bare_s), median(gated_s)
    spread = f"{min(pair_ratios):.3f} to {max(pair_ratios):.3f}, median {median(pair_ratios):.3f}"
    return Result(
        {"e2e_ratio": gated_median / bare_median},
        (
            f"e2e: {per_pair * pairs:,} warm invocations each of {HANDLER} over {pairs} pairs of environments; "
            f"median bare {bare_median * 1e6:.0f} us, gated {gated_median * 1e6:.0f} us "
            f"(difference {(gated_median - bare_median) * 1e6:.0f} us); ratio per pair {spread}",
        ),
    )
