"""End-to-end fixtures: a moto server on 127.0.0.1 and the layer under AWS's emulator.

When CI=true a missing emulator or moto server fails the run; elsewhere the
end-to-end tests are skipped with the reason, so a partial checkout still tests.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from gate import schema
from gate.local.servers import Emulator, LocalServerError, MotoServer, built_layer, emulator_path

HANDLERS_DIR = Path(__file__).resolve().parent / "handlers"
IN_CI = os.environ.get("CI", "").lower() == "true"


def _unavailable(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: end-to-end tests may not be skipped)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def moto_server() -> Iterator[MotoServer]:
    try:
        server = MotoServer().start()
    except (LocalServerError, OSError) as exc:
        _unavailable(f"moto server unavailable: {exc}")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def layer_dir() -> Iterator[Path]:
    try:
        emulator_path()
    except LocalServerError as exc:
        _unavailable(str(exc))
    with built_layer() as path:
        yield path


class Stack:
    """One isolated set of gate resources on the moto server, like one deployed stack."""

    def __init__(self, server: MotoServer, tmp_path: Path) -> None:
        suffix = uuid.uuid4().hex[:8]
        self.server = server
        self.parameter = f"/maintenance-gate/test-{suffix}/window"
        self.table = f"gate-test-{suffix}"
        self.bucket = f"gate-test-{suffix}"
        self.received_file = tmp_path / "received.jsonl"
        self.ssm = self.client("ssm")
        self.dynamodb = self.client("dynamodb")
        self.s3 = self.client("s3")
        schema.create_table(self.dynamodb, self.table)
        self.s3.create_bucket(Bucket=self.bucket)
        self.put_window({"mode": "auto"})

    def client(self, service: str) -> Any:
        env = self.server.client_environment()
        return boto3.client(
            service,
            endpoint_url=self.server.url,
            region_name=env["AWS_DEFAULT_REGION"],
            aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
        )

    def put_window(self, document: dict[str, Any] | str) -> None:
        value = document if isinstance(document, str) else json.dumps(document)
        self.ssm.put_parameter(Name=self.parameter, Value=value, Type="String", Overwrite=True)

    def gate_environment(self, **extra: str) -> dict[str, str]:
        return {
            **self.server.client_environment(),
            "GATE_PARAMETER_NAME": self.parameter,
            "GATE_TABLE_NAME": self.table,
            "GATE_OVERFLOW_BUCKET": self.bucket,
            "GATE_CACHE_TTL_SECONDS": "1",
            "PROBE_RECEIVED_FILE": str(self.received_file),
            **extra,
        }

    def received(self) -> list[dict[str, Any]]:
        if not self.received_file.exists():
            return []
        return [json.loads(line) for line in self.received_file.read_text().splitlines()]

    def records(self) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        for page in self.dynamodb.get_paginator("scan").paginate(TableName=self.table):
            items.extend(page["Items"])
        return items


@pytest.fixture
def stack(moto_server: MotoServer, tmp_path: Path) -> Stack:
    return Stack(moto_server, tmp_path)


@pytest.fixture
def start_function(layer_dir: Path, tmp_path: Path) -> Iterator[Any]:
    """Start an execution environment; gated (through the layer) unless gated=False."""
    started: list[Emulator] = []

    def start(
        handler: str, environment: dict[str, str], *, gated: bool = True, code_dir: Path = HANDLERS_DIR
    ) -> Emulator:
        log = (tmp_path / f"emulator-{len(started)}.log").open("w")
        emulator = Emulator(
            handler=handler,
            code_dir=code_dir,
            environment=environment,
            layer_dir=layer_dir if gated else None,
            function_name="probe",
            log=log,
        )
        started.append(emulator)
        return emulator.start()

    yield start
    for emulator in started:
        emulator.stop()
        if emulator.log is not None:
            emulator.log.close()


def invoke(emulator: Emulator, event: Any, **kwargs: Any) -> tuple[dict[str, Any], Any]:
    """Invoke through the emulator's endpoint with boto3's Lambda client."""
    response = emulator.lambda_client().invoke(FunctionName="function", Payload=json.dumps(event).encode(), **kwargs)
    return response, json.loads(response["Payload"].read() or b"null")
