"""A real gate in this process, assembled by the same functions ``gate.entry.build_gate`` calls.

``gate.entry`` builds its gate from ``os.environ`` at import time, so the benchmark
puts the same parts together itself: a primed :class:`WindowSource` reading the
parameter from the moto server through the shipped :class:`ParameterFetcher`, and a
:class:`DeferredEventStore`. Every GetParameter request is counted on its way out;
the optional ``on_client`` callback sees every store client before it is used.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from gate.aws import store_client
from gate.config import GateConfig
from gate.deferral.store import DeferredEventStore
from gate.handler import Gate, assemble, store_factory
from gate.local.servers import LOCAL_REGION
from gate.user_handler import Handler
from gate.window.cache import WindowSource, watch_window
from gate.window.reader import ParameterFetcher

ClientHook = Callable[[str, Any], None]
FUNCTION_NAME = "bench"


@dataclass
class Context:
    """The attributes of awslambdaric's LambdaContext that the gate reads."""

    aws_request_id: str = "bench-request"
    function_name: str = FUNCTION_NAME
    invoked_function_arn: str = f"arn:aws:lambda:{LOCAL_REGION}:123456789012:function:{FUNCTION_NAME}"
    client_context: Any = None
    identity: Any = None


@dataclass
class InProcessGate:
    gate: Gate
    source: WindowSource
    store: DeferredEventStore
    fetch: CountingFetch


class CountingFetch:
    """The gate's own fetcher, counting the GetParameter calls it makes."""

    def __init__(self, parameter: str) -> None:
        self._fetch = ParameterFetcher(parameter, connect_timeout=1.0, read_timeout=1.0)
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        return self._fetch()


def build_gate(
    handler: Handler,
    parameter: str,
    table: str,
    bucket: str,
    *,
    ttl_seconds: float = 10.0,
    on_client: ClientHook | None = None,
) -> InProcessGate:
    """Build and prime a gate; boto3's defaults must already point at the moto server."""
    fetch = CountingFetch(parameter)

    def store_clients(service: str) -> Any:
        client = store_client(service)
        if on_client is not None:
            on_client(service, client)
        return client

    config = GateConfig(parameter, table, bucket, cache_ttl_seconds=ttl_seconds)
    source = watch_window(config, fetch)
    store = store_factory(config, store_clients)()
    with quiet_stdout():
        if source.prime().defer:
            store.warm_up()  # as gate.entry does: the first deferral does not create the client
    return InProcessGate(assemble(config, handler, source, lambda: store), source, store, fetch)


@contextlib.contextmanager
def quiet_stdout() -> Iterator[None]:
    """The gate logs JSON lines to stdout (CloudWatch in Lambda); keep them out of the table.

    They go to /dev/null through a real file, so each line still costs its write.
    """
    with open(os.devnull, "w", encoding="utf-8") as sink, contextlib.redirect_stdout(sink):
        yield
