"""boto3 clients for the CLI: standard AWS settings, with patience suited to an operator's terminal."""

from __future__ import annotations

from typing import Any

from gate.clients import make_client


def client(service: str) -> Any:
    return make_client(service, connect_timeout=5.0, read_timeout=30.0, max_attempts=5)
