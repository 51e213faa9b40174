"""The Go proxy's records are the Python gate's: written by the proxy, listed and replayed by the Python CLI.

The proxy is the real binary (built by ``layer.proxy``), its AWS calls go to the moto
server, and Lambda's side of the Runtime API is a small fake here: it hands out
events on ``/next`` and records what the proxy posts. A minimal runtime holds the
proxy's ``/next`` the way a runtime's interface client does. The replay then goes
through the Python CLI to a Python function gated by the layer under AWS's emulator,
so a record the proxy kept reaches a handler unchanged. What neither fake can show:
Lambda's own timing of ``/next``; the runtimes' real interface clients under the
emulator are the ``runtimes`` tests.
"""

from __future__ import annotations

import json
import os
import queue
import select
import subprocess
import threading
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from gate.deferral import table as schema
from layer.proxy import ProxyBuildError, build_proxy
from tests.e2e.conftest import IN_CI, Stack
from tests.e2e.test_replay_under_emulator import FUNCTION, cli, gated_function, received_events, statuses

pytestmark = pytest.mark.e2e

NEXT = "/2018-06-01/runtime/invocation/next"
READY_SECONDS = 10.0
DEADLINE_MS = "4102444800000"  # 2100: no store here runs out of time


class FakeRuntimeAPI:
    """Lambda's side: queued events on /next; every POST recorded as (path, headers, body)."""

    def __init__(self) -> None:
        self.events: queue.Queue[tuple[str, bytes, dict[str, str]]] = queue.Queue()
        self.posts: queue.Queue[tuple[str, dict[str, str], bytes]] = queue.Queue()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                try:
                    request_id, body, headers = fake.events.get(timeout=30)
                except queue.Empty:
                    self.send_response(500)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Lambda-Runtime-Aws-Request-Id", request_id)
                self.send_header("Lambda-Runtime-Deadline-Ms", DEADLINE_MS)
                self.send_header(
                    "Lambda-Runtime-Invoked-Function-Arn", f"arn:aws:lambda:us-east-1:123456789012:function:{FUNCTION}"
                )
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                fake.posts.put((self.path, dict(self.headers.items()), body))
                self.send_response(202)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.server.server_address[1]}"

    def post(self, timeout: float = 20.0) -> tuple[str, dict[str, str], bytes]:
        return self.posts.get(timeout=timeout)


@pytest.fixture(scope="session")
def proxy_binary(tmp_path_factory: pytest.TempPathFactory) -> Path:
    binary = tmp_path_factory.mktemp("proxy") / "maintenance-gate-proxy"
    try:
        build_proxy("x86_64" if os.uname().machine == "x86_64" else "arm64", binary)
    except ProxyBuildError as exc:
        if IN_CI:
            pytest.fail(f"{exc} (CI=true: end-to-end tests may not be skipped)")
        pytest.skip(str(exc))
    return binary


@pytest.fixture
def runtime_api() -> Iterator[FakeRuntimeAPI]:
    fake = FakeRuntimeAPI()
    fake.thread.start()
    yield fake
    fake.server.shutdown()
    fake.server.server_close()


def start_proxy(
    binary: Path, stack: Stack, runtime_api: FakeRuntimeAPI, log: Path
) -> tuple[subprocess.Popen[bytes], str]:
    environment = {
        "PATH": os.environ.get("PATH", ""),
        **stack.gate_environment(GATE_SSM_CONNECT_TIMEOUT_SECONDS="5", GATE_SSM_READ_TIMEOUT_SECONDS="5"),
        "AWS_LAMBDA_RUNTIME_API": runtime_api.address,
        "AWS_LAMBDA_FUNCTION_NAME": FUNCTION,
    }
    with log.open("wb") as stderr:
        process = subprocess.Popen(
            [str(binary)], env=environment, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=stderr
        )
    assert process.stdout is not None
    ready, _, _ = select.select([process.stdout], [], [], READY_SECONDS)
    assert ready, f"the proxy wrote no address within {READY_SECONDS} s: {log.read_text()}"
    address = process.stdout.readline().decode().strip()
    assert address.startswith("127.0.0.1:"), address
    return process, address


@pytest.fixture
def launch(proxy_binary: Path, stack: Stack, runtime_api: FakeRuntimeAPI, tmp_path: Path) -> Iterator[Any]:
    """Starts the proxy (after the test has set its window, which the proxy reads at start)."""
    started: list[subprocess.Popen[bytes]] = []

    def start() -> str:
        process, address = start_proxy(proxy_binary, stack, runtime_api, tmp_path / f"proxy-{len(started)}.log")
        started.append(process)
        return address

    yield start
    for process in started:
        process.terminate()
        process.wait(timeout=10)
        if process.stdout is not None:
            process.stdout.close()


