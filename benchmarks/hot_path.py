"""gate_p50_us, gate_p99_us: what the gate adds to a warm invocation, outside any window.

Method. Every call is timed alone with ``time.perf_counter_ns``, bare handler and
gated handler alike, in alternating batches (bare then gated, then gated then bare)
so that drift in clock speed or cache state falls on both equally. Call ``i`` of a
gated batch is paired with call ``i`` of the neighbouring bare batch, and the
percentiles are those of the per-pair differences. The timer's own cost (one
``perf_counter_ns`` call, 50-80 ns) is inside both readings and cancels in each
difference; what does not cancel is the noise of both readings, so the p99 of the
differences is an upper estimate of the gate's own p99, never a flattering one.
Timing batches of 100 calls with one clock reading would blur exactly that tail,
so it is used only as a cross-check of the p50 (the table's notes).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from benchmarks.handlers import plain
from benchmarks.inprocess import Context, build_gate
from benchmarks.stack import Result, Stack
from benchmarks.stats import median, percentile

Call = Callable[[Any, Any], Any]
EVENT: dict[str, Any] = {"orderId": "A-1", "amount": 12}
_WARM_UP_CALLS = 5_000
_MEAN_GROUP = 100


def measure(stack: Stack, calls: int, batch: int = 1_000) -> Result:
    built = build_gate(plain.handler, stack.parameter, stack.table, stack.bucket)
    if built.source.current().defer:
        raise RuntimeError("the benchmark document must be outside every window")
    return compare(plain.handler, built.gate, calls, batch, refreshes=lambda: built.source.fetch_count)


def compare(bare: Call, gated: Call, calls: int, batch: int, refreshes: Callable[[], int] | None = None) -> Result:
    context = Context()
    batch = max(1, min(batch, calls))
    calls -= calls % batch
    for call in (bare, gated):
        _time_each(call, context, [0] * _WARM_UP_CALLS, 0, _WARM_UP_CALLS)
    fetches_before = refreshes() if refreshes else 0
    bare_ns, gated_ns = _interleaved(bare, gated, context, calls, batch)
    fetches = (refreshes() if refreshes else 0) - fetches_before
    differences = [gated_time - bare_time for gated_time, bare_time in zip(gated_ns, bare_ns, strict=True)]
    mean_bare, mean_gated = _grouped_means(bare, gated, context, max(10, calls // (10 * _MEAN_GROUP)))
    notes = (
        f"hot path: {calls:,} timed pairs in batches of {batch:,}; timer overhead {_timer_overhead_ns():.0f} ns "
        f"(in both readings, cancels); medians bare {median(bare_ns):.0f} ns, gated {median(gated_ns):.0f} ns",
        f"hot path cross-checks: p99(gated) - p99(bare) = "
        f"{(percentile(gated_ns, 0.99) - percentile(bare_ns, 0.99)) / 1000:.3f} us; mean over groups of "
        f"{_MEAN_GROUP} calls = {(mean_gated - mean_bare) / 1000:.3f} us; SSM refreshes while timing: {fetches}",
    )
    return Result(
        {"gate_p50_us": percentile(differences, 0.5) / 1000, "gate_p99_us": percentile(differences, 0.99) / 1000},
        notes,
    )


def _interleaved(bare: Call, gated: Call, context: Any, calls: int, batch: int) -> tuple[list[int], list[int]]:
    bare_ns = [0] * calls
    gated_ns = [0] * calls
    for start in range(0, calls, batch):
        order = ((bare, bare_ns), (gated, gated_ns))
        if (start // batch) % 2:
            order = order[::-1]
        for call, out in order:
            _time_each(call, context, out, start, batch)
    return bare_ns, gated_ns


def _time_each(call: Call, context: Any, out: list[int], start: int, count: int) -> None:
    # Locals only inside the loop: each attribute lookup would be timed with the call.
    clock = time.perf_counter_ns
    event = EVENT
    for index in range(start, start + count):
        began = clock()
        call(event, context)
        out[index] = clock() - began


def _grouped_means(bare: Call, gated: Call, context: Any, groups: int) -> tuple[float, float]:
    """Median over groups of the mean time per call, one clock reading per group."""
    clock = time.perf_counter_ns
    event = EVENT
    span = range(_MEAN_GROUP)
    means: dict[Call, list[float]] = {bare: [], gated: []}
    for group in range(groups):
        for call in (bare, gated) if group % 2 == 0 else (gated, bare):
            began = clock()
            for _ in span:
                call(event, context)
            means[call].append((clock() - began) / _MEAN_GROUP)
    return median(means[bare]), median(means[gated])


def _timer_overhead_ns() -> float:
    clock = time.perf_counter_ns
    readings = []
    for _ in range(10_000):
        began = clock()
        readings.append(clock() - began)
    return median(readings)
