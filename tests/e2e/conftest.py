"""End-to-end fixtures: a moto server on 127.0.0.1 and the layer under AWS's emulator.

When CI=true a missing emulator or moto server fails the run; elsewhere the
end-to-end tests are skipped with the reason, so a partial checkout still tests.
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import threading
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, NoReturn

import boto3
import pytest

from gate.deferral import codec
from gate.deferral import table as schema
from gate.local.servers import (
    Emulator,
    LocalServerError,
    MotoServer,
    RuntimeUnavailableError,
    built_layer,
    emulator_path,
)

HANDLERS_DIR = Path(__file__).resolve().parent / "handlers"
LAYERS_DIR = Path(__file__).resolve().parent / "layers"
IN_CI = os.environ.get("CI", "").lower() == "true"


def _unavailable(reason: str) -> NoReturn:
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

    def stored_event(self, item: dict[str, Any]) -> Any:
        """The event a record keeps, from DynamoDB or the overflow bucket, decoded by gate.deferral.codec."""
        if schema.OVERFLOW_KEY in item:
            body = self.s3.get_object(Bucket=self.bucket, Key=item[schema.OVERFLOW_KEY]["S"])["Body"].read()
        else:
            body = item[schema.EVENT]["B"]
        return codec.decode_event(body, item[schema.EVENT_ENCODING]["S"])

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
    """Start an execution environment; gated (through the layer) unless gated=False.

    The emulator answers only for the function name ``function``: a function that is
    to be invoked through the Lambda API by name (replay) must be started with
    ``function_name="function"``. ``opt_dir`` stands in for ``/opt`` (see
    ``compose_opt``); gated, it must hold the layer's wrapper. ``runtime`` picks the
    runtime's stand-in bootstrap (see ``Emulator``).
    """
    started: list[Emulator] = []

    def start(
        handler: str,
        environment: dict[str, str],
        *,
        gated: bool = True,
        code_dir: Path = HANDLERS_DIR,
        function_name: str = "probe",
        opt_dir: Path | None = None,
        runtime: str = "python",
    ) -> Emulator:
        log = (tmp_path / f"emulator-{len(started)}.log").open("w")
        emulator = Emulator(
            handler=handler,
            code_dir=code_dir,
            environment=environment,
            layer_dir=(opt_dir or layer_dir) if gated else None,
            opt_dir=opt_dir,
            function_name=function_name,
            log=log,
            runtime=runtime,
        )
        started.append(emulator)
        try:
            return emulator.start()
        except RuntimeUnavailableError as exc:
            _unavailable(str(exc))

    yield start
    for emulator in started:
        emulator.stop()
        if emulator.log is not None:
            emulator.log.close()


@pytest.fixture
def compose_opt(layer_dir: Path, tmp_path: Path) -> Any:
    """``compose_opt(*layers)``: a temp ``/opt`` holding this layer and the given ones.

    Lambda unpacks every layer of a function into ``/opt``, in order, one over the
    other. Each extra layer is a directory to copy (modes kept) or a mapping of
    relative path to file text.
    """

    def compose(*layers: Path | dict[str, str]) -> Path:
        opt = tmp_path / f"opt-{uuid.uuid4().hex[:8]}"
        shutil.copytree(layer_dir, opt)
        for layer in layers:
            if isinstance(layer, Path):
                shutil.copytree(layer, opt, dirs_exist_ok=True)
                continue
            for relative, text in layer.items():
                target = opt / relative
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(text)
        return opt

    return compose


def invoke(emulator: Emulator, event: Any, **kwargs: Any) -> tuple[dict[str, Any], Any]:
    """Invoke through the emulator's endpoint with boto3's Lambda client."""
    response = emulator.lambda_client().invoke(FunctionName="function", Payload=json.dumps(event).encode(), **kwargs)
    return response, json.loads(response["Payload"].read() or b"null")


class LambdaFrontDoor:
    """Lambda's front end for a function with reserved concurrency N, over N emulators.

    The emulator runs one invocation at a time and crashes on a concurrent one
    (aws/aws-lambda-runtime-interface-emulator#97). Lambda instead runs each invocation
    in an idle execution environment, and answers 429 TooManyRequestsException when
    the function's concurrency is used up; this does the same.
    """

    def __init__(self, backends: list[Emulator]) -> None:
        self.idle: queue.SimpleQueue[str] = queue.SimpleQueue()
        for backend in backends:
            self.idle.put(backend.url)
        self.throttled = 0
        self.forwarded = 0
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> LambdaFrontDoor:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def _count(self, name: str) -> None:
        with self._lock:
            setattr(self, name, getattr(self, name) + 1)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        door = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                try:
                    backend = door.idle.get_nowait()
                except queue.Empty:
                    door._count("throttled")
                    self._answer(
                        429,
                        {"x-amzn-ErrorType": "TooManyRequestsException", "Content-Type": "application/json"},
                        json.dumps({"Type": "User", "message": "Rate Exceeded."}).encode(),
                    )
                    return
                try:
                    door._count("forwarded")
                    self._forward(backend, body)
                finally:
                    door.idle.put(backend)

            def _forward(self, backend: str, body: bytes) -> None:
                headers = {key: value for key, value in self.headers.items() if key.lower().startswith("x-amz")}
                request = urllib.request.Request(backend + self.path, data=body, headers=headers, method="POST")
                try:
                    with urllib.request.urlopen(request, timeout=60) as response:
                        status, answer, reply = response.status, response.headers, response.read()
                except urllib.error.HTTPError as error:
                    status, answer, reply = error.code, error.headers, error.read()
                wanted = ("x-amz", "content-type")
                kept = {key: value for key, value in answer.items() if key.lower().startswith(wanted)}
                self._answer(status, kept, reply)

            def _answer(self, status: int, headers: dict[str, str], body: bytes) -> None:
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass  # the test's output stays readable

        return Handler


@pytest.fixture
def front_door() -> Iterator[Any]:
    """``front_door(emulators)``: one Lambda endpoint over several execution environments."""
    doors: list[LambdaFrontDoor] = []

    def open_door(backends: list[Emulator]) -> LambdaFrontDoor:
        door = LambdaFrontDoor(backends).start()
        doors.append(door)
        return door

    yield open_door
    for door in doors:
        door.stop()
