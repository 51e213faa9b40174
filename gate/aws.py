"""AWS for the gate and the tools: boto3 clients with deliberate budgets, and failures named one way.

Endpoints and credentials come from the standard AWS settings, so
``AWS_ENDPOINT_URL`` and ``AWS_ENDPOINT_URL_<SERVICE>`` reach a local moto server.
boto3 is imported only when a client is made, so the init path can import this module.
"""

from __future__ import annotations

from collections.abc import Callable

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (gate.records says why)

if TYPE_CHECKING:
    from typing import Any, TypeAlias

# Makes the boto3 client for a service name; injected so tests and benchmarks can count calls.
ClientFactory: TypeAlias = "Callable[[str], Any]"

# Window reads by the replayer only affect when it starts: fail fast.
SSM_MAX_ATTEMPTS = 2
# DynamoDB and S3 hold the event itself: a little more patience before failing the
# invocation, still well inside a typical function timeout.
STORE_CONNECT_TIMEOUT = 2.0
STORE_READ_TIMEOUT = 5.0
STORE_MAX_ATTEMPTS = 3


def make_client(service: str, *, connect_timeout: float, read_timeout: float, max_attempts: int) -> Any:
    # boto3's default session shares its loader cache with the handler's own clients,
    # which keeps the gate's share of a cold start small.
    import boto3
    from botocore.config import Config

    config = Config(
        connect_timeout=connect_timeout,
        read_timeout=read_timeout,
        # total_max_attempts counts the first try; botocore's max_attempts would not.
        retries={"mode": "standard", "total_max_attempts": max_attempts},
        user_agent_extra="maintenance-gate",
    )
    return boto3.client(service, config=config)


def ssm_client(connect_timeout: float = 1.0, read_timeout: float = 1.0) -> Any:
    """For the replayer; the gate itself reads the window with gate.window.reader, which skips the model load."""
    return make_client("ssm", connect_timeout=connect_timeout, read_timeout=read_timeout, max_attempts=SSM_MAX_ATTEMPTS)


def store_client(service: str) -> Any:
    return make_client(
        service, connect_timeout=STORE_CONNECT_TIMEOUT, read_timeout=STORE_READ_TIMEOUT, max_attempts=STORE_MAX_ATTEMPTS
    )


def error_code(exc: BaseException) -> str:
    """The AWS error code of a botocore ClientError, else the exception's class name."""
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        code = response.get("Error", {}).get("Code")
        if code:
            return str(code)
    return type(exc).__name__


def describe(exc: BaseException, limit: int = 300) -> str:
    text = f"{error_code(exc)}: {exc}"
    return text if len(text) <= limit else text[:limit] + "..."


def is_conditional_failure(exc: BaseException) -> bool:
    """Whether DynamoDB refused a write because its condition did not hold (not an outage)."""
    return error_code(exc) == "ConditionalCheckFailedException"
