"""The handler the layer's wrapper installs: ``_HANDLER=gate.entry.handler``.

Importing this module is the gate's init: it loads the function's own handler
(failing exactly as an ungated function would), reads GATE_* settings, and fetches
the window document so the first invocation pays nothing for it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from gate.clients import store_client
from gate.config import GateConfig, GateConfigError
from gate.gatekeeper import Gate
from gate.resolve import resolve_handler
from gate.source import WindowSource
from gate.ssm_fetch import ParameterFetcher
from gate.store import DeferredEventStore

ORIGINAL_HANDLER_VARIABLE = "GATE_ORIGINAL_HANDLER"


def build_gate(environ: Mapping[str, str]) -> tuple[Gate, WindowSource]:
    original_name = environ.get(ORIGINAL_HANDLER_VARIABLE, "").strip()
    if not original_name:
        raise GateConfigError(f"{ORIGINAL_HANDLER_VARIABLE} is not set; the layer's exec wrapper sets it from _HANDLER")
    original = resolve_handler(original_name)
    config = GateConfig.from_env(environ)
    fetch = ParameterFetcher(
        config.parameter_name,
        connect_timeout=config.ssm_connect_timeout,
        read_timeout=config.ssm_read_timeout,
        environ=environ,
    )
    source = WindowSource(fetch, ttl_seconds=config.cache_ttl_seconds, fail_mode=config.fail_mode)
    store = DeferredEventStore(
        config.table_name,
        config.overflow_bucket,
        inline_limit_bytes=config.inline_limit_bytes,
        client_factory=store_client,
    )
    if source.prime().defer:
        # The first deferral should not pay for creating the store's client.
        store.warm_up()
    return Gate(original, source, store, config.on_defer), source


gate, source = build_gate(os.environ)
handler = gate
