"""Wiring a replay from resource names: the same assembly for the CLI and the replayer function."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from gate.aws import store_client
from gate.replay.engine import Replay, ReplayOptions, new_owner
from gate.replay.events import EventReader
from gate.replay.invoke import Invoker, LambdaInvoker
from gate.replay.leases import LeaseBook
from gate.replay.records import RecordTable

# Stop waiting on an invocation this long before the lease ends, so a live replayer
# has written the outcome before anyone else may take the record.
_LEASE_MARGIN_SECONDS = 5.0


@dataclass(frozen=True)
class Resources:
    """The names of one stack's gate resources."""

    parameter_name: str
    table_name: str
    bucket: str | None = None


def build_replay(
    resources: Resources,
    options: ReplayOptions,
    *,
    client_factory: Callable[[str], Any] = store_client,
    invoker: Invoker | None = None,
    owner: str | None = None,
    should_stop: Callable[[], bool] = lambda: False,
    clock: Callable[[], float] = time.time,
    sleep: Callable[[float], None] = time.sleep,
) -> Replay:
    dynamodb = client_factory("dynamodb")
    leases = LeaseBook(
        dynamodb,
        resources.table_name,
        owner=owner or new_owner(),
        lease_seconds=options.lease_seconds,
        clock=clock,
    )
    return Replay(
        RecordTable(dynamodb, resources.table_name),
        leases,
        EventReader(resources.bucket, client_factory),
        invoker or LambdaInvoker.create(read_timeout=invoke_read_timeout(options.lease_seconds)),
        options,
        should_stop=should_stop,
        clock=clock,
        sleep=sleep,
    )


def invoke_read_timeout(lease_seconds: float) -> float:
    """How long to wait for an invocation: inside the lease, with room to record the outcome."""
    margin = min(_LEASE_MARGIN_SECONDS, lease_seconds / 4)
    return max(0.5, lease_seconds - margin)
