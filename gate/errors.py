"""Naming AWS failures the same way in logs, metrics and error messages."""

from __future__ import annotations


def error_code(exc: BaseException) -> str:
    """The AWS error code of a botocore ClientError, else the exception's class name."""
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        code = response.get("Error", {}).get("Code")
        if code:
            return str(code)
    return type(exc).__name__


def describe(exc: BaseException, limit: int = 300) -> str:
    text = f"{error_code(exc)}: {exc}"
    return text if len(text) <= limit else text[:limit] + "..."
