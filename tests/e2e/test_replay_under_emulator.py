"""Replay end to end: the CLI as a subprocess, the gated function under AWS's emulator, moto for the rest.

The CLI reaches the function through the Lambda Invoke API with
``AWS_ENDPOINT_URL_LAMBDA`` pointed at the emulator (or at a front door over several
emulators), exactly as it reaches Lambda in an account.

What these local stand-ins cannot show. Two replayers racing rely only on DynamoDB
applying each conditional write to an item atomically; here that atomicity comes from
one lock in the moto server's process (``gate.local.atomic_moto``), which applies one
DynamoDB request at a time. So the tests show the replay logic is right given that
rule, not DynamoDB itself: not its partitions and their limits (1,000 WCU each), not
its throttling, not a write that succeeds while its answer is lost on the way back
(``tests/faults/test_store_faults.py`` stages that one). Lambda is an emulator that
runs one invocation at a time, behind ``LambdaFrontDoor``'s stand-in for Lambda's
throttling; nothing here shows Lambda's own retries, or its timeouts under load.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from gate.deferral import table as schema
from gate.local.checkout import REPOSITORY_ROOT
from gate.local.servers import Emulator
from tests.delivery import delivery_faults
from tests.e2e.conftest import Stack, invoke

pytestmark = pytest.mark.e2e

# The only function name the emulator answers to (see the start_function fixture).
FUNCTION = "function"
MAINTENANCE = {"mode": "maintenance"}
# The gate's cache TTL in these tests is 1 s: after a window ends, wait this long.
CACHE_TTL = 1.1
CLI_TIMEOUT = 60


def cli(stack: Stack, *args: str, lambda_url: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        cli_command(*args), env=cli_environment(stack, lambda_url), cwd=REPOSITORY_ROOT,
        capture_output=True, text=True, timeout=CLI_TIMEOUT, check=False,
    )  # fmt: skip


def cli_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "gate", *args]


def cli_environment(stack: Stack, lambda_url: str | None) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("AWS_", "GATE_"))}
    env.update(stack.server.client_environment())
    env.update(GATE_PARAMETER_NAME=stack.parameter, GATE_TABLE_NAME=stack.table, GATE_OVERFLOW_BUCKET=stack.bucket)
    if lambda_url:
        env["AWS_ENDPOINT_URL_LAMBDA"] = lambda_url
    return env


def sent_events(count: int, tag: str = "e") -> list[dict[str, Any]]:
    # Distinct and awkward: values a lossy round trip would change.
    return [
        {"tag": tag, "n": n, "big": 2**70 + n, "pi": 3.141592653589793, "text": f"caffè {n} 🚀"} for n in range(count)
    ]


def defer(function: Emulator, events: list[dict[str, Any]]) -> None:
    for event in events:
        _, payload = invoke(function, event)
        assert payload["deferred"] is True, payload


def gated_function(stack: Stack, start_function: Any, handler: str = "probe.record") -> Emulator:
    # Generous SSM timeouts: on a loaded machine a slow refresh would keep the window's
    # document cached and re-defer replays; that path has its own tests (tests/faults).
    environment = stack.gate_environment(GATE_SSM_CONNECT_TIMEOUT_SECONDS="5", GATE_SSM_READ_TIMEOUT_SECONDS="5")
    return start_function(handler, environment, function_name=FUNCTION)  # type: ignore[no-any-return]


def canonical(event: Any) -> str:
    """An event's identity for the delivery check: its JSON text, keys sorted."""
    return json.dumps(event, sort_keys=True)


def statuses(stack: Stack) -> Counter[str]:
    return Counter(record[schema.STATUS]["S"] for record in stack.records())


def received_events(stack: Stack) -> list[Any]:
    return [entry["event"] for entry in stack.received()]


def end_window(stack: Stack) -> None:
    result = cli(stack, "window", "mode", "auto")
    assert result.returncode == 0, result.stderr
    time.sleep(CACHE_TTL)


