"""The handler the layer's wrapper installs: ``_HANDLER=gate.entry.handler``.

Importing this module is the gate's init: it loads the function's own handler
(failing exactly as an ungated function would), reads GATE_* settings, and fetches
the window document so the first invocation pays nothing for it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from gate.clients import ssm_client, store_client
from gate.config import GateConfig, GateConfigError
from gate.gatekeeper import Gate
from gate.resolve import resolve_handler
from gate.source import WindowSource, ssm_fetcher
from gate.store import DeferredEventStore

ORIGINAL_HANDLER_VARIABLE = "GATE_ORIGINAL_HANDLER"


def build_gate(environ: Mapping[str, str]) -> tuple[Gate, WindowSource]:
    original_name = environ.get(ORIGINAL_HANDLER_VARIABLE, "").strip()
    if not original_name:
        raise GateConfigError(f"{ORIGINAL_HANDLER_VARIABLE} is not set; the layer's exec wrapper sets it from _HANDLER")
    original = resolve_handler(original_name)
    config = GateConfig.from_env(environ)
    client = ssm_client(config.ssm_connect_timeout, config.ssm_read_timeout)
    source = WindowSource(
        ssm_fetcher(client, config.parameter_name), ttl_seconds=config.cache_ttl_seconds, fail_mode=config.fail_mode
    )
    source.prime()
    store = DeferredEventStore(
        config.table_name,
        config.overflow_bucket,
        inline_limit_bytes=config.inline_limit_bytes,
        client_factory=store_client,
    )
    return Gate(original, source, store, config.on_defer), source


gate, source = build_gate(os.environ)
handler = gate
