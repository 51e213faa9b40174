"""What the gate decides right now, from the parameter itself (not a cached copy)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from gate.aws import describe, error_code
from gate.replay.errors import ReplayRefusedError, WindowUnavailableError
from gate.window.decide import Decision, decide
from gate.window.document import WindowDocument, WindowDocumentError, parse_document


def read_document_text(ssm: Any, parameter_name: str) -> str | None:
    """The parameter's value, or None when the parameter does not exist."""
    try:
        response = ssm.get_parameter(Name=parameter_name)
    except Exception as exc:
        if error_code(exc) == "ParameterNotFound":
            return None
        raise WindowUnavailableError(f"cannot read window parameter {parameter_name}: {describe(exc)}") from exc
    return str(response["Parameter"]["Value"])


def read_document(ssm: Any, parameter_name: str) -> WindowDocument:
    text = read_document_text(ssm, parameter_name)
    if text is None:
        raise WindowUnavailableError(f"window parameter {parameter_name} does not exist")
    try:
        return parse_document(text)
    except WindowDocumentError as exc:
        raise WindowUnavailableError(f"window parameter {parameter_name} is invalid: {exc}") from exc


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
