"""Refusing a CloudFormation custom resource request during a window: FAILED, sent to its ResponseURL.

CloudFormation invokes a custom resource asynchronously and then waits (an hour by
default) for a response on the request's presigned ResponseURL; a function that
returns without one leaves the stack waiting. Storing the request for a replay is
worse: a Create replayed after the stack has timed out and rolled back makes a
resource that no stack owns. So the gate answers FAILED at once, with a reason naming
the window, exactly as the ``cfn-response`` module would, and stores nothing.
"""

from __future__ import annotations

import json
import urllib.request
from typing import Any
from urllib.parse import urlsplit

# A presigned S3 PUT answers in well under a second; the bound keeps a stalled
# network from holding the invocation, whose failure then lets Lambda retry it.
RESPONSE_TIMEOUT_SECONDS = 5.0
_LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


class CustomResourceResponseError(Exception):
    """Raised when the FAILED response could not be delivered to the request's ResponseURL."""


def send_failed(event: dict[str, Any], reason: str, log_stream: str | None, timeout: float) -> int:
    """PUT a FAILED response for the request to its ResponseURL; returns the HTTP status."""
    url = str(event.get("ResponseURL", ""))
    parts = urlsplit(url)
    if not (parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in _LOOPBACK_HOSTS)):
        raise CustomResourceResponseError(f"ResponseURL scheme {parts.scheme!r} is not https; no response sent")
    body = json.dumps(
        {
            "Status": "FAILED",
            "Reason": reason[:4000],
            # An Update or Delete must name the resource it was given, or CloudFormation
            # takes the refusal for a replacement; a refused Create made nothing.
            "PhysicalResourceId": event.get("PhysicalResourceId") or log_stream or "maintenance-gate-refused",
            "StackId": event.get("StackId"),
            "RequestId": event.get("RequestId"),
            "LogicalResourceId": event.get("LogicalResourceId"),
        }
    ).encode()
    # The presigned URL is signed without a content type, so none may be sent.
    request = urllib.request.Request(
        url, data=body, method="PUT", headers={"Content-Type": "", "Content-Length": str(len(body))}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return int(response.status)
    except OSError as exc:  # URLError and HTTPError are OSErrors
        raise CustomResourceResponseError(f"FAILED response not delivered to ResponseURL: {exc}") from exc
