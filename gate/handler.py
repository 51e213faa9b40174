"""The gate itself: run the handler, or hand the event to the deferrer, which answers its caller.

This is the hot path of every invocation, so it holds nothing else: what a
deferral needs is imported the first time one happens.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from gate.config import GateConfig, OnDefer, OnHttp, OnOrdered
from gate.window.cache import WindowSource

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (gate.records says why)

if TYPE_CHECKING:
    from typing import Any

    from gate.aws import ClientFactory
    from gate.deferral.deferrer import Deferrer
    from gate.deferral.store import DeferredEventStore
    from gate.types import LambdaContext
    from gate.user_handler import Handler


class Gate:
    def __init__(
        self,
        handler: Handler,
        source: WindowSource,
        make_store: Callable[[], DeferredEventStore],
        on_defer: OnDefer,
        *,
        on_http: OnHttp = OnHttp.REJECT,
        on_ordered: OnOrdered = OnOrdered.HOLD,
        client_factory: ClientFactory | None = None,
    ) -> None:
        self._handler = handler
        self._client_factory = client_factory
        self._current = source.current
        self._make_store = make_store
        self._on_defer = on_defer
        self._on_http = on_http
        self._on_ordered = on_ordered
        self._deferrer: Deferrer | None = None
        self._deferrer_lock = threading.Lock()

    def __call__(self, event: Any, context: LambdaContext) -> Any:
        # The hot path: one cached decision, then the handler. No I/O, no parsing.
        decision = self._current(context)
        if decision.defer:
            return self.deferrer().answer(event, context, decision)
        return self._handler(event, context)

    def deferrer(self) -> Deferrer:
        deferrer = self._deferrer
        if deferrer is None:
            with self._deferrer_lock:
                if self._deferrer is None:
                    from gate.aws import store_client
                    from gate.deferral.deferrer import Deferrer

                    self._deferrer = Deferrer(
                        self._make_store(),
                        self._on_defer,
                        on_http=self._on_http,
                        on_ordered=self._on_ordered,
                        client_factory=self._client_factory or store_client,
                    )
                deferrer = self._deferrer
        return deferrer


# The one assembly of a gate, from its settings (with gate.window.cache.watch_window): gate.entry
# calls these at init, and the benchmarks and tests call the same ones, so nothing is wired by hand.


def store_factory(config: GateConfig, client_factory: ClientFactory | None = None) -> Callable[[], DeferredEventStore]:
    """Makes the deferral store on first use, so an environment that never defers never loads boto3."""

    def make_store() -> DeferredEventStore:
        from gate.aws import store_client
        from gate.deferral.store import DeferredEventStore

        return DeferredEventStore(
            config.table_name,
            config.overflow_bucket,
            inline_limit_bytes=config.inline_limit_bytes,
            client_factory=client_factory or store_client,
        )

    return make_store


def assemble(
    config: GateConfig,
    user_handler: Handler,
    source: WindowSource,
    make_store: Callable[[], DeferredEventStore],
    client_factory: ClientFactory | None = None,
) -> Gate:
    """The gate in front of ``user_handler``, answering as ``config`` says; pure: no I/O.

    ``client_factory`` makes the Lambda client a durable hold checkpoints with (default: ``gate.aws.store_client``).
    """
    return Gate(
        user_handler,
        source,
        make_store,
        config.on_defer,
        on_http=config.on_http,
        on_ordered=config.on_ordered,
        client_factory=client_factory,
    )
