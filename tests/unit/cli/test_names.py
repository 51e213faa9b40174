"""Where names come from: flags, else GATE_* variables, else a Pulumi stack's outputs."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from tests.unit.replay.support import PARAMETER, aws, run_cli  # noqa: F401 - aws: fixture

pytestmark = pytest.mark.usefixtures("aws")

NO_NAMES = {"GATE_PARAMETER_NAME": "", "GATE_TABLE_NAME": "", "GATE_OVERFLOW_BUCKET": ""}


def fake_pulumi(directory: Path, outputs: dict[str, str], exit_code: int = 0) -> str:
    """A ``pulumi`` on PATH that prints the given stack outputs."""
    script = directory / "pulumi"
    script.write_text(
        f'#!/bin/sh\necho "$@" > "{directory}/args"\ncat <<\'JSON\'\n{json.dumps(outputs)}\nJSON\nexit {exit_code}\n'
    )
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return f"{directory}{os.pathsep}{os.environ.get('PATH', '')}"


def test_a_missing_name_exits_2_and_says_how_to_give_it() -> None:
    result = run_cli("deferred", "count", env=NO_NAMES)

    assert result.exit_code == 2
    assert "pass --table, set GATE_TABLE_NAME, or pass --stack NAME" in result.stderr


def test_stack_without_the_pulumi_cli_says_it_is_not_installed(tmp_path: Path) -> None:
    result = run_cli("window", "show", "--stack", "dev", env={**NO_NAMES, "PATH": str(tmp_path)})

    assert result.exit_code == 2
    assert "needs the pulumi CLI, which is not installed" in result.stderr


def test_names_come_from_the_stack_outputs(tmp_path: Path) -> None:
    path = fake_pulumi(tmp_path, {"parameterName": PARAMETER, "tableName": "deferred", "bucketName": "overflow"})

    result = run_cli("window", "show", "--json", "--stack", "dev", env={**NO_NAMES, "PATH": path})

    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["mode"] == "auto"
    assert (tmp_path / "args").read_text().split() == ["stack", "output", "--json", "--stack", "dev"]


def test_a_flag_wins_over_the_environment() -> None:
    result = run_cli("window", "show", "--parameter", "/no/such/parameter")

    assert result.exit_code == 1 and "/no/such/parameter does not exist" in result.stderr


def test_a_failing_pulumi_is_reported(tmp_path: Path) -> None:
    path = fake_pulumi(tmp_path, {}, exit_code=255)

    result = run_cli("window", "show", "--stack", "nope", env={**NO_NAMES, "PATH": path})

    assert result.exit_code == 1 and "pulumi stack output --stack nope` exited 255" in result.stderr


def test_replay_takes_the_stacks_function_when_none_is_given(tmp_path: Path) -> None:
    outputs = {"parameterName": PARAMETER, "tableName": "deferred", "bucketName": "overflow", "functionName": "orders"}
    path = fake_pulumi(tmp_path, outputs)

    result = run_cli("replay", "--stack", "dev", "--dry-run", env={**NO_NAMES, "PATH": path})

    assert result.exit_code == 0, result.output
    assert "would replay 0 record(s) of orders" in result.stdout
