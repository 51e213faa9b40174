"""defer_p50_ms, writes_per_deferral, defer_deadline_added_us: an invocation inside a window, in process.

The gate reads a parameter whose mode is ``maintenance`` and keeps each event (about
1 KB, an SQS-style record) in DynamoDB on the moto server. Init has created the
DynamoDB client, as the gate's does when it starts inside a window; the first
deferral still opens the connection and is reported apart, the median is over the
rest.
Writes are the store's own ``writes`` counter, cross-checked with botocore hooks
that count API calls and HTTP requests (retries would show as extra requests).

Each deferral is made twice, in alternating order: once with a context that tells its
remaining time, as Lambda's does (the store call then runs on a worker thread bounded
by the deadline: ``defer_p50_ms``), and once with one that cannot (the call runs on
the invocation's thread). ``defer_deadline_added_us`` is the median of the pairs'
differences, so load that comes and goes falls on both sides.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from typing import Any

from benchmarks.handlers import plain
from benchmarks.inprocess import Context, build_gate, quiet_stdout
from benchmarks.stack import Result, Stack
from benchmarks.stats import median

EVENT: dict[str, Any] = {
    "Records": [
        {
            "messageId": "059f36b4-87a3-44ab-83d2-661975830a7d",
            "receiptHandle": "AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a" * 8,
            "body": '{"orderId": "A-1", "amount": 12, "items": [' + ",".join(['"sku-0001"'] * 40) + "]}",
            "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "1545082649183"},
            "eventSource": "aws:sqs",
            "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:orders",
            "awsRegion": "us-east-1",
        }
    ]
}


@dataclass
class TimedContext(Context):
    """Lambda's context as it is: it tells the invocation's remaining time."""

    remaining_ms: int = 60_000

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


def measure(stack: Stack, deferrals: int) -> Result:
    api_calls = [0]
    requests = [0]

    def count_call(**_: Any) -> None:
        api_calls[0] += 1

    def count_request(**_: Any) -> None:
        requests[0] += 1

    def hook(service: str, client: Any) -> None:
        if service != "ssm":
            client.meta.events.register(f"before-call.{service}", count_call)
            client.meta.events.register(f"before-send.{service}", count_request)

    built = build_gate(plain.handler, stack.maintenance_parameter, stack.table, stack.bucket, on_client=hook)
    if not built.source.current().defer:
        raise RuntimeError("the maintenance parameter must make the gate defer")
    clock = time.perf_counter
    timings: dict[bool, list[float]] = {True: [], False: []}
    with quiet_stdout():
        for index in range(deferrals + 1):
            for bounded in (True, False) if index % 2 else (False, True):
                context = TimedContext(aws_request_id=str(uuid.uuid4())) if bounded else Context(str(uuid.uuid4()))
                began = clock()
                answer = built.gate(EVENT, context)
                timings[bounded].append(clock() - began)
                if answer.get("deferred") is not True:
                    raise RuntimeError(f"expected a deferral, got {answer!r}")
    count = 2 * (deferrals + 1)
    added = [with_deadline - inline for with_deadline, inline in zip(timings[True], timings[False], strict=True)]
    return Result(
        {
            "defer_p50_ms": median(timings[True][1:]) * 1000,
            "writes_per_deferral": built.store.writes / count,
            "defer_deadline_added_us": median(added[1:]) * 1e6,
        },
        (
            f"deferral: {deferrals:,} deferrals of a {len(json.dumps(EVENT))}-byte event after a first one "
            f"({timings[False][0] * 1000:.1f} ms, opens the connection); "
            f"per deferral {api_calls[0] / count:g} API calls, "
            f"{requests[0] / count:g} HTTP requests; without a deadline (the call on the invocation's thread) "
            f"p50 {median(timings[False][1:]) * 1000:.3f} ms",
        ),
    )