def hold_next(address: str) -> queue.Queue[tuple[str, bytes]]:
    """A minimal runtime: one GET /next on the proxy, its answer put in the queue returned."""
    answers: queue.Queue[tuple[str, bytes]] = queue.Queue()

    def wait() -> None:
        try:
            with urllib.request.urlopen(f"http://{address}{NEXT}", timeout=120) as response:
                answers.put((response.headers["Lambda-Runtime-Aws-Request-Id"], response.read()))
        except OSError:
            pass  # the proxy stopped at the end of the test, as a runtime sees it on Lambda

    threading.Thread(target=wait, daemon=True).start()
    return answers


def test_records_the_proxy_writes_are_listed_and_replayed_by_the_python_cli(
    stack: Stack, runtime_api: FakeRuntimeAPI, launch: Any, start_function: Any
) -> None:
    # GIVEN a maintenance window, and a runtime holding the proxy's /next
    stack.put_window({"mode": "maintenance"})
    answers = hold_next(launch())
    events = [
        {"tag": "proxy", "n": n, "big": 2**70 + n, "pi": 3.141592653589793, "text": f"caffè {n} 🚀"} for n in range(5)
    ]
    oversized = {"tag": "proxy", "n": 5, "blob": os.urandom(400_000).hex()}  # over the inline limit: S3
    events.append(oversized)
    client_context = json.dumps({"custom": {"tenant": "a"}, "env": {"locale": "fr"}})

    # WHEN Lambda hands the proxy six events
    for n, event in enumerate(events):
        body = json.dumps(event, ensure_ascii=False).encode()
        runtime_api.events.put((f"proxy-req-{n}", body, {"Lambda-Runtime-Client-Context": client_context}))

    # THEN the proxy answers each itself, "deferred", after storing it, while the runtime waits
    answered = sorted(runtime_api.post() for _ in events)
    for n, (path, _, body) in enumerate(answered):
        assert path == f"/2018-06-01/runtime/invocation/proxy-req-{n}/response"
        assert json.loads(body)["deferred"] is True, body
    assert answers.empty(), "the runtime's /next returned while the proxy answered events itself"
    records = {record[schema.KEY]["S"]: record for record in stack.records()}
    assert sorted(records) == [f"proxy-req-{n}" for n in range(6)]
    assert schema.OVERFLOW_KEY in records["proxy-req-5"] and schema.EVENT not in records["proxy-req-5"]
    assert [stack.stored_event(records[f"proxy-req-{n}"]) for n in range(6)] == events
    stored_context = json.loads(records["proxy-req-0"][schema.CLIENT_CONTEXT]["S"])
    assert stored_context == {"custom": {"tenant": "a"}, "env": {"locale": "fr"}}

    # AND the Python CLI lists them
    listed = cli(stack, "deferred", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    assert sorted(entry["id"] for entry in json.loads(listed.stdout)) == sorted(records)

    # AND, the window over, replays each once to a gated Python function, unchanged
    stack.put_window({"mode": "auto"})
    function = gated_function(stack, start_function)
    replayed = cli(stack, "replay", "--function", FUNCTION, "--yes", lambda_url=function.url)
    assert replayed.returncode == 0, replayed.stdout + replayed.stderr
    assert "replayed 6, failed 0, skipped 0" in replayed.stdout
    assert received_events(stack) == events
    assert statuses(stack) == {"replayed": 6}


def test_an_event_outside_a_window_reaches_the_runtime_and_nothing_is_stored(
    stack: Stack, runtime_api: FakeRuntimeAPI, launch: Any
) -> None:
    answers = hold_next(launch())
    body = b'{"order": 1,  "note": "spacing and \\u00e9scapes kept"}'

    runtime_api.events.put(("outside-1", body, {"Lambda-Runtime-Cognito-Identity": '{"cognitoIdentityId":"x"}'}))

    request_id, delivered = answers.get(timeout=20)
    assert (request_id, delivered) == ("outside-1", body)
    assert stack.records() == []
    assert runtime_api.posts.empty()


def test_a_store_that_fails_fails_the_invocation_and_never_says_stored(
    stack: Stack, runtime_api: FakeRuntimeAPI, launch: Any
) -> None:
    # GIVEN a window, and the table gone from under the proxy
    stack.put_window({"mode": "maintenance"})
    stack.dynamodb.delete_table(TableName=stack.table)
    hold_next(launch())

    runtime_api.events.put(("lost-1", b'{"n": 1}', {}))

    path, headers, body = runtime_api.post()
    assert path == "/2018-06-01/runtime/invocation/lost-1/error"
    assert headers["Lambda-Runtime-Function-Error-Type"] == "DeferralStoreError"
    assert json.loads(body)["errorType"] == "DeferralStoreError"
    assert "ResourceNotFoundException" in json.loads(body)["errorMessage"]
