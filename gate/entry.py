"""The handler the layer's wrapper installs: ``_HANDLER=gate.entry.handler``.

Importing this module is the gate's init: it loads the function's own handler
(failing exactly as an ungated function would), reads GATE_* settings, and fetches
the window document so the first invocation pays nothing for it.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING

from gate.config import GateConfig, GateConfigError
from gate.handler import Gate
from gate.source import WindowSource
from gate.ssm_fetch import ParameterFetcher
from gate.user_handler import resolve_handler

if TYPE_CHECKING:
    from gate.deferral.store import DeferredEventStore

ORIGINAL_HANDLER_VARIABLE = "GATE_ORIGINAL_HANDLER"


def build_gate(environ: Mapping[str, str]) -> tuple[Gate, WindowSource]:
    original_name = environ.get(ORIGINAL_HANDLER_VARIABLE, "").strip()
    if not original_name:
        raise GateConfigError(f"{ORIGINAL_HANDLER_VARIABLE} is not set; the layer's exec wrapper sets it from _HANDLER")
    try:
        config = GateConfig.from_env(environ)
    except GateConfigError:
        resolve_handler(original_name)  # a broken handler still fails as it would without the gate
        raise
    source = WindowSource(
        ParameterFetcher(
            config.parameter_name,
            connect_timeout=config.ssm_connect_timeout,
            read_timeout=config.ssm_read_timeout,
            environ=environ,
        ),
        ttl_seconds=config.cache_ttl_seconds,
        fail_mode=config.fail_mode,
    )
    # The first fetch waits on the network (a TLS handshake on AWS) while the handler's
    # own imports keep the CPU busy, so the two overlap instead of adding up.
    priming = threading.Thread(target=source.prime, name="maintenance-gate-prime", daemon=True)
    priming.start()
    original = resolve_handler(original_name)
    priming.join()

    def make_store() -> DeferredEventStore:
        from gate.aws import store_client
        from gate.deferral.store import DeferredEventStore

        return DeferredEventStore(
            config.table_name,
            config.overflow_bucket,
            inline_limit_bytes=config.inline_limit_bytes,
            client_factory=store_client,
        )

    gate = Gate(original, source, make_store, config.on_defer, on_http=config.on_http, on_ordered=config.on_ordered)
    if source.current().defer:
        # Starting out in a window: pay for the deferral path now, during init, not on the first event.
        gate.deferrer().warm_up()
    return gate, source


gate, source = build_gate(os.environ)
handler = gate
