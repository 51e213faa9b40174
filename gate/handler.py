"""The gate itself: run the handler, or hand the event to the deferrer, which answers its caller.

This is the hot path of every invocation, so it holds nothing else: what a
deferral needs is imported the first time one happens.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from gate.config import OnDefer, OnHttp, OnOrdered
from gate.user_handler import Handler
from gate.window.cache import WindowSource

if TYPE_CHECKING:
    from gate.deferral.deferrer import Deferrer
    from gate.deferral.store import DeferredEventStore
    from gate.types import LambdaContext


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
    ) -> None:
        self._handler = handler
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
                    from gate.deferral.deferrer import Deferrer

                    self._deferrer = Deferrer(
                        self._make_store(), self._on_defer, on_http=self._on_http, on_ordered=self._on_ordered
                    )
                deferrer = self._deferrer
        return deferrer
