"""capacity_*, ssm_rps_*, replay_million_hours_*: the fleet-scale model, fed by what the gate really writes.

Deferral writes: SAMPLE events of 4 KB (4,096 bytes of JSON text, incompressible)
are deferred through the gate's own store into the table on the moto server. Then
DescribeTable gives the key schema and each index's keys and projection, and a Scan
gives the items as written. From them, at 10,000 deferrals/s:

- an item's size follows DynamoDB's rules (attribute names plus values) and costs
  ceil(size / 1 KB) write units; an index entry holds the table's key, the index's
  keys and the projected attributes, plus 100 bytes DynamoDB counts per index entry
  (counted here too, to stay on the safe side);
- the hottest partition key takes the largest share of the sampled items that share
  a partition key value (the sample's own maximum, so sampling noise inflates it);
  a key that each item has alone (the table's request id) is written once.

Window reads: requests/s = environments x processes per environment / sharing / TTL,
with the gate's own default TTL. Replay: a million events at the per-event time this
run measured at concurrency 1, spread over min(concurrency, shards) workers.
"""

from __future__ import annotations

import dataclasses
import math
import random
import string
import time
import uuid
from collections import Counter
from collections.abc import Mapping
from typing import Any

from benchmarks.stack import Result, Stack
from gate.config import GateConfig
from gate.deferral import table as schema
from gate.deferral.codec import EncodedEvent, encode_event, event_json
from gate.deferral.item_size import item_bytes
from gate.deferral.store import Deferral, DeferredEventStore
from gate.replay.engine import MAX_CONCURRENCY

DEFERRALS_PER_S = 10_000
EVENT_BYTES = 4_096
PARTITION_WCU_LIMIT = 1_000
WRITE_UNIT_BYTES = 1_024
INDEX_ENTRY_OVERHEAD_BYTES = 100
ENVIRONMENTS = (1_000, 10_000)
# Lambda Managed Instances run up to 16 processes per vCPU in one environment; each
# would refresh on its own unless they share one read.
PROCESSES_PER_ENVIRONMENT = 16
BACKLOG_EVENTS = 1_000_000
REPLAY_CONCURRENCIES = (1, 8, MAX_CONCURRENCY)
FUNCTION_NAME = "capacity-probe"


@dataclasses.dataclass(frozen=True)
class Partitioning:
    """One key space (the table or an index) as the sampled items fill it."""

    name: str
    entry_bytes: int
    write_units: int
    distinct_keys: int
    hottest_share: float  # of all writes, on the hottest partition key
    unique_keys: bool  # every item has a partition key of its own

    def hottest_wcu_per_s(self, deferrals_per_s: float) -> float:
        if self.unique_keys:
            # The hottest key takes its one write: a deferral writes its own item once.
            return float(self.write_units)
        return deferrals_per_s * self.hottest_share * self.write_units

    def total_wcu_per_s(self, deferrals_per_s: float) -> float:
        return deferrals_per_s * self.write_units


def measure(stack: Stack, samples: int, measured: Mapping[str, float | None]) -> Result:
    _defer_samples(stack, samples)
    dynamodb = stack.client("dynamodb")
    table = dynamodb.describe_table(TableName=stack.table)["Table"]
    items = _items(dynamodb, stack.table)
    spaces = [_partitioning("table", table["KeySchema"], None, table, items)]
    for index in table.get("GlobalSecondaryIndexes", []):
        spaces.append(_partitioning(index["IndexName"], index["KeySchema"], index["Projection"], table, items))
    table_space, indexes = spaces[0], spaces[1:]
    hottest_index = max(indexes, key=lambda space: space.hottest_wcu_per_s(DEFERRALS_PER_S))
    metrics: dict[str, float | None] = {
        "capacity_table_hottest_wcu_s": table_space.hottest_wcu_per_s(DEFERRALS_PER_S),
        "capacity_table_total_wcu_s": table_space.total_wcu_per_s(DEFERRALS_PER_S),
        "capacity_index_hottest_wcu_s": hottest_index.hottest_wcu_per_s(DEFERRALS_PER_S),
        **window_reads(default_ttl_seconds(), PROCESSES_PER_ENVIRONMENT, PROCESSES_PER_ENVIRONMENT),
        **replay_hours(measured.get("replay_events_per_s_c1")),
    }
    notes = [
        f"capacity: {len(items)} deferrals of a {EVENT_BYTES}-byte event read back from the moto server; "
        + "; ".join(_describe(space) for space in spaces)
        + f"; per-partition limit {PARTITION_WCU_LIMIT} WCU/s (modelled, not measured against DynamoDB)",
        f"window reads: {PROCESSES_PER_ENVIRONMENT} processes per environment, shared = one read per environment "
        f"per TTL of {default_ttl_seconds():g} s (modelled)",
    ]
    return Result(metrics, tuple(notes))


