"""seed_p50_us, seed_p99_us, seed_over_gate: the original design, measured the same way.

The seed read its window on every invocation: a new boto3 client from the default
session (``boto3.client("ssm")``, so the session's loader cache is reused, as in a
warm Lambda environment) and one ``GetParameter``. That is all this baseline does
before calling the handler; the seed also parsed and compared the value, which is
left out, so the ratio errs in the seed's favour. Each seeded call is paired with
the bare call beside it, as for the gate; at milliseconds per call the timer's cost
does not matter.
"""

from __future__ import annotations

import time
from typing import Any

import boto3

from benchmarks.handlers import plain
from benchmarks.hot_path import EVENT
from benchmarks.inprocess import Context
from benchmarks.stack import Result, Stack
from benchmarks.stats import percentile

_WARM_UP_CALLS = 5


def seeded(parameter: str) -> Any:
    def handler(event: Any, context: Any) -> Any:
        client = boto3.client("ssm")
        client.get_parameter(Name=parameter)
        return plain.handler(event, context)

    return handler


def measure(stack: Stack, calls: int) -> Result:
    seed = seeded(stack.parameter)
    context = Context()
    for _ in range(_WARM_UP_CALLS):
        seed(EVENT, context)
    clock = time.perf_counter_ns
    differences = []
    for index in range(calls):
        pair = [0, 0]
        # Alternate which goes first, so neither always follows the other's side effects.
        for slot in (0, 1) if index % 2 == 0 else (1, 0):
            call = seed if slot == 0 else plain.handler
            began = clock()
            call(EVENT, context)
            pair[slot] = clock() - began
        differences.append(pair[0] - pair[1])
    return Result(
        {"seed_p50_us": percentile(differences, 0.5) / 1000, "seed_p99_us": percentile(differences, 0.99) / 1000},
        (f"seed: {calls:,} paired calls, each a new boto3 client plus GetParameter against the moto server",),
    )
