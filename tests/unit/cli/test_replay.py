"""``replay`` through the CLI against moto, with the Invoke API faked: refusal, prompt, exit codes, output."""

from __future__ import annotations

import time
from typing import Any

import pytest

import gate.cli.replay as replay_command
from gate.replay.invoke import Invocation, Outcome
from tests.unit.replay.support import (
    FUNCTION,
    PAYLOAD_MARKER,
    FakeLambda,
    aws,  # noqa: F401 - a fixture, used through pytestmark
    put_window,
    run_cli,
    seed,
    status_of,
)

pytestmark = pytest.mark.usefixtures("aws")


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> FakeLambda:
    """The CLI's own wiring, with the Invoke API replaced by a fake."""
    fake = FakeLambda()
    real = replay_command.build_replay

    def build(resources: Any, options: Any, **kwargs: Any) -> Any:
        return real(resources, options, **{**kwargs, "invoker": fake})

    monkeypatch.setattr(replay_command, "build_replay", build)
    return fake


def test_a_replay_prints_ids_and_a_summary_never_a_payload(fake: FakeLambda) -> None:
    ids = seed(3)

    result = run_cli("replay", "--function", FUNCTION, "--yes")

    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        *(f"replayed {request_id}" for request_id in ids),
        "replayed 3, failed 0, skipped 0",
    ]
    assert PAYLOAD_MARKER not in result.output
    assert len(fake.calls) == 3


def test_during_maintenance_it_refuses_exits_1_and_changes_nothing(fake: FakeLambda) -> None:
    ids = seed(2)
    put_window({"mode": "maintenance"})

    result = run_cli("replay", "--function", FUNCTION, "--yes")

    assert result.exit_code == 1
    assert "the gate defers orders now (mode is maintenance)" in result.stderr
    assert fake.calls == [] and [status_of(request_id) for request_id in ids] == ["pending", "pending"]


def test_during_a_window_it_says_until_when() -> None:
    seed(1)
    end = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(time.time() + 600))
    start = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(time.time() - 60))
    put_window({"windows": [{"start": start, "end": end, "name": "db"}]})

    result = run_cli("replay", "--function", FUNCTION, "--yes")

    assert result.exit_code == 1 and f"inside windows[0] (db)) until {end}" in result.stderr


def test_force_replays_anyway(fake: FakeLambda) -> None:
    seed(1)
    put_window({"mode": "maintenance"})

    result = run_cli("replay", "--function", FUNCTION, "--yes", "--force")

    assert result.exit_code == 0 and len(fake.calls) == 1 and "--force" in result.stderr


def test_an_unreadable_window_refuses(fake: FakeLambda) -> None:
    seed(1)
    put_window('{"mode": "sometimes"}')

    result = run_cli("replay", "--function", FUNCTION, "--yes")

    assert result.exit_code == 1 and "invalid" in result.stderr and fake.calls == []


def test_it_asks_first_and_no_means_nothing_is_replayed(fake: FakeLambda) -> None:
    seed(2)

    declined = run_cli("replay", "--function", FUNCTION, input="n\n")
    assert declined.exit_code == 1 and fake.calls == []
    assert "Replay 2 record(s) of orders now?" in declined.stdout

    accepted = run_cli("replay", "--function", FUNCTION, "--limit", "1", input="y\n")
    assert accepted.exit_code == 0 and len(fake.calls) == 1


def test_dry_run_lists_without_invoking_or_claiming(fake: FakeLambda) -> None:
    ids = seed(2)

    result = run_cli("replay", "--function", FUNCTION, "--dry-run")

    assert result.exit_code == 0 and fake.calls == []
    assert all(request_id in result.stdout for request_id in ids) and PAYLOAD_MARKER not in result.output
    assert "would replay 2 record(s)" in result.stdout
    assert [status_of(request_id) for request_id in ids] == ["pending", "pending"]


def test_a_function_error_exits_1_and_include_failed_retries(fake: FakeLambda) -> None:
    [request_id] = seed(1)
    fake.respond = lambda *_: Invocation(Outcome.FUNCTION_ERROR, f"ValueError: {PAYLOAD_MARKER}")

    failed = run_cli("replay", "--function", FUNCTION, "--yes")
    fake.respond = lambda *_: Invocation(Outcome.SUCCEEDED)
    retried = run_cli("replay", "--function", FUNCTION, "--yes", "--include-failed")

    assert (
        failed.exit_code == 1 and "failed 1" in failed.stdout and f"failed {request_id} (ValueError)" in failed.stdout
    )
    assert PAYLOAD_MARKER not in failed.output
    assert retried.exit_code == 0 and status_of(request_id) == "replayed"


def test_an_unknown_id_exits_2_before_replaying_anything(fake: FakeLambda) -> None:
    ids = seed(2)

    result = run_cli("replay", "--function", FUNCTION, "--yes", "--id", ids[1], "--id", "nope")

    assert result.exit_code == 2 and "nope" in result.stderr and fake.calls == []


def test_ids_replay_only_those(fake: FakeLambda) -> None:
    ids = seed(3)

    result = run_cli("replay", "--function", FUNCTION, "--yes", "--id", ids[2], "--id", ids[0])

    assert result.exit_code == 0
    assert [event["n"] for event in fake.events] == [0, 2]


def test_nothing_pending_is_a_success(fake: FakeLambda) -> None:
    result = run_cli("replay", "--function", FUNCTION, "--yes")

    assert result.exit_code == 0 and "nothing to replay" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "missing --function NAME"),
        (["--function", FUNCTION, "--concurrency", "0"], "Invalid value for '--concurrency': 0 is not in the range"),
        (["--function", FUNCTION, "--rate", "0"], "Invalid value for '--rate': 0.0 is not in the range"),
    ],
    ids=["no function", "zero concurrency", "zero rate"],
)
def test_bad_usage_exits_2_naming_the_option_and_value(args: list[str], message: str, fake: FakeLambda) -> None:
    result = run_cli("replay", *args)

    assert result.exit_code == 2
    assert message in result.stderr
    assert fake.events == []
