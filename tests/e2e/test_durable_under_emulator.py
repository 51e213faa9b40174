"""A durable function through the layer under AWS's emulator, driven by the durable SDK's local service.

The service side is aws-durable-execution-sdk-python-testing's ``WebRunner`` (the
``dex-local-runner`` server): it starts the execution, invokes the function at the
emulator through the Lambda Invoke API, serves ``CheckpointDurableExecution`` and
``GetDurableExecutionState`` over HTTP, validates each answer, and re-invokes when a
wait is due, on the real clock. Inside the function, the gate and the SDK both reach
it through ``AWS_ENDPOINT_URL_LAMBDA``; the window document and the deferral table
are on the moto server.

What this cannot show: Lambda's own durable service. The WebRunner is AWS's model of
it (the one its SDK is tested against), not the service.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from aws_durable_execution_sdk_python_testing.runner import WebRunner, WebRunnerConfig
from aws_durable_execution_sdk_python_testing.web.server import WebServiceConfig

from gate.callers.durable import HOLD_NAME
from gate.local.servers import LOCAL_CREDENTIALS, LOCAL_REGION, Emulator, free_port
from tests.e2e.conftest import Stack

pytestmark = pytest.mark.e2e

WINDOW_SECONDS = 4


class DurableService:
    """The SDK's local durable service on 127.0.0.1, invoking the function at ``lambda_endpoint``."""

    def __init__(self, port: int, lambda_endpoint: str) -> None:
        self.url = f"http://127.0.0.1:{port}"
        config = WebRunnerConfig(
            web_service=WebServiceConfig(host="127.0.0.1", port=port),
            lambda_endpoint=lambda_endpoint,
            local_runner_endpoint=self.url,
            local_runner_region=LOCAL_REGION,
            invocation_timeout_seconds=30,
        )
        self._runner = WebRunner(config)
        self._runner.start()
        self._thread = threading.Thread(target=self._runner.serve_forever, daemon=True)
        self._thread.start()
        self.client = boto3.client(
            "lambda",
            endpoint_url=self.url,
            region_name=LOCAL_REGION,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )

    def start_execution(self, order: str) -> str:
        import urllib.request

        body = {
            "AccountId": "123456789012",
            "FunctionName": "function",
            "FunctionQualifier": "$LATEST",
            "ExecutionName": f"order-{order}",
            "ExecutionTimeoutSeconds": 120,
            "ExecutionRetentionPeriodDays": 1,
            "Input": json.dumps({"order": order}),
        }
        request = urllib.request.Request(
            f"{self.url}/start-durable-execution",
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return str(json.loads(response.read())["ExecutionArn"])

    def wait_for_end(self, arn: str, timeout: float = 60.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            execution: dict[str, Any] = self.client.get_durable_execution(DurableExecutionArn=arn)
            if execution["Status"] != "RUNNING":
                return execution
            time.sleep(0.25)
        raise AssertionError(f"execution {arn} still running after {timeout} s")

    def history(self, arn: str) -> list[dict[str, Any]]:
        return list(self.client.get_durable_execution_history(DurableExecutionArn=arn)["Events"])

    def stop(self) -> None:
        self._runner.stop()
        self._thread.join(timeout=10)


@pytest.fixture
def durable(
    stack: Stack, layer_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[DurableService, Emulator]]:
    # The WebRunner's own Lambda client signs its Invoke requests: the local credentials.
    for name, value in LOCAL_CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    port = free_port()
    log = (tmp_path / "emulator.log").open("w")
    emulator = Emulator(
        handler="durable_orders.handler",
        code_dir=Path(__file__).resolve().parent / "handlers",
        environment=stack.gate_environment(AWS_ENDPOINT_URL_LAMBDA=f"http://127.0.0.1:{port}"),
        layer_dir=layer_dir,
        log=log,
    ).start()
    service = DurableService(port, emulator.url)
    try:
        yield service, emulator
    finally:
        service.stop()
        emulator.stop()
        log.close()


def in_window_for(stack: Stack, seconds: float) -> None:
    now = time.time()
    stack.put_window(
        {
            "windows": [
                {
                    "start": time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(now - 60)),
                    "end": time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(now + seconds)),
                    "name": "upgrade",
                }
            ]
        }
    )


def test_a_durable_execution_started_in_a_window_waits_it_out_then_runs_each_step_once(
    stack: Stack, durable: tuple[DurableService, Emulator]
) -> None:
    service, _emulator = durable
    # GIVEN a window that ends in a few seconds
    in_window_for(stack, WINDOW_SECONDS)
    started = time.monotonic()

    # WHEN the durable service starts an execution
    arn = service.start_execution("o-7")
    execution = service.wait_for_end(arn)

    # THEN it survived the window and succeeded, after the window's end, each step run exactly once
    assert execution["Status"] == "SUCCEEDED", execution
    assert json.loads(execution["Result"]) == {"charged": "charged o-7", "shipped": "shipped o-7"}
    assert time.monotonic() - started >= WINDOW_SECONDS - 1
    assert [json.loads(line)["step"] for line in stack.received_file.read_text().splitlines()] == [
        "charge o-7",
        "ship o-7",
    ]
    # AND the hold is the gate's durable wait in the execution's history, and nothing was stored
    waits = [event for event in service.history(arn) if event.get("Name") == HOLD_NAME]
    assert waits and all(event["EventType"].startswith("Wait") for event in waits), waits
    assert stack.records() == []


def test_outside_a_window_the_durable_function_runs_as_if_ungated(
    stack: Stack, durable: tuple[DurableService, Emulator]
) -> None:
    service, _emulator = durable

    execution = service.wait_for_end(service.start_execution("o-8"))

    assert execution["Status"] == "SUCCEEDED", execution
    assert [json.loads(line)["step"] for line in stack.received_file.read_text().splitlines()] == [
        "charge o-8",
        "ship o-8",
    ]
    assert HOLD_NAME not in json.dumps(service.history(execution["DurableExecutionArn"]), default=str)
