"""With --stack, the CLI talks to the region the stack exported, whatever the shell's region."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import boto3
import pytest

from gate.cli.aws import client, region_from
from tests.unit.replay.support import aws, run_cli  # noqa: F401 - aws: fixture

pytestmark = pytest.mark.usefixtures("aws")

NO_NAMES = {"GATE_PARAMETER_NAME": "", "GATE_TABLE_NAME": "", "GATE_OVERFLOW_BUCKET": ""}
STACK_REGION = "eu-west-1"
PARAMETER = "/gate/eu-window"


def fake_pulumi(directory: Path, outputs: dict[str, str]) -> str:
    script = directory / "pulumi"
    script.write_text(f"#!/bin/sh\ncat <<'JSON'\n{json.dumps(outputs)}\nJSON\n")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return f"{directory}{os.pathsep}{os.environ.get('PATH', '')}"


def test_a_stack_in_another_region_is_read_where_it_lives(tmp_path: Path) -> None:
    # GIVEN a window parameter that exists only in the stack's region, and a shell in us-east-1
    document = {"mode": "maintenance", "windows": [], "recurring": []}
    boto3.client("ssm", region_name=STACK_REGION).put_parameter(
        Name=PARAMETER, Value=json.dumps(document), Type="String"
    )
    outputs = {"parameterName": PARAMETER, "tableName": "deferred", "region": STACK_REGION}

    # WHEN the CLI reads the window through --stack
    result = run_cli(
        "window", "show", "--json", "--stack", "dev", env={**NO_NAMES, "PATH": fake_pulumi(tmp_path, outputs)}
    )

    # THEN it asked the stack's region, not the shell's (where the parameter is not found)
    assert os.environ["AWS_DEFAULT_REGION"] == "us-east-1"
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["mode"] == "maintenance"


def test_without_a_stack_region_the_shells_region_applies() -> None:
    with region_from(lambda: None):
        assert client("ssm").meta.region_name == "us-east-1"
    with region_from(lambda: STACK_REGION):
        assert client("ssm").meta.region_name == STACK_REGION
    assert client("ssm").meta.region_name == "us-east-1"