def test_replay_delivers_each_deferred_event_once_in_deferral_order(stack: Stack, start_function: Any) -> None:
    # GIVEN 50 distinct events deferred during a maintenance window
    stack.put_window(MAINTENANCE)
    function = gated_function(stack, start_function)
    events = sent_events(50)
    defer(function, events)
    assert statuses(stack) == {"pending": 50}

    # WHEN the window ends and the operator replays
    end_window(stack)
    result = cli(stack, "replay", "--function", FUNCTION, "--yes", lambda_url=function.url)

    # THEN the handler received exactly those events, once each, in the order they were deferred
    assert result.returncode == 0, result.stdout + result.stderr
    assert "replayed 50, failed 0, skipped 0" in result.stdout
    assert received_events(stack) == events
    in_deferral_order = sorted(stack.records(), key=lambda record: record[schema.QUEUE_ORDER]["S"])
    assert [record[schema.KEY]["S"] for record in in_deferral_order] == [
        line.split()[1] for line in result.stdout.splitlines() if line.startswith("replayed ")
    ][:50]
    assert statuses(stack) == {"replayed": 50}
    assert all(schema.EXPIRES_AT in record and schema.FINISHED_AT in record for record in stack.records())


def test_two_replays_started_together_deliver_every_event_once(
    stack: Stack, start_function: Any, front_door: Any
) -> None:
    # GIVEN 50 deferred events of a function (50 ms each) with two execution environments
    # behind one endpoint, so that eight invocations in flight must meet Lambda's throttling
    stack.put_window(MAINTENANCE)
    environments = [gated_function(stack, start_function, "slow.record_slowly") for _ in range(2)]
    events = sent_events(50)
    defer(environments[0], events)
    end_window(stack)
    door = front_door(environments)

    # WHEN two operators start a replay at the same moment, four invocations in flight each
    command = cli_command("replay", "--function", FUNCTION, "--yes", "--concurrency", "4")
    env = cli_environment(stack, door.url)
    replays = [
        subprocess.Popen(
            command, env=env, cwd=REPOSITORY_ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        for _ in range(2)
    ]
    outputs = [process.communicate(timeout=CLI_TIMEOUT)[0] for process in replays]

    # THEN every event reached the function exactly once (checked first, so that a failure names
    # the events missing or delivered twice), and every record is replayed
    assert delivery_faults(map(canonical, events), map(canonical, received_events(stack))) == {}, outputs
    assert statuses(stack) == {"replayed": 50}, outputs
    # ... and only then: both runs succeeded between them, riding out Lambda's throttling
    assert [process.returncode for process in replays] == [0, 0], outputs
    replayed_by = [int(output.split("replayed ")[-1].split(",")[0]) for output in outputs]
    assert sum(replayed_by) == 50
    assert door.throttled > 0


def test_a_replayer_killed_part_way_is_completed_by_the_next_after_its_lease(stack: Stack, start_function: Any) -> None:
    # GIVEN 50 deferred events; the handler stays busy for a second after recording the 20th
    stack.put_window(MAINTENANCE)
    function = gated_function(stack, start_function, "slow.record_then_linger")
    events = sent_events(50)
    events[19]["linger"] = 1.0
    defer(function, events)
    end_window(stack)
    command = cli_command("replay", "--function", FUNCTION, "--yes", "--rate", "50", "--lease-seconds", "2")
    env = cli_environment(stack, function.url)
    first = subprocess.Popen(
        command, env=env, cwd=REPOSITORY_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )

    # WHEN the replayer is killed with SIGKILL while the 20th invocation is in flight
    try:
        deadline = time.monotonic() + 30
        while len(stack.received()) < 20 and time.monotonic() < deadline and first.poll() is None:
            time.sleep(0.01)
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
    assert statuses(stack) == {"replayed": 19, "replaying": 1, "pending": 30}

    # ... and a second run starts once the dead run's lease has expired
    [lease] = [int(record[schema.LEASE_EXPIRES]["N"]) for record in stack.records() if schema.LEASE_EXPIRES in record]
    time.sleep(max(0.0, lease / 1000 - time.time() + 0.1))
    second = cli(stack, "replay", "--function", FUNCTION, "--yes", "--lease-seconds", "2", lambda_url=function.url)

    # THEN nothing is lost, and only the event in flight at the kill arrived twice
    assert second.returncode == 0, second.stdout + second.stderr
    assert statuses(stack) == {"replayed": 50}
    received = received_events(stack)
    assert received[:20] == events[:20] and received[20:] == events[19:]
    [taken_over] = [record for record in stack.records() if record[schema.ATTEMPTS]["N"] == "2"]
    assert json.loads(taken_over[schema.EVENT]["B"]) == events[19]


def test_replay_during_a_window_refuses_and_writes_nothing(stack: Stack, start_function: Any) -> None:
    # GIVEN events deferred in a one-off window that is still open
    now = time.time()
    end = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(now + 600))
    start = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(now - 60))
    stack.put_window({"windows": [{"start": start, "end": end, "name": "db upgrade"}]})
    function = gated_function(stack, start_function)
    defer(function, sent_events(3))
    before = sorted(stack.records(), key=lambda record: record[schema.KEY]["S"])

    # WHEN the operator replays
    result = cli(stack, "replay", "--function", FUNCTION, "--yes", lambda_url=function.url)

    # THEN it refuses, says until when, and changes nothing
    assert result.returncode == 1
    assert "the gate defers function now (inside windows[0] (db upgrade))" in result.stderr
    assert f"until {end}" in result.stderr
    assert sorted(stack.records(), key=lambda record: record[schema.KEY]["S"]) == before
    assert stack.received() == []


