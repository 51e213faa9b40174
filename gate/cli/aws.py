"""boto3 clients for the CLI: standard AWS settings, with patience suited to an operator's terminal.

With ``--stack``, the region is the stack's own (its ``region`` output), not the
shell's: the names read from a stack only exist where that stack lives.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import Any

from gate.aws import make_client

_CONNECT_TIMEOUT = 5.0
_READ_TIMEOUT = 30.0
_MAX_ATTEMPTS = 5

RegionSource = Callable[[], "str | None"]
_region_source: ContextVar[RegionSource | None] = ContextVar("region_source", default=None)


@contextlib.contextmanager
def region_from(source: RegionSource) -> Iterator[None]:
    """Clients made inside take their region from ``source`` (asked lazily; None keeps the default)."""
    token = _region_source.set(source)
    try:
        yield
    finally:
        _region_source.reset(token)


def client(service: str) -> Any:
    source = _region_source.get()
    region = source() if source is not None else None
    if region is None:
        return make_client(
            service, connect_timeout=_CONNECT_TIMEOUT, read_timeout=_READ_TIMEOUT, max_attempts=_MAX_ATTEMPTS
        )
    import boto3
    from botocore.config import Config

    config = Config(
        connect_timeout=_CONNECT_TIMEOUT,
        read_timeout=_READ_TIMEOUT,
        retries={"mode": "standard", "total_max_attempts": _MAX_ATTEMPTS},
        user_agent_extra="maintenance-gate",
    )
    return boto3.client(service, region_name=region, config=config)
