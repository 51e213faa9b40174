"""Refusing or holding an invocation inside a window without storing it, in the form its caller understands.

Each refusal is logged with ids and the caller's name (never the payload) and
counted as the EMF metric ``Rejections``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from gate import telemetry
from gate.callers.kinds import Caller, CallerKind
from gate.callers.responses import MaintenanceWindowError, rejected_response, s3_batch_refusal, window_refusal
from gate.types import remaining_seconds
from gate.window.decide import Decision

if TYPE_CHECKING:
    from gate.types import LambdaContext

_ORDERED_OUTCOME = "nothing stored; the source keeps the batch and retries it in order"


def reject_http(event: Any, context: LambdaContext, decision: Decision, caller: Caller) -> dict[str, Any]:
    """503 with Retry-After: the client sends the request again after the window."""
    retry_after = decision.retry_after_seconds(time.time())
    _count(context, decision, caller, "rejected with 503", retry_after=retry_after)
    return rejected_response(event, retry_after, caller)


def refuse(event: Any, context: LambdaContext, decision: Decision, caller: Caller) -> Any:
    """Fail the invocation with a reason naming the window, or give the source's own refusal."""
    outcome = _ORDERED_OUTCOME if caller.kind is CallerKind.ORDERED else "nothing stored"
    reason = window_refusal(
        context.function_name, decision.window or decision.reason, decision.until, caller.source, outcome
    )
    if caller.source == "s3-batch":
        _count(context, decision, caller, "every task answered TemporaryFailure")
        return s3_batch_refusal(event, reason)
    if caller.source == "cloudformation-custom-resource":
        from gate.callers.custom_resource import RESPONSE_TIMEOUT_SECONDS, send_failed

        timeout = min(RESPONSE_TIMEOUT_SECONDS, max(0.5, _remaining_seconds(context) - 0.5))
        status = send_failed(event, reason, getattr(context, "log_stream_name", None), timeout)
        _count(context, decision, caller, "FAILED sent to ResponseURL", response_status=status)
        return None
    _count(context, decision, caller, "invocation failed")
    raise MaintenanceWindowError(reason)


def hold_durable(
    event: dict[str, Any], context: LambdaContext, decision: Decision, caller: Caller, lambda_client: Callable[[], Any]
) -> dict[str, str]:
    """A durable execution waits out the window: a durable wait checkpointed, PENDING answered (gate.callers.durable).

    If the checkpoint fails, the invocation fails and the durable service retries it; nothing is stored either way.
    """
    from gate.aws import describe
    from gate.callers.durable import PENDING, checkpoint_hold, hold_seconds

    seconds = hold_seconds(decision.retry_after_seconds(time.time()))
    try:
        checkpoint_hold(lambda_client(), event, seconds, context.aws_request_id)
    except Exception as exc:
        _count(context, decision, caller, "invocation failed", hold_error=describe(exc))
        reason = window_refusal(
            context.function_name,
            decision.window or decision.reason,
            decision.until,
            caller.source,
            f"nothing stored; the durable wait could not be checkpointed ({describe(exc)}), "
            "so the durable service retries the invocation",
        )
        raise MaintenanceWindowError(reason) from exc
    _count(context, decision, caller, "durable wait checkpointed, PENDING", wait_seconds=seconds)
    return PENDING


def _count(context: LambdaContext, decision: Decision, caller: Caller, answer: str, **fields: Any) -> None:
    telemetry.log(
        "invocation refused",
        request_id=context.aws_request_id,
        function=context.function_name,
        caller=caller.source,
        kind=caller.kind.value,
        answer=answer,
        reason=decision.reason,
        **fields,
    )
    telemetry.metric("Rejections", 1, FunctionName=context.function_name)


def _remaining_seconds(context: LambdaContext) -> float:
    seconds = remaining_seconds(context)
    return 60.0 if seconds is None else seconds