def test_a_forced_replay_into_a_window_goes_back_into_the_same_record(stack: Stack, start_function: Any) -> None:
    # GIVEN two events deferred in maintenance, which is still on
    stack.put_window(MAINTENANCE)
    function = gated_function(stack, start_function)
    defer(function, sent_events(2))
    ids = sorted(record[schema.KEY]["S"] for record in stack.records())

    # WHEN the operator forces a replay anyway
    result = cli(stack, "replay", "--function", FUNCTION, "--yes", "--force", lambda_url=function.url)

    # THEN the gate recognised the marker and put the first event back into its own record; the run stopped
    assert result.returncode == 1
    assert "re-deferred: 1" in result.stdout and "stopped: the gate deferred an event again" in result.stdout
    records = {record[schema.KEY]["S"]: record for record in stack.records()}
    assert sorted(records) == ids and statuses(stack) == {"pending": 2}
    assert sorted(record.get(schema.REDEFERRALS, {"N": "0"})["N"] for record in records.values()) == ["0", "1"]
    assert stack.received() == []


def test_window_put_refuses_an_invalid_document_and_leaves_the_parameter(stack: Stack, tmp_path: Path) -> None:
    # GIVEN a parameter holding a valid document
    stack.put_window({"mode": "auto", "windows": [{"start": "2026-12-01T22:00:00Z", "end": "2026-12-02T02:00:00Z"}]})
    before = stack.ssm.get_parameter(Name=stack.parameter)["Parameter"]
    invalid = tmp_path / "window.json"
    invalid.write_text(json.dumps({"mode": "auto", "windows": [{"start": "2026-12-01T22:00", "end": "2026-12-02"}]}))

    # WHEN the operator puts an invalid one
    result = cli(stack, "window", "put", str(invalid))

    # THEN the parser's own message, exit 2, and the parameter as it was
    assert result.returncode == 2
    assert "windows[0].start: has no UTC offset" in result.stderr
    after = stack.ssm.get_parameter(Name=stack.parameter)["Parameter"]
    assert (after["Value"], after["Version"]) == (before["Value"], before["Version"])


def test_the_replayer_function_drains_pending_records_while_the_gate_is_live(
    stack: Stack, start_function: Any, layer_dir: Path
) -> None:
    # GIVEN 10 deferred events and the replayer function, from the layer, under its own emulator
    stack.put_window(MAINTENANCE)
    function = gated_function(stack, start_function)
    events = sent_events(10)
    defer(function, events)
    replayer = start_function(
        "gate.replay.handler.handler",
        {
            **stack.server.client_environment(),
            "GATE_PARAMETER_NAME": stack.parameter,
            "GATE_TABLE_NAME": stack.table,
            "GATE_OVERFLOW_BUCKET": stack.bucket,
            "GATE_REPLAY_FUNCTIONS": FUNCTION,
            "GATE_REPLAY_RATE": "50",
            "GATE_RETENTION_DAYS": "3",
            "AWS_ENDPOINT_URL_LAMBDA": function.url,
            "PYTHONPATH": str(layer_dir / "python"),
        },
        gated=False,
        function_name="replayer",
    )

    # WHEN it runs while the window is still open, it replays nothing
    _, during = invoke(replayer, {})
    assert "mode is maintenance" in during["functions"][FUNCTION]["stopped"], during
    assert statuses(stack) == {"pending": 10} and stack.received() == []

    # WHEN it runs after the window
    stack.put_window({"mode": "auto"})
    time.sleep(CACHE_TTL)
    _, after = invoke(replayer, {})

    # THEN it drained every pending record, in order, with the configured retention
    assert after["ok"] is True and after["functions"][FUNCTION]["replayed"] == 10, after
    assert received_events(stack) == events
    assert statuses(stack) == {"replayed": 10}
    for record in stack.records():
        retention = int(record[schema.EXPIRES_AT]["N"]) - int(record[schema.FINISHED_AT]["N"]) // 1000
        assert abs(retention - 3 * 86_400) <= 1
