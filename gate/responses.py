"""What a deferred invocation answers, shaped for the service that called it."""

from __future__ import annotations

import json
from typing import Any


class EventDeferredError(Exception):
    """Raised instead of answering when GATE_ON_DEFER=error, so the caller sees a failed invocation."""


def deferred_response(event: Any, request_id: str, retry_after: int | None) -> dict[str, Any]:
    body = {"deferred": True, "id": request_id, "retryAfter": retry_after}
    if not _is_http_event(event):
        return body
    headers = {"Content-Type": "application/json"}
    if retry_after is not None:
        headers["Retry-After"] = str(retry_after)
    response: dict[str, Any] = {"statusCode": 503, "headers": headers, "body": json.dumps(body)}
    if _is_alb_event(event):
        response["statusDescription"] = "503 Service Unavailable"
        response["isBase64Encoded"] = False
    return response


def is_deferred_answer(payload: Any) -> bool:
    """Whether a function's answer is one of ours: the plain object, or inside an HTTP 503 body."""
    if not isinstance(payload, dict):
        return False
    if payload.get("deferred") is True and "id" in payload:
        return True
    if payload.get("statusCode") == 503 and isinstance(payload.get("body"), str):
        try:
            body = json.loads(payload["body"])
        except ValueError:
            return False
        return isinstance(body, dict) and body.get("deferred") is True
    return False


def _is_http_event(event: Any) -> bool:
    # API Gateway REST (v1) and HTTP APIs, function URLs (v2 payload) and ALB targets
    # all carry a requestContext plus an HTTP method in one of two places.
    if not isinstance(event, dict) or not isinstance(event.get("requestContext"), dict):
        return False
    context = event["requestContext"]
    return "httpMethod" in event or isinstance(context.get("http"), dict) or "elb" in context


def _is_alb_event(event: dict[str, Any]) -> bool:
    return "elb" in event["requestContext"]
