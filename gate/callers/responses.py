"""What a deferred invocation answers, shaped for the service that called it."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from gate.callers.kinds import ALB_SOURCE, Caller, CallerKind, classify


class EventDeferredError(Exception):
    """Raised instead of answering when GATE_ON_DEFER=error, so the caller sees a failed invocation."""


class MaintenanceWindowError(Exception):
    """Raised to refuse a caller that must not get a success during a window; nothing was stored."""


def deferred_response(
    event: Any, request_id: str, retry_after: int | None, caller: Caller | None = None
) -> dict[str, Any]:
    """The answer for an event that was stored: 202 Accepted for an HTTP caller, a plain object otherwise.

    ``caller`` is the deferrer's own classification; it is looked up here only when not given.
    """
    caller = caller or classify(event)
    body = {"deferred": True, "id": request_id, "retryAfter": retry_after}
    if caller.kind is not CallerKind.HTTP:
        return body
    return _http_response(event, 202, "Accepted", {}, body, caller=caller)


def rejected_response(event: Any, retry_after: int | None, caller: Caller | None = None) -> dict[str, Any]:
    """503 with Retry-After for an HTTP caller whose request was not stored: the client retries it."""
    headers = {} if retry_after is None else {"Retry-After": str(retry_after)}
    body = {"message": "Service unavailable for maintenance; retry later.", "retryAfter": retry_after}
    return _http_response(event, 503, "Service Unavailable", headers, body, caller=caller or classify(event))


def s3_batch_refusal(event: dict[str, Any], reason: str) -> dict[str, Any]:
    """S3 Batch Operations' own refusal: every task a TemporaryFailure, which S3 retries."""
    return {
        "invocationSchemaVersion": event.get("invocationSchemaVersion", "1.0"),
        "treatMissingKeysAs": "TemporaryFailure",
        "invocationId": event.get("invocationId"),
        "results": [
            {"taskId": task.get("taskId"), "resultCode": "TemporaryFailure", "resultString": reason}
            for task in event.get("tasks", [])
            if isinstance(task, dict)
        ],
    }


def window_refusal(function_name: str, window: str, until: datetime | None, source: str, outcome: str) -> str:
    """The one-line reason a refused caller sees: which window, until when, and what became of the event."""
    end = until.isoformat() if until else "the window is closed"
    return f"{function_name} is in a maintenance window, {window}, until {end}: {source} invocation refused, {outcome}"


def is_deferred_answer(payload: Any) -> bool:
    """Whether a function's answer says its event was stored: the plain object, or inside an HTTP body.

    A 503 rejection stored nothing, so it is not one.
    """
    if not isinstance(payload, dict):
        return False
    if payload.get("deferred") is True and "id" in payload:
        return True
    if payload.get("statusCode") in (202, 503) and isinstance(payload.get("body"), str):
        try:
            body = json.loads(payload["body"])
        except ValueError:
            return False
        return isinstance(body, dict) and body.get("deferred") is True and "id" in body
    return False


def _http_response(
    event: Any, status: int, phrase: str, headers: dict[str, str], body: dict[str, Any], *, caller: Caller
) -> dict[str, Any]:
    headers = {"Content-Type": "application/json", **headers}
    response: dict[str, Any] = {"statusCode": status, "body": json.dumps(body)}
    if caller.source != ALB_SOURCE:
        response["headers"] = headers
        return response
    # ALB answers in the mode it asked in: a target group with multi-value headers
    # turned on reads only multiValueHeaders from the response.
    if isinstance(event.get("multiValueHeaders"), dict):
        response["multiValueHeaders"] = {name: [value] for name, value in headers.items()}
    else:
        response["headers"] = headers
    response["statusDescription"] = f"{status} {phrase}"
    response["isBase64Encoded"] = False
    return response
