"""What can stop a replay, or an operation on deferred records, before it does its work."""

from __future__ import annotations


class ReplayError(RuntimeError):
    """Base of the replay library's errors; the CLI maps each to an exit status."""


class ReplayRefusedError(ReplayError):
    """Raised when the gate would defer the function now, so a replay would only defer again."""


class WindowUnavailableError(ReplayError):
    """Raised when the window document cannot be read or parsed, so the gate's decision is unknown."""


class RecordNotFoundError(ReplayError):
    """Raised when a request id names no deferred record."""


class EventUnavailableError(ReplayError):
    """Raised when a record's event cannot be read back (missing overflow object or bucket, bad encoding)."""


class ReplayerConfigError(ValueError):
    """Raised at init when a GATE_* variable of the replayer function is missing or unusable."""