def window_reads(ttl_seconds: float, processes: int, sharing: float) -> dict[str, float | None]:
    """Parameter Store requests/s of a fleet: each process reads once per TTL unless ``sharing`` share a read."""
    result: dict[str, float | None] = {}
    for environments in ENVIRONMENTS:
        unshared = environments * processes / ttl_seconds
        result[f"ssm_rps_{environments}_envs"] = unshared
        result[f"ssm_rps_{environments}_envs_shared"] = unshared / sharing
    return result


def replay_hours(events_per_s_at_c1: float | None) -> dict[str, float | None]:
    """Hours to replay BACKLOG_EVENTS: per-event time measured at concurrency 1, workers in parallel."""
    result: dict[str, float | None] = {}
    for concurrency in REPLAY_CONCURRENCIES:
        workers = min(concurrency, MAX_CONCURRENCY)
        hours = BACKLOG_EVENTS / (events_per_s_at_c1 * workers) / 3600 if events_per_s_at_c1 else None
        result[f"replay_million_hours_c{concurrency}"] = hours
    return result


def _partitioning(
    name: str,
    key_schema: list[dict[str, str]],
    projection: Mapping[str, Any] | None,
    table: Mapping[str, Any],
    items: list[dict[str, Any]],
) -> Partitioning:
    table_keys = {part["AttributeName"] for part in table["KeySchema"]}
    own_keys = {part["AttributeName"] for part in key_schema}
    hash_key = next(part["AttributeName"] for part in key_schema if part["KeyType"] == "HASH")
    indexed = [item for item in items if own_keys <= item.keys()]
    if projection is None:
        sizes = [item_bytes(item) for item in indexed]
    else:
        kind = projection["ProjectionType"]
        projected = table_keys | own_keys
        if kind == "INCLUDE":
            projected |= set(projection.get("NonKeyAttributes", []))
        sizes = [
            (item_bytes(item) if kind == "ALL" else item_bytes(item, projected)) + INDEX_ENTRY_OVERHEAD_BYTES
            for item in indexed
        ]
    keys = Counter(next(iter(item[hash_key].values())) for item in indexed)
    largest = max(sizes)
    return Partitioning(
        name=name,
        entry_bytes=largest,
        write_units=math.ceil(largest / WRITE_UNIT_BYTES),
        distinct_keys=len(keys),
        hottest_share=max(keys.values()) / len(indexed),
        unique_keys=len(keys) == len(indexed),
    )


def _describe(space: Partitioning) -> str:
    return (
        f"{space.name}: entries up to {space.entry_bytes} B = {space.write_units} WCU, "
        f"{space.distinct_keys} partition keys, hottest {space.hottest_wcu_per_s(DEFERRALS_PER_S):,.0f} WCU/s "
        f"of {space.total_wcu_per_s(DEFERRALS_PER_S):,.0f} in all"
    )


def _defer_samples(stack: Stack, samples: int) -> None:
    store = DeferredEventStore(stack.table, stack.bucket, inline_limit_bytes=350_000, client_factory=stack.client)
    for index in range(samples):
        store.defer(
            Deferral(
                request_id=str(uuid.uuid4()),
                function_name=FUNCTION_NAME,
                function_arn=f"arn:aws:lambda:us-east-1:123456789012:function:{FUNCTION_NAME}:live",
                deferred_at_ms=int(time.time() * 1000),
                event=_event(index),
                window="windows[0] (release 2026-12-01)",
            )
        )


def _event(seed: int) -> EncodedEvent:
    record: dict[str, Any] = {
        "messageId": str(uuid.UUID(int=random.Random(seed).getrandbits(128))),
        "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:orders",
        "body": "",
    }
    event = {"Records": [record]}
    padding = EVENT_BYTES - len(event_json(event))
    record["body"] = "".join(random.Random(seed).choices(string.ascii_letters + string.digits, k=padding))
    encoded = encode_event(event)
    if encoded.size != EVENT_BYTES:
        raise RuntimeError(f"the sample event is {encoded.size} bytes, not {EVENT_BYTES}")
    return encoded


def _items(dynamodb: Any, table_name: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for page in dynamodb.get_paginator("scan").paginate(
        TableName=table_name,
        FilterExpression="#function = :function",
        ExpressionAttributeNames={"#function": schema.FUNCTION_NAME},
        ExpressionAttributeValues={":function": {"S": FUNCTION_NAME}},
    ):
        items.extend(page["Items"])
    if not items:
        raise RuntimeError("no deferred item was read back")
    return items


def default_ttl_seconds() -> float:
    """The TTL a gated function has when GATE_CACHE_TTL_SECONDS is unset: the gate's own default."""
    return float(GateConfig._field_defaults["cache_ttl_seconds"])
