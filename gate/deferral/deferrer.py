"""Keeping an event: encode it, store it durably, log ids and sizes, and answer for the handler.

Loaded with the first deferral, so an execution environment that never defers never
imports (or, on Lambda's read-only /opt, compiles) any of this.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from gate import telemetry
from gate.aws import ClientFactory, store_client
from gate.callers.kinds import Caller, CallerKind, classify
from gate.callers.refusals import hold_durable, refuse, reject_http
from gate.callers.responses import EventDeferredError, deferred_response
from gate.config import OnDefer, OnHttp, OnOrdered
from gate.deferral.codec import EventEncodingError, encode_event
from gate.deferral.deadline import deadline_of
from gate.deferral.store import Deferral, DeferralStoreError, DeferredEventStore
from gate.deferral.wire import replayed_request_id
from gate.window.decide import Decision

if TYPE_CHECKING:
    from gate.types import LambdaContext


class Deferrer:
    def __init__(
        self,
        store: DeferredEventStore,
        on_defer: OnDefer,
        *,
        on_http: OnHttp = OnHttp.REJECT,
        on_ordered: OnOrdered = OnOrdered.HOLD,
        client_factory: ClientFactory = store_client,
    ) -> None:
        self._store = store
        self._on_defer = on_defer
        self._on_http = on_http
        self._on_ordered = on_ordered
        self._client_factory = client_factory
        self._lambda: Any = None

    def warm_up(self) -> None:
        self._store.warm_up()

    def answer(self, event: Any, context: LambdaContext, decision: Decision) -> Any:
        """Answer an invocation inside a window as its caller needs: refuse it, or store it and say so."""
        caller = classify(event)
        if replayed_request_id(context):
            # A replay's record exists already and must keep its event, whoever first sent it.
            return self.defer(event, context, decision, caller)
        if caller.kind is CallerKind.DURABLE:
            # Never stored, whatever GATE_ON_ORDERED says: its checkpoint token is spent once the
            # invocation ends, so a replay could not resume the execution.
            return hold_durable(event, context, decision, caller, self._lambda_client)
        if caller.kind is CallerKind.HTTP:
            if self._on_http is OnHttp.REJECT:
                return reject_http(event, context, decision, caller)
            return self.defer(event, context, decision, caller)
        if caller.kind is CallerKind.IMMEDIATE or (
            caller.kind is CallerKind.ORDERED and self._on_ordered is OnOrdered.HOLD
        ):
            return refuse(event, context, decision, caller)
        return self.defer(event, context, decision, caller)

    def _lambda_client(self) -> Any:
        # Made on the first durable hold; two threads racing here make two clients, both usable.
        if self._lambda is None:
            self._lambda = self._client_factory("lambda")
        return self._lambda

    def defer(self, event: Any, context: LambdaContext, decision: Decision, caller: Caller | None = None) -> Any:
        now = time.time()
        # Read first: the whole deferral, encoding included, ends inside the invocation's time.
        deadline = deadline_of(context)
        request_id = context.aws_request_id
        replay_of = replayed_request_id(context)
        try:
            encoded = encode_event(event)
            deferral = Deferral(
                request_id=request_id,
                function_name=context.function_name,
                function_arn=context.invoked_function_arn,
                deferred_at_ms=int(now * 1000),
                event=encoded,
                window=decision.window or decision.reason,
                client_context=client_context_of(context),
                identity=identity_of(context),
                tenant_id=getattr(context, "tenant_id", None),
            )
            if replay_of:
                outcome = self._store.requeue(replay_of, deferral, deadline=deadline)
            else:
                outcome = self._store.defer(deferral, deadline=deadline)
        except (DeferralStoreError, EventEncodingError) as exc:
            telemetry.log("deferral failed", level="ERROR", request_id=request_id, error=str(exc))
            telemetry.metric("DeferralErrors", 1, FunctionName=context.function_name)
            raise
        telemetry.log(
            "invocation deferred",
            request_id=request_id,
            function=context.function_name,
            outcome=outcome,
            replay_of=replay_of,
            event_bytes=encoded.size,
            stored_bytes=len(encoded.body),
            reason=decision.reason,
            caller=caller.source if caller and not replay_of else "replay",
        )
        telemetry.metric("Deferrals", 1, FunctionName=context.function_name)
        # An accepted HTTP request is told 202 whatever GATE_ON_DEFER says: an error would
        # make its client send it again, and it is already kept.
        accepted_http = caller is not None and caller.kind is CallerKind.HTTP and not replay_of
        if self._on_defer is OnDefer.ERROR and not accepted_http:
            raise EventDeferredError(f"invocation {request_id} deferred: {decision.reason}")
        return deferred_response(event, request_id, decision.retry_after_seconds(now), caller)


def client_context_of(context: LambdaContext) -> dict[str, Any] | None:
    client_context = getattr(context, "client_context", None)
    if client_context is None:
        return None
    client = getattr(client_context, "client", None)
    data = {
        "custom": getattr(client_context, "custom", None),
        "env": getattr(client_context, "env", None),
        "client": {slot: getattr(client, slot, None) for slot in getattr(client, "__slots__", ())} if client else None,
    }
    return {key: value for key, value in data.items() if value}


def identity_of(context: LambdaContext) -> dict[str, Any] | None:
    identity = getattr(context, "identity", None)
    data = {
        "cognito_identity_id": getattr(identity, "cognito_identity_id", None),
        "cognito_identity_pool_id": getattr(identity, "cognito_identity_pool_id", None),
    }
    return {key: value for key, value in data.items() if value} or None
