"""The handler the layer's wrapper installs: ``_HANDLER=gate.entry.handler``.

Importing this module is the gate's init: it reads GATE_* settings, starts reading
the window document before importing anything else of the gate, loads the function's
own handler (failing exactly as an ungated function would) and waits a bounded time
for the read, so the first invocation pays nothing for it.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Mapping

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (gate.records says why)

if TYPE_CHECKING:
    from gate.handler import Gate
    from gate.window.cache import Fetch, WindowSource

ORIGINAL_HANDLER_VARIABLE = "GATE_ORIGINAL_HANDLER"


class _CollectorPause:
    """Cyclic garbage collection paused for the gate's own init, and resumed once.

    The gate's imports create thousands of objects that live as long as the process
    (modules, functions, classes); the collections they set off find nothing to free
    (about 0.7 ms of CPU per cold start here, docs/benchmarks.md). Collection resumes before the
    function's own code is imported, and only if it was on: the function's GC settings,
    and what its imports do with them, stay its own.
    """

    def __init__(self) -> None:
        self._resume = gc.isenabled()
        gc.disable()

    def end(self) -> None:
        if self._resume:
            self._resume = False
            gc.enable()


def build_gate(environ: Mapping[str, str]) -> tuple[Gate, WindowSource]:
    pause = _CollectorPause()
    try:
        return _build_gate(environ, pause)
    finally:
        pause.end()  # on every path, a failure included; at most once


def _build_gate(environ: Mapping[str, str], pause: _CollectorPause) -> tuple[Gate, WindowSource]:
    from gate.config import GateConfig, GateConfigError
    from gate.window.reader import ParameterFetcher

    original_name = environ.get(ORIGINAL_HANDLER_VARIABLE, "").strip()
    if not original_name:
        raise GateConfigError(f"{ORIGINAL_HANDLER_VARIABLE} is not set; the layer's exec wrapper sets it from _HANDLER")
    try:
        config = GateConfig.from_env(environ)
    except GateConfigError:
        from gate.user_handler import resolve_handler

        pause.end()
        resolve_handler(original_name)  # a broken handler still fails as it would without the gate
        raise
    fetcher = ParameterFetcher(
        config.parameter_name,
        connect_timeout=config.ssm_connect_timeout,
        read_timeout=config.ssm_read_timeout,
        environ=environ,
    )
    fetch: Fetch
    if config.shared_cache_dir is not None:
        from gate.window.shared import SharedRead

        key = f"{fetcher.endpoint_url}|{fetcher.region}|{config.parameter_name}"
        fetch = SharedRead(
            fetcher.read, directory=config.shared_cache_dir, key=key, ttl_seconds=config.cache_ttl_seconds
        )
    else:
        from gate.window.early import EarlyRead

        # The read waits on the network (a TLS handshake on AWS) while the rest of the gate
        # and the handler's own imports keep the CPU busy, so the two overlap.
        fetch = EarlyRead(fetcher)
    from gate.window.cache import watch_window

    source = watch_window(config, fetch)
    source.refresh_in_background()  # parses and decides as soon as the read is in
    # Loaded while the read waits on the network: the gate's handler code, and the parser and
    # the decision, which the answer needs at once (else loaded on the reading thread after it).
    from gate.handler import assemble, store_factory
    from gate.user_handler import resolve_handler
    from gate.window.decide import decide as _loaded_now  # noqa: F401

    pause.end()
    original = resolve_handler(original_name)
    # Bounded: a function in a VPC with no route to SSM starts on its fail mode instead
    # of waiting out every timeout and retry; the read goes on in the background.
    source.prime()
    if environ.get("AWS_LAMBDA_INITIALIZATION_TYPE") == "snap-start":
        from gate.window import restore

        restore.register(source, fetcher, environ)

    gate = assemble(config, original, source, store_factory(config))
    if source.current().defer:
        # Starting out in a window: pay for the deferral path now, during init, not on the first event.
        gate.deferrer().warm_up()
    return gate, source


gate, source = build_gate(os.environ)
handler = gate
