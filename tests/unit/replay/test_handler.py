"""The replayer function: its settings, and a drain that respects windows and its time budget."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from typing import Any

import pytest

from gate.deferral import table as schema
from gate.deferral.wire import MARKER_KEY
from gate.replay.config import ReplayerConfig
from gate.replay.errors import ReplayerConfigError
from gate.replay.handler import drain
from gate.replay.invoke import Invocation, Outcome, classify_response
from tests.fixtures.sam_batches import batch
from tests.unit.replay.support import (
    BUCKET,
    FUNCTION,
    PARAMETER,
    TABLE,
    FakeLambda,
    aws,  # noqa: F401 - a fixture
    put_window,
    seed,
    status_of,
)

BASE = {"GATE_PARAMETER_NAME": PARAMETER, "GATE_TABLE_NAME": TABLE, "GATE_REPLAY_FUNCTIONS": f"{FUNCTION}, billing"}


@dataclass
class Clockwork:
    """A Lambda context whose remaining time falls by a fixed step on every reading."""

    remaining_ms: int
    step_ms: int = 0
    aws_request_id: str = "replayer-run-1"

    def get_remaining_time_in_millis(self) -> int:
        self.remaining_ms -= self.step_ms
        return self.remaining_ms


def test_settings_are_read_with_defaults() -> None:
    config = ReplayerConfig.from_env({**BASE, "GATE_OVERFLOW_BUCKET": BUCKET, "GATE_REPLAY_RATE": "2.5"})

    assert config.functions == (FUNCTION, "billing")
    assert config.rate_per_second == 2.5
    assert config.retention_days == schema.DEFAULT_RETENTION_DAYS and config.overflow_bucket == BUCKET
    assert config.concurrency == 1
    assert ReplayerConfig.from_env({**BASE, "GATE_REPLAY_CONCURRENCY": "8"}).concurrency == 8


@pytest.mark.parametrize(
    ("override", "named"),
    [
        ({"GATE_REPLAY_FUNCTIONS": ""}, "GATE_REPLAY_FUNCTIONS"),
        ({"GATE_REPLAY_FUNCTIONS": " , "}, "GATE_REPLAY_FUNCTIONS"),
        ({"GATE_TABLE_NAME": ""}, "GATE_TABLE_NAME"),
        ({"GATE_REPLAY_RATE": "fast"}, "GATE_REPLAY_RATE"),
        ({"GATE_REPLAY_RATE": "0"}, "GATE_REPLAY_RATE"),
        ({"GATE_RETENTION_DAYS": "-1"}, "GATE_RETENTION_DAYS"),
        ({"GATE_REPLAY_CONCURRENCY": "0"}, "GATE_REPLAY_CONCURRENCY"),
        ({"GATE_REPLAY_CONCURRENCY": "33"}, "GATE_REPLAY_CONCURRENCY"),
        ({"GATE_REPLAY_CONCURRENCY": "2.5"}, "GATE_REPLAY_CONCURRENCY"),
        ({"GATE_REPLAY_CONCURRENCY": "many"}, "GATE_REPLAY_CONCURRENCY"),
    ],
)
def test_a_bad_setting_is_refused_by_name(override: dict[str, str], named: str) -> None:
    with pytest.raises(ReplayerConfigError, match=named):
        ReplayerConfig.from_env({**BASE, **override})


@pytest.mark.usefixtures("aws")
def test_it_drains_every_configured_function_while_the_gate_is_live() -> None:
    orders, billing = seed(3), seed(2, function="billing", start=10)
    fake = FakeLambda()

    result = drain(ReplayerConfig.from_env(BASE), Clockwork(remaining_ms=60_000), invoker=fake)

    assert result["ok"] is True
    assert result["functions"][FUNCTION]["replayed"] == 3 and result["functions"]["billing"]["replayed"] == 2
    assert [status_of(request_id) for request_id in orders + billing] == ["replayed"] * 5


@pytest.mark.usefixtures("aws")
def test_it_replays_nothing_while_the_gate_defers() -> None:
    ids = seed(2)
    put_window({"mode": "maintenance"})
    fake = FakeLambda()

    result = drain(ReplayerConfig.from_env(BASE), Clockwork(remaining_ms=60_000), invoker=fake)

    assert fake.calls == []
    assert "mode is maintenance" in result["functions"][FUNCTION]["stopped"]
    assert [status_of(request_id) for request_id in ids] == ["pending", "pending"]


@pytest.mark.usefixtures("aws")
def test_it_stops_before_its_timeout_and_leaves_the_rest_pending() -> None:
    ids = seed(5)
    fake = FakeLambda()
    # 30 s left, the margin is 10 s, and every look at the clock costs 4 s.
    context = Clockwork(remaining_ms=30_000, step_ms=4_000)

    result = drain(ReplayerConfig.from_env({**BASE, "GATE_REPLAY_FUNCTIONS": FUNCTION}), context, invoker=fake)

    summary = result["functions"][FUNCTION]
    assert 0 < summary["replayed"] < 5 and summary["ok"] is True
    assert "time budget" in summary["stopped"]
    statuses = [status_of(request_id) for request_id in ids]
    assert statuses == ["replayed"] * summary["replayed"] + ["pending"] * (5 - summary["replayed"])


@pytest.mark.usefixtures("aws")
def test_it_fans_out_to_its_configured_workers_each_keeping_its_shards_in_order() -> None:
    ids = seed(40)
    lock, in_flight, most = threading.Lock(), [0], [0]

    def slow(*_: Any) -> Invocation:
        with lock:
            in_flight[0] += 1
            most[0] = max(most[0], in_flight[0])
        time.sleep(0.01)
        with lock:
            in_flight[0] -= 1
        return Invocation(Outcome.SUCCEEDED)

    fake = FakeLambda(slow)
    config = ReplayerConfig.from_env(
        {**BASE, "GATE_REPLAY_FUNCTIONS": FUNCTION, "GATE_REPLAY_CONCURRENCY": "4", "GATE_REPLAY_RATE": "1000"}
    )

    result = drain(config, Clockwork(remaining_ms=60_000), invoker=fake)

    assert result["functions"][FUNCTION]["replayed"] == 40
    assert 1 < most[0] <= 4
    delivered = [context["custom"][MARKER_KEY] for _, _, context in fake.calls]
    for shard in range(schema.QUEUE_SHARDS):
        in_shard = [request_id for request_id in delivered if schema.shard_of(request_id) == shard]
        assert in_shard == [request_id for request_id in ids if schema.shard_of(request_id) == shard]


@pytest.mark.usefixtures("aws")
def test_a_partially_failed_batch_is_counted_and_keeps_only_its_failed_items(
    capsys: pytest.CaptureFixture[str],
) -> None:
    event, ids = batch("sqs", 3)
    [request_id] = seed(1, event=lambda _: event)
    answer = json.dumps({"batchItemFailures": [{"itemIdentifier": ids[2]}]}).encode()
    fake = FakeLambda(lambda *_: classify_response(None, answer))
    config = ReplayerConfig.from_env({**BASE, "GATE_REPLAY_FUNCTIONS": FUNCTION})

    result = drain(config, Clockwork(remaining_ms=60_000), invoker=fake)

    summary = result["functions"][FUNCTION]
    assert (summary["partially_failed"], summary["partially_failed_items"], summary["ok"]) == (
        1,
        {"failed": 1, "sent": 3},
        False,
    )
    assert status_of(request_id) == "failed"
    metrics = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    assert [m["ReplayPartialFailures"] for m in metrics if "ReplayPartialFailures" in m] == [1]
