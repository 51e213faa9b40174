"""Small helpers shared by the fault, load and security tests."""

from __future__ import annotations

import inspect
import json
import time
from typing import Any

from awslambdaric.lambda_context import LambdaContext

from gate import aws as clients
from gate.aws import ClientFactory
from gate.config import DEFAULT_INLINE_LIMIT_BYTES, FailMode, GateConfig
from gate.deferral.store import DeferredEventStore
from gate.handler import Gate, assemble
from gate.local.servers import LOCAL_REGION
from gate.user_handler import Handler
from gate.window.cache import Fetch, watch_window
from gate.window.reader import ParameterFetcher
from tests.e2e.conftest import Stack

FUNCTION_NAME = "probe"
FUNCTION_ARN = f"arn:aws:lambda:{LOCAL_REGION}:123456789012:function:{FUNCTION_NAME}"
MAINTENANCE = '{"mode": "maintenance"}'
LIVE = '{"mode": "live"}'


def refresh_bound(connect_timeout: float, read_timeout: float) -> float:
    """The longest one window refresh may block an invocation: every attempt timing out, plus backoff."""
    attempts = inspect.signature(ParameterFetcher).parameters["max_attempts"].default
    backoff = sum(0.05 * 2**attempt for attempt in range(1, attempts))
    return attempts * (connect_timeout + read_timeout) + backoff


def store_call_bound() -> float:
    """The longest one store call may block: every attempt timing out, plus the worst throttling backoff."""
    attempts = clients.STORE_MAX_ATTEMPTS
    backoff = sum(min(2**retry, 20) for retry in range(attempts - 1))
    return attempts * (clients.STORE_CONNECT_TIMEOUT + clients.STORE_READ_TIMEOUT) + backoff


def lambda_context(
    request_id: str,
    *,
    client_context: dict[str, Any] | None = None,
    cognito_identity: dict[str, Any] | None = None,
    remaining_seconds: float = 60.0,
) -> LambdaContext:
    """awslambdaric's own context object for an invocation, ending ``remaining_seconds`` from now."""
    deadline_ms = int(time.time() * 1000 + remaining_seconds * 1000)
    context = LambdaContext(request_id, client_context, cognito_identity, deadline_ms, FUNCTION_ARN)
    context.function_name = FUNCTION_NAME
    return context


def telemetry_records(text: str) -> list[dict[str, Any]]:
    """The gate's JSON log and metric lines in captured output (other lines are skipped)."""
    records = []
    for line in text.splitlines():
        start = line.find("{")
        if start < 0:
            continue
        try:
            record = json.loads(line[start:])
        except ValueError:
            continue
        if isinstance(record, dict):
            records.append(record)
    return records


def logged(records: list[dict[str, Any]], message: str) -> list[dict[str, Any]]:
    return [record for record in records if record.get("logger") == "maintenance-gate" and record["message"] == message]


def metric_values(records: list[dict[str, Any]], name: str) -> list[Any]:
    return [record[name] for record in records if "_aws" in record and name in record]


def store_for(
    stack: Stack,
    client_factory: ClientFactory | None = None,
    inline_limit_bytes: int = DEFAULT_INLINE_LIMIT_BYTES,
    *,
    overflow_bucket: bool = True,
) -> DeferredEventStore:
    """The stack's store; ``overflow_bucket=False`` leaves GATE_OVERFLOW_BUCKET unset."""
    return DeferredEventStore(
        stack.table,
        stack.bucket if overflow_bucket else None,
        inline_limit_bytes=inline_limit_bytes,
        client_factory=client_factory or stack.client,
    )


def refuse(event: Any, context: Any) -> Any:
    raise AssertionError("the handler ran during maintenance")


def gate_for(
    store: DeferredEventStore,
    fetch: Fetch = lambda: MAINTENANCE,
    handler: Handler = refuse,
    *,
    fail_mode: FailMode = FailMode.LIVE,
    ttl_seconds: float = 60.0,
) -> Gate:
    config = GateConfig("parameter", store.table_name, cache_ttl_seconds=ttl_seconds, fail_mode=fail_mode)
    source = watch_window(config, fetch)
    source.prime()
    return assemble(config, handler, source, lambda: store)
