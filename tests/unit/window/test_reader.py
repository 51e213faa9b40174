"""ParameterFetcher: signed GetParameter without botocore, boto3's endpoint rules, botocore's error names."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from gate.aws import error_code
from gate.local.servers import free_port
from gate.window.errors import EndpointConnectionError, ReadTimeoutError, ServiceError
from gate.window.reader import ParameterFetcher, ssm_endpoint

CREDENTIALS = {"AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "secret", "AWS_SESSION_TOKEN": "token"}


class FakeSsm:
    """A tiny SSM endpoint on 127.0.0.1 answering from a script of (status, body)."""

    def __init__(self, script: list[tuple[int, dict[str, Any]]]) -> None:
        self.script = script
        self.requests: list[dict[str, str]] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                fake.requests.append({**dict(self.headers), "body": body.decode()})
                status, payload = fake.script.pop(0) if len(fake.script) > 1 else fake.script[0]
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def fake_ssm(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeSsm]:
    for name, value in {**CREDENTIALS, "AWS_DEFAULT_REGION": "eu-south-1"}.items():
        monkeypatch.setenv(name, value)
    fake = FakeSsm(request.param)
    yield fake
    fake.stop()


def fetcher(url: str) -> ParameterFetcher:
    return ParameterFetcher("/gate/window", connect_timeout=1, read_timeout=1, environ={"AWS_ENDPOINT_URL_SSM": url})


VALUE = (200, {"Parameter": {"Name": "/gate/window", "Value": '{"mode": "live"}', "Version": 3}})


@pytest.mark.parametrize("fake_ssm", [[VALUE]], indirect=True)
def test_the_request_is_a_signed_get_parameter(fake_ssm: FakeSsm) -> None:
    assert fetcher(fake_ssm.url)() == '{"mode": "live"}'

    [request] = fake_ssm.requests
    assert request["X-Amz-Target"] == "AmazonSSM.GetParameter"
    assert json.loads(request["body"]) == {"Name": "/gate/window"}
    assert request["Authorization"].startswith("AWS4-HMAC-SHA256 Credential=AKID/")
    assert "/eu-south-1/ssm/aws4_request" in request["Authorization"]
    assert request["X-Amz-Security-Token"] == "token"
    assert request["Host"] == fake_ssm.url.removeprefix("http://")
    assert "host;x-amz-date;x-amz-security-token;x-amz-target" in request["Authorization"]


@pytest.mark.parametrize("fake_ssm", [[VALUE]], indirect=True)
def test_the_version_is_read_with_the_value(fake_ssm: FakeSsm) -> None:
    parameter = fetcher(fake_ssm.url).read()

    assert (parameter.value, parameter.version) == ('{"mode": "live"}', 3)


@pytest.mark.parametrize(
    "fake_ssm", [[(400, {"__type": "ThrottlingException", "message": "slow down"}), VALUE]], indirect=True
)
def test_throttling_is_not_retried_within_a_read(fake_ssm: FakeSsm) -> None:
    # The cache's back-off is the retry: a second request here would double a throttled fleet's load.
    with pytest.raises(ServiceError, match="ThrottlingException"):
        fetcher(fake_ssm.url)()

    assert len(fake_ssm.requests) == 1
    assert fetcher(fake_ssm.url)() == '{"mode": "live"}'  # the next read, one back-off later


@pytest.mark.parametrize(
    "fake_ssm",
    [[(500, {"__type": "InternalServerError"}), VALUE], [(503, {"__type": "ServiceUnavailable"}), VALUE]],
    indirect=True,
)
def test_other_transient_errors_are_retried_once(fake_ssm: FakeSsm) -> None:
    assert fetcher(fake_ssm.url)() == '{"mode": "live"}'
    assert len(fake_ssm.requests) == 2


@pytest.mark.parametrize(
    ("fake_ssm", "code"),
    [
        ([(400, {"__type": "ParameterNotFound"})], "ParameterNotFound"),
        (
            [(400, {"__type": "com.amazon.coral.service#AccessDeniedException", "Message": "no"})],
            "AccessDeniedException",
        ),
        ([(400, {"__type": "ThrottlingException"})], "ThrottlingException"),
        ([(500, {})], "HTTP500"),
    ],
    indirect=["fake_ssm"],
)
def test_failures_carry_the_aws_code_as_botocores_client_error_did(fake_ssm: FakeSsm, code: str) -> None:
    with pytest.raises(ServiceError) as failure:
        fetcher(fake_ssm.url)()

    assert failure.value.response["Error"]["Code"] == code
    assert error_code(failure.value) == code
    assert len(fake_ssm.requests) == 1


def test_an_unreachable_endpoint_raises_after_its_retry(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {**CREDENTIALS, "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(name, value)

    with pytest.raises(EndpointConnectionError) as failure:
        fetcher(f"http://127.0.0.1:{free_port()}")()

    assert error_code(failure.value) == "EndpointConnectionError"


def test_an_endpoint_that_never_answers_raises_a_read_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {**CREDENTIALS, "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(name, value)
    silent = socket.create_server(("127.0.0.1", 0))  # accepts connections, never answers
    try:
        url = f"http://127.0.0.1:{silent.getsockname()[1]}"
        slow = ParameterFetcher(
            "/gate/window", connect_timeout=0.2, read_timeout=0.2, environ={"AWS_ENDPOINT_URL": url}
        )
        with pytest.raises(ReadTimeoutError) as failure:
            slow()
    finally:
        silent.close()

    assert error_code(failure.value) == "ReadTimeoutError"


@pytest.mark.parametrize(
    ("region", "environ", "expected"),
    [
        ("eu-west-1", {}, "https://ssm.eu-west-1.amazonaws.com"),
        ("cn-north-1", {}, "https://ssm.cn-north-1.amazonaws.com.cn"),
        ("us-east-1", {"AWS_USE_FIPS_ENDPOINT": "true"}, "https://ssm-fips.us-east-1.amazonaws.com"),
        ("us-east-1", {"AWS_ENDPOINT_URL": "http://a"}, "http://a"),
        ("us-east-1", {"AWS_ENDPOINT_URL": "http://a", "AWS_ENDPOINT_URL_SSM": "http://b"}, "http://b"),
        (
            "us-east-1",
            {"AWS_ENDPOINT_URL": "http://a", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true"},
            "https://ssm.us-east-1.amazonaws.com",
        ),
    ],
)
def test_the_endpoint_follows_boto3s_settings(region: str, environ: dict[str, str], expected: str) -> None:
    assert ssm_endpoint(region, environ) == expected
