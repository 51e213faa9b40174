"""The window as the operator tools read it (the parameter itself, not a cached copy), and what the gate decides now.

One read for the CLI and the replayer: fetch, tell "missing" from "unreachable",
parse with the one parser. Each caller then says what a missing or invalid document
means for it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, NamedTuple

from gate.aws import describe, error_code
from gate.replay.errors import ReplayRefusedError, WindowUnavailableError
from gate.window.decide import Decision, decide
from gate.window.document import WindowDocument, WindowDocumentError, parse_document


def read_document_text(ssm: Any, parameter_name: str) -> str | None:
    """The parameter's value, or None when the parameter does not exist."""
    stored = _get_parameter(ssm, parameter_name)
    return None if stored is None else str(stored["Value"])


def _get_parameter(ssm: Any, parameter_name: str) -> dict[str, Any] | None:
    try:
        response = ssm.get_parameter(Name=parameter_name)
    except Exception as exc:
        if error_code(exc) == "ParameterNotFound":
            return None
        raise WindowUnavailableError(f"cannot read window parameter {parameter_name}: {describe(exc)}") from exc
    return response["Parameter"]  # type: ignore[no-any-return]


class WindowReading(NamedTuple):
    """The parameter's text (None: it does not exist), and its document or why it is invalid."""

    text: str | None
    document: WindowDocument | None
    invalid: WindowDocumentError | None
    version: int | None = None
    """The parameter's Version when read (None: it did not exist); a writer checks that its write came next."""


def read_window(ssm: Any, parameter_name: str) -> WindowReading:
    """Read and parse the parameter; an unreachable SSM raises WindowUnavailableError."""
    stored = _get_parameter(ssm, parameter_name)
    if stored is None:
        return WindowReading(None, None, None)
    text, version = str(stored["Value"]), int(stored["Version"])
    try:
        return WindowReading(text, parse_document(text), None, version)
    except WindowDocumentError as exc:
        return WindowReading(text, None, exc, version)


def read_document(ssm: Any, parameter_name: str) -> WindowDocument:
    reading = read_window(ssm, parameter_name)
    if reading.text is None:
        raise WindowUnavailableError(f"window parameter {parameter_name} does not exist")
    if reading.document is None:
        raise WindowUnavailableError(f"window parameter {parameter_name} is invalid: {reading.invalid}") from (
            reading.invalid
        )
    return reading.document


def ensure_live(ssm: Any, parameter_name: str, function_name: str, now: datetime) -> Decision:
    """The gate's decision now; raises ReplayRefusedError when it would defer the function."""
    decision = decide(read_document(ssm, parameter_name), now)
    if decision.defer:
        until = f" until {decision.until.isoformat()}" if decision.until else " until the mode changes"
        raise ReplayRefusedError(
            f"the gate defers {function_name} now ({decision.reason}){until}; "
            "a replay would only defer the events again (--force replays anyway)"
        )
    return decision
