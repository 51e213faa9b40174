"""The capacity model's arithmetic: DynamoDB item sizes, hottest partitions, window reads, replay time."""

from __future__ import annotations

from typing import Any

import pytest

from benchmarks import capacity
from gate.config import GateConfig


@pytest.mark.parametrize(
    ("value", "size"),
    [
        ({"S": "héllo"}, 6),
        ({"B": b"\x00" * 10}, 10),
        ({"N": "1700000000001"}, 8),  # 13 significant digits: 7 bytes, plus 1
        ({"N": "1700000000000"}, 2),  # trailing zeros are trimmed: "17"
        ({"N": "-0.00120"}, 2),  # "12": 1 byte, plus 1
        ({"SS": ["ab", "cde"]}, 5),
        ({"BOOL": True}, 1),
    ],
)
def test_attribute_values_are_sized_by_dynamodbs_rules(value: dict[str, Any], size: int) -> None:
    assert capacity.item_bytes({"a": value}) == 1 + size


def test_only_the_named_attributes_count_toward_a_projection() -> None:
    item = {"key": {"S": "k"}, "event": {"B": b"x" * 4000}, "status": {"S": "pending"}}

    assert capacity.item_bytes(item, {"key", "status"}) == 3 + 1 + 6 + 7


def table_of(index_projection: dict[str, Any]) -> dict[str, Any]:
    return {
        "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
        "GlobalSecondaryIndexes": [
            {
                "IndexName": "q",
                "KeySchema": [{"AttributeName": "queue", "KeyType": "HASH"}],
                "Projection": index_projection,
            }
        ],
    }


def items(count: int, shards: int) -> list[dict[str, Any]]:
    return [
        {"id": {"S": f"{n:04d}"}, "queue": {"S": f"f#pending#{n % shards}"}, "event": {"B": b"e" * 3000}}
        for n in range(count)
    ]


def test_one_queue_key_with_a_full_projection_is_the_old_ceiling() -> None:
    table = table_of({"ProjectionType": "ALL"})
    [index] = table["GlobalSecondaryIndexes"]

    space = capacity._partitioning("q", index["KeySchema"], index["Projection"], table, items(100, 1))

    # 3,000-byte event + names and keys + 100 bytes of index overhead: 4 WCU, all on one key.
    assert (space.write_units, space.distinct_keys) == (4, 1)
    assert space.hottest_wcu_per_s(10_000) == 40_000


def test_sharded_keys_with_a_narrow_projection_spread_the_writes() -> None:
    table = table_of({"ProjectionType": "KEYS_ONLY"})
    [index] = table["GlobalSecondaryIndexes"]

    space = capacity._partitioning("q", index["KeySchema"], index["Projection"], table, items(100, 10))
    whole = capacity._partitioning("table", table["KeySchema"], None, table, items(100, 10))

    assert (space.write_units, space.distinct_keys, space.hottest_share) == (1, 10, 0.1)
    assert space.hottest_wcu_per_s(10_000) == 1_000
    assert whole.unique_keys and whole.hottest_wcu_per_s(10_000) == whole.write_units == 3
    assert whole.total_wcu_per_s(10_000) == 30_000


def test_window_reads_scale_with_environments_and_processes_and_shrink_with_sharing() -> None:
    reads = capacity.window_reads(ttl_seconds=10, processes=16, sharing=16)

    assert reads["ssm_rps_1000_envs"] == 1_600 and reads["ssm_rps_1000_envs_shared"] == 100
    assert reads["ssm_rps_10000_envs"] == 16_000 and reads["ssm_rps_10000_envs_shared"] == 1_000


def test_replay_time_divides_by_the_workers_up_to_the_shards() -> None:
    hours = capacity.replay_hours(events_per_s_at_c1=10.0)

    assert hours["replay_million_hours_c1"] == pytest.approx(1_000_000 / 10 / 3600)
    assert hours["replay_million_hours_c8"] == pytest.approx(hours["replay_million_hours_c1"] / 8)
    assert capacity.replay_hours(None)["replay_million_hours_c1"] is None


def test_the_model_reads_the_gates_own_default_ttl() -> None:
    # The window-read figures are for the TTL a function gets without setting one.
    assert (
        capacity.default_ttl_seconds()
        == GateConfig.from_env({"GATE_PARAMETER_NAME": "p", "GATE_TABLE_NAME": "t"}).cache_ttl_seconds
    )
