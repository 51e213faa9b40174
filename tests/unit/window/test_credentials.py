"""Credentials for the window read: the environment's keys, then the container credentials endpoint."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from gate.window.credentials import CredentialSource, container_endpoint
from gate.window.errors import CredentialRetrievalError
from gate.window.sigv4 import Credentials

EXPIRES = "2026-12-01T06:00:00Z"
EXPIRES_AT = 1_796_104_800.0  # EXPIRES as a timestamp


class CredentialsEndpoint:
    """The container credentials endpoint, as Lambda serves it to SnapStart and Managed Instances."""

    def __init__(self) -> None:
        self.served = 0
        self.authorizations: list[str | None] = []
        self.status = 200
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                fake.authorizations.append(self.headers.get("Authorization"))
                fake.served += 1
                body = json.dumps(
                    {
                        "AccessKeyId": f"ASIA{fake.served}",
                        "SecretAccessKey": "secret",
                        "Token": "token",
                        "Expiration": EXPIRES,
                    }
                ).encode()
                self.send_response(fake.status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/2021-04-23/credentials"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def endpoint() -> Iterator[CredentialsEndpoint]:
    fake = CredentialsEndpoint()
    yield fake
    fake.server.shutdown()
    fake.server.server_close()


def source(environ: dict[str, str], clock: Any = lambda: EXPIRES_AT - 3600) -> CredentialSource:
    return CredentialSource(environ, connect_timeout=0.5, read_timeout=0.5, clock=clock)


def test_the_environment_keys_come_first(endpoint: CredentialsEndpoint) -> None:
    environ = {
        "AWS_ACCESS_KEY_ID": "AKID",
        "AWS_SECRET_ACCESS_KEY": "secret",
        "AWS_SESSION_TOKEN": "t",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI": endpoint.url,
    }

    assert source(environ).get() == Credentials("AKID", "secret", "t")
    assert endpoint.served == 0


def test_the_container_endpoint_is_asked_with_its_token_and_cached(endpoint: CredentialsEndpoint) -> None:
    credentials = source(
        {"AWS_CONTAINER_CREDENTIALS_FULL_URI": endpoint.url, "AWS_CONTAINER_AUTHORIZATION_TOKEN": "Bearer abc"}
    )

    first, second = credentials.get(), credentials.get()

    assert first == second == Credentials("ASIA1", "secret", "token")
    assert endpoint.authorizations == ["Bearer abc"]


def test_the_token_file_takes_precedence_over_the_token(endpoint: CredentialsEndpoint, tmp_path: Path) -> None:
    token_file = tmp_path / "token"
    token_file.write_text("from-the-file\n")

    source(
        {
            "AWS_CONTAINER_CREDENTIALS_FULL_URI": endpoint.url,
            "AWS_CONTAINER_AUTHORIZATION_TOKEN": "from-the-variable",
            "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": str(token_file),
        }
    ).get()

    assert endpoint.authorizations == ["from-the-file"]


def test_credentials_are_renewed_before_they_expire(endpoint: CredentialsEndpoint) -> None:
    now = [EXPIRES_AT - 3600]
    credentials = source({"AWS_CONTAINER_CREDENTIALS_FULL_URI": endpoint.url}, clock=lambda: now[0])
    assert credentials.get().access_key == "ASIA1"

    now[0] = EXPIRES_AT - 1200  # twenty minutes left: keep them
    assert credentials.get().access_key == "ASIA1"
    now[0] = EXPIRES_AT - 300  # five minutes left: renew
    assert credentials.get().access_key == "ASIA2"


def test_a_failing_endpoint_raises_a_named_error(endpoint: CredentialsEndpoint) -> None:
    endpoint.status = 403

    with pytest.raises(CredentialRetrievalError, match="HTTP 403"):
        source({"AWS_CONTAINER_CREDENTIALS_FULL_URI": endpoint.url}).get()
    assert endpoint.served == 1  # a refusal is not retried


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "/v2/creds"}, "http://169.254.170.2/v2/creds"),
        ({"AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://127.0.0.1:9001/c"}, "http://127.0.0.1:9001/c"),
        ({"AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://169.254.170.23/c"}, "http://169.254.170.23/c"),
        ({"AWS_CONTAINER_CREDENTIALS_FULL_URI": "https://creds.example.com/c"}, "https://creds.example.com/c"),
        ({}, None),
    ],
)
def test_the_container_endpoint_follows_the_sdks_rules(environ: dict[str, str], expected: str | None) -> None:
    assert container_endpoint(environ) == expected


def test_a_plain_http_endpoint_on_a_foreign_host_is_refused() -> None:
    with pytest.raises(CredentialRetrievalError, match="AWS_CONTAINER_CREDENTIALS_FULL_URI"):
        container_endpoint({"AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://203.0.113.9/creds"})
