"""ssm_calls_per_1000: GetParameter calls made by 1,000 invocations in one environment.

The gate's own ``ParameterFetcher``, wrapped to count, sees every ``GetParameter``,
including the fetch at init, while the gate (TTL 10 s, the default) serves the
invocations back to back: well within one TTL, which is the case the target is for.
"""

from __future__ import annotations

from benchmarks.handlers import plain
from benchmarks.hot_path import EVENT
from benchmarks.inprocess import Context, build_gate
from benchmarks.stack import Result, Stack

TTL_SECONDS = 10.0


def measure(stack: Stack, invocations: int = 1_000) -> Result:
    built = build_gate(plain.handler, stack.parameter, stack.table, stack.bucket, ttl_seconds=TTL_SECONDS)
    context = Context()
    for _ in range(invocations):
        built.gate(EVENT, context)
    calls = built.fetch.calls
    return Result(
        {"ssm_calls_per_1000": calls * 1000 / invocations},
        (
            f"ssm calls: {calls} GetParameter for {invocations:,} invocations, "
            f"init fetch included, TTL {TTL_SECONDS:g} s",
        ),
    )
