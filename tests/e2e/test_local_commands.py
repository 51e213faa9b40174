"""`python -m gate demo` and `python -m gate sandbox`, run as a user runs them."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
from pathlib import Path

import boto3
import pytest

from gate.local.checkout import REPOSITORY_ROOT
from gate.local.servers import emulator_path

pytestmark = pytest.mark.e2e


@pytest.fixture(autouse=True)
def _needs_emulator(layer_dir: Path) -> None:
    """layer_dir fails (CI) or skips when the emulator is missing."""
    emulator_path()


def clean_environment() -> dict[str, str]:
    return {key: value for key, value in os.environ.items() if not key.startswith(("AWS_", "GATE_"))}


def port_is_closed(url: str) -> bool:
    host, port = url.removeprefix("http://").split(":")
    with socket.socket() as sock:
        return sock.connect_ex((host, int(port))) != 0


def test_the_demo_passes_and_leaves_nothing_running() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "gate", "demo"],
        cwd=REPOSITORY_ROOT,
        env=clean_environment(),
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "demo passed" in result.stdout
    assert "5 of 5 delivered once each, in deferral order" in result.stdout
    urls = set(re.findall(r"listening on (http://127\.0\.0\.1:\d+)", result.stdout))
    assert len(urls) == 2  # the moto server and the function
    assert all(port_is_closed(url) for url in urls)


def test_the_sandbox_serves_a_users_handler_until_interrupted(tmp_path: Path) -> None:
    code = tmp_path / "code"
    code.mkdir()
    (code / "mine.py").write_text("def answer(event, context):\n    return {'mine': event}\n")
    process = subprocess.Popen(
        [sys.executable, "-m", "gate", "sandbox", "--handler", "mine.answer", "--code", str(code)],
        cwd=REPOSITORY_ROOT,
        env=clean_environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        exports: dict[str, str] = {}
        assert process.stdout is not None
        for line in process.stdout:
            if match := re.match(r"\s+export (\w+)=(\S+)", line):
                exports[match.group(1)] = match.group(2).strip("'")
            if "Ctrl-C stops the sandbox" in line:
                break

        lambda_client = boto3.client(
            "lambda",
            endpoint_url=exports["AWS_ENDPOINT_URL_LAMBDA"],
            region_name=exports["AWS_DEFAULT_REGION"],
            aws_access_key_id=exports["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=exports["AWS_SECRET_ACCESS_KEY"],
        )
        answer = lambda_client.invoke(FunctionName="function", Payload=b'{"hello": 1}')["Payload"].read()
        status = subprocess.run(
            [sys.executable, "-m", "gate", "status", "--json"],
            env={**clean_environment(), **exports},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    finally:
        process.send_signal(signal.SIGINT)
        remaining, _ = process.communicate(timeout=30)

    assert json.loads(answer) == {"mine": {"hello": 1}}
    assert status.returncode == 0, status.stdout + status.stderr
    assert process.returncode == 0 and "sandbox stopped." in remaining
    assert port_is_closed(exports["AWS_ENDPOINT_URL"]) and port_is_closed(exports["AWS_ENDPOINT_URL_LAMBDA"])
