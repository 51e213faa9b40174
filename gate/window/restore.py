"""SnapStart: after a restore, renew what the snapshot froze.

A snapshot holds the window document, the time it was read, the jitter's random
state and any credentials read from the container endpoint, all as they were when
the version was published, possibly days ago. awslambdaric runs the hooks registered
with ``snapshot_restore_py`` (shipped in every managed Python runtime) only when
``AWS_LAMBDA_INITIALIZATION_TYPE`` is ``snap-start``, so only then is it imported.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol

from gate import telemetry

SNAP_START = "snap-start"

Registry = Callable[..., Any]


class Renewable(Protocol):
    def renew(self) -> Any: ...


def register(
    source: Renewable, fetcher: Renewable, environ: Mapping[str, str], registry: Registry | None = None
) -> bool:
    """Register the after-restore renewal; True when registered (SnapStart, with the runtime's hook library)."""
    if environ.get("AWS_LAMBDA_INITIALIZATION_TYPE") != SNAP_START:
        return False
    if registry is None:
        try:
            from snapshot_restore_py import register_after_restore  # type: ignore[import-untyped]
        except ImportError:
            telemetry.log("snapshot_restore_py is missing; the window is not renewed after a restore", level="WARNING")
            return False
        registry = register_after_restore
    registry(renew_after_restore, source, fetcher)
    return True


def renew_after_restore(source: Renewable, fetcher: Renewable) -> None:
    # Credentials and jitter first: the read that follows uses both.
    fetcher.renew()
    decision = source.renew()
    telemetry.log("window renewed after restore", defer=getattr(decision, "defer", None))
