"""ssm_calls_per_1000: GetParameter calls made by 1,000 invocations in one environment.

A botocore hook on the gate's SSM client counts every ``GetParameter``, including
the fetch at init, while the gate (TTL 10 s, the default) serves the invocations
back to back: well within one TTL, which is the case the target is for. The gate
as shipped fetches through ``gate.ssm_fetch.ParameterFetcher``, which has no
botocore hooks; when to fetch is decided by the same ``WindowSource`` either way,
and its own fetch counter is reported beside the hook's count as a cross-check.
"""

from __future__ import annotations

from typing import Any

from benchmarks.handlers import plain
from benchmarks.hot_path import EVENT
from benchmarks.inprocess import Context, build_gate
from benchmarks.stack import Result, Stack

TTL_SECONDS = 10.0


def measure(stack: Stack, invocations: int = 1_000) -> Result:
    calls = [0]

    def count(**_: Any) -> None:
        calls[0] += 1

    def hook(service: str, client: Any) -> None:
        if service == "ssm":
            client.meta.events.register("before-call.ssm.GetParameter", count)

    built = build_gate(
        plain.handler, stack.parameter, stack.table, stack.bucket, ttl_seconds=TTL_SECONDS, on_client=hook
    )
    context = Context()
    for _ in range(invocations):
        built.gate(EVENT, context)
    return Result(
        {"ssm_calls_per_1000": calls[0] * 1000 / invocations},
        (
            f"ssm calls: {calls[0]} GetParameter (botocore hook) and {built.source.fetch_count} fetch (WindowSource) "
            f"for {invocations:,} invocations, init fetch included, TTL {TTL_SECONDS:g} s",
        ),
    )
