"""One synchronous invocation, and what its outcome means for the record.

The Lambda client makes exactly one attempt. botocore's own retries would resend
after a read timeout, when the function may already have run: a duplicate. This
module retries nothing; it says whether the function certainly did not receive the
event (safe to try again) or may have.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import Enum
from typing import Any, Protocol

from gate.aws import describe, error_code, make_client
from gate.callers.responses import is_deferred_answer
from gate.replay.batch import ItemFailures, reported_failures

# Lambda refused to run the event now; it never reached the function.
_THROTTLES = frozenset(
    {
        "TooManyRequestsException",
        "EC2ThrottledException",
        "ResourceNotReadyException",
        "ThrottlingException",
        "Throttling",
    }
)
# Lambda refused for a reason no record can fix: stop before marking every record failed.
_FATAL = frozenset(
    {
        "ResourceNotFoundException",
        "AccessDeniedException",
        "AccessDenied",
        "UnrecognizedClientException",
        "InvalidSignatureException",
        "ExpiredTokenException",
        "InvalidClientTokenId",
        "ResourceConflictException",
    }
)
# Keys of the runtime's error document (awslambdaric's and Lambda's).
_ERROR_KEYS = frozenset({"errorMessage", "errorType", "stackTrace", "requestId", "cause"})


class Outcome(str, Enum):
    SUCCEEDED = "succeeded"  # the function returned
    FUNCTION_ERROR = "function error"  # the function ran and raised
    THROTTLED = "throttled"  # not delivered; try again later
    REJECTED = "rejected"  # not delivered; this record cannot be invoked as it is
    FATAL = "fatal"  # not delivered; no record can be until the operator acts
    UNKNOWN = "unknown"  # the request was sent and no answer came back: may have run


@dataclass(frozen=True)
class Invocation:
    outcome: Outcome
    error: str | None = None
    deferred: bool = False  # the gate answered for the function: a window is active again
    item_failures: ItemFailures | None = None  # the function's batchItemFailures, if it reported any

    @property
    def delivered(self) -> bool:
        return self.outcome in (Outcome.SUCCEEDED, Outcome.FUNCTION_ERROR, Outcome.UNKNOWN)


@dataclass(frozen=True)
class Target:
    """What a replay invokes: the function, through the version or alias its event came through."""

    function_name: str
    qualifier: str | None = None
    tenant_id: str | None = None

    @classmethod
    def of(cls, function_name: str, invoked_arn: str | None, tenant_id: str | None = None) -> Target:
        """``arn:aws:lambda:<region>:<account>:function:<name>[:<qualifier>]``; $LATEST replays unqualified."""
        parts = (invoked_arn or "").split(":")
        qualifier = parts[7] if len(parts) == 8 and parts[5] == "function" and parts[7] != "$LATEST" else None
        return cls(function_name, qualifier or None, tenant_id or None)

    def request(self) -> dict[str, str]:
        """The Invoke API's target parameters."""
        parameters = {"FunctionName": self.function_name}
        if self.qualifier:
            parameters["Qualifier"] = self.qualifier
        if self.tenant_id:
            parameters["TenantId"] = self.tenant_id
        return parameters


class Invoker(Protocol):
    def invoke(self, target: Target, payload: bytes, client_context: str) -> Invocation: ...


class LambdaInvoker:
    """Invokes through the Lambda API (``AWS_ENDPOINT_URL_LAMBDA`` reaches a local emulator)."""

    def __init__(self, client: Any) -> None:
        self._client = client

    @classmethod
    def create(cls, read_timeout: float) -> LambdaInvoker:
        return cls(make_client("lambda", connect_timeout=5.0, read_timeout=read_timeout, max_attempts=1))

    def invoke(self, target: Target, payload: bytes, client_context: str) -> Invocation:
        try:
            response = self._client.invoke(
                **target.request(),
                InvocationType="RequestResponse",
                Payload=payload,
                ClientContext=client_context,
            )
        except Exception as exc:  # noqa: BLE001 - every failure is classified, then acted on
            return classify_exception(exc)
        return classify_response(response.get("FunctionError"), response["Payload"].read())


def classify_exception(exc: Exception) -> Invocation:
    from botocore.exceptions import ClientError
    from botocore.exceptions import ConnectionError as BotoConnectionError

    code = error_code(exc)
    if isinstance(exc, ClientError):
        if code in _THROTTLES:
            return Invocation(Outcome.THROTTLED, describe(exc))
        status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
        if code in _FATAL or status == 404:
            return Invocation(Outcome.FATAL, describe(exc))
        # A 5xx answer does not say whether the function ran.
        return Invocation(Outcome.UNKNOWN if status >= 500 else Outcome.REJECTED, describe(exc))
    if isinstance(exc, BotoConnectionError):
        # No connection was made, so nothing was sent.
        return Invocation(Outcome.THROTTLED, describe(exc))
    return Invocation(Outcome.UNKNOWN, describe(exc))


def classify_response(function_error: str | None, body: bytes) -> Invocation:
    """Read the answer: the emulator sets no FunctionError header, so the payload is checked too."""
    try:
        payload = json.loads(body) if body else None
    except ValueError:
        payload = None
    if function_error or _is_error_document(payload):
        document = payload if isinstance(payload, dict) else {}
        kind = str(document.get("errorType") or function_error)
        message = document.get("errorMessage")
        return Invocation(Outcome.FUNCTION_ERROR, f"{kind}: {message}" if message else kind)
    return Invocation(Outcome.SUCCEEDED, deferred=is_deferred_answer(payload), item_failures=reported_failures(payload))


def _is_error_document(payload: Any) -> bool:
    return (
        isinstance(payload, dict) and {"errorType", "errorMessage"} <= payload.keys() and payload.keys() <= _ERROR_KEYS
    )
