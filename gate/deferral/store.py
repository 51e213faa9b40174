"""Durable deferral: one DynamoDB record per request id, S3 for what does not fit.

A deferral is acknowledged only after DynamoDB has accepted the record; any failure
raises :class:`DeferralStoreError` so the invocation fails and Lambda (or the caller)
retries. Retries carry the same request id, and the conditional put makes them one
record. Given a deadline, the whole call (S3 first for an oversized event, then
DynamoDB, with their retries) ends by it, or fails with :class:`DeferralTimeoutError`
(see gate.deferral.deadline).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from gate.aws import ClientFactory, describe, is_conditional_failure
from gate.deferral import table as schema
from gate.deferral.codec import EncodedEvent
from gate.deferral.deadline import DeadlineReachedError, refuse_late_requests, run_before
from gate.deferral.table import Status


class DeferralStoreError(RuntimeError):
    """Raised when a deferred event could not be stored durably; the invocation must fail."""


class DeferralTimeoutError(DeferralStoreError):
    """Raised when storing a deferred event did not finish by the invocation's deadline; the invocation must fail."""


@dataclass(frozen=True)
class Deferral:
    request_id: str
    function_name: str
    function_arn: str
    deferred_at_ms: int
    event: EncodedEvent
    window: str | None
    client_context: dict[str, Any] | None = None
    identity: dict[str, Any] | None = None
    tenant_id: str | None = None


STORED = "stored"
DUPLICATE = "duplicate"
REQUEUED = "requeued"


class DeferredEventStore:
    def __init__(
        self,
        table_name: str,
        overflow_bucket: str | None,
        *,
        inline_limit_bytes: int,
        client_factory: ClientFactory,
    ) -> None:
        self.table_name = table_name
        self.overflow_bucket = overflow_bucket
        self.inline_limit_bytes = inline_limit_bytes
        self._client_factory = client_factory
        self._clients: dict[str, Any] = {}
        self._clients_lock = threading.Lock()
        self.writes = 0

    def defer(self, deferral: Deferral, *, deadline: float | None = None) -> str:
        """Store the event; returns STORED, or DUPLICATE when this request id is already kept.

        ``deadline`` (a ``time.monotonic()`` instant, or None for the clients' own budget)
        bounds the whole call, S3 included.
        """
        return self._bounded(deferral.request_id, deadline, lambda: self._defer(deferral))

    def requeue(self, original_request_id: str, deferral: Deferral, *, deadline: float | None = None) -> str:
        """A replayed invocation met a new window: put its record back to pending, not a new one.

        Only the replay of that record may: it is ``replaying`` under a live lease, of
        the same function and tenant, and this event's bytes are the ones its replay
        sends. A marker naming any other record, or an event that differs, is stored
        as its own record under its own request id, so nothing is acknowledged unkept.
        ``deadline`` bounds the whole call, as for :meth:`defer`.
        """
        return self._bounded(deferral.request_id, deadline, lambda: self._requeue(original_request_id, deferral))

    def _bounded(self, request_id: str, deadline: float | None, call: Callable[[], str]) -> str:
        if deadline is None:
            return call()
        try:
            return run_before(deadline, call)
        except DeadlineReachedError as exc:
            raise DeferralTimeoutError(
                f"storing deferred event {request_id} did not finish by the invocation's deadline ({exc}); "
                "it is not acknowledged, and a retry under the same request id makes one record"
            ) from exc
        except DeferralStoreError:
            raise
        except Exception as exc:  # the worker thread could not start (no memory for its stack)
            raise DeferralStoreError(f"could not store deferred event {request_id}: {describe(exc)}") from exc

    def _defer(self, deferral: Deferral) -> str:
        item = self._item(deferral)
        try:
            self._client("dynamodb").put_item(
                TableName=self.table_name,
                Item=item,
                ConditionExpression="attribute_not_exists(#key)",
                ExpressionAttributeNames={"#key": schema.KEY},
            )
        except Exception as exc:
            if is_conditional_failure(exc):
                return DUPLICATE
            raise DeferralStoreError(f"could not store deferred event {deferral.request_id}: {describe(exc)}") from exc
        finally:
            self.writes += 1
        return STORED

    def _requeue(self, original_request_id: str, deferral: Deferral) -> str:
        names = {
            "#status": schema.STATUS,
            "#queue": schema.QUEUE,
            "#owner": schema.LEASE_OWNER,
            "#lease": schema.LEASE_EXPIRES,
            "#redeferrals": schema.REDEFERRALS,
            "#function": schema.FUNCTION_NAME,
            "#digest": schema.EVENT_DIGEST,
            "#tenant": schema.TENANT_ID,
        }
        values: dict[str, Any] = {
            ":pending": {"S": Status.PENDING.value},
            ":replaying": {"S": Status.REPLAYING.value},
            ":queue": {"S": schema.queue_value(deferral.function_name, Status.PENDING, original_request_id)},
            ":one": {"N": "1"},
            ":function": {"S": deferral.function_name},
            ":digest": {"S": deferral.event.digest},
            ":now": {"N": str(deferral.deferred_at_ms)},
        }
        condition = "#status = :replaying AND #lease > :now AND #function = :function AND #digest = :digest AND "
        if deferral.tenant_id:
            condition += "#tenant = :tenant"
            values[":tenant"] = {"S": deferral.tenant_id}
        else:
            condition += "attribute_not_exists(#tenant)"
        try:
            self._client("dynamodb").update_item(
                TableName=self.table_name,
                Key={schema.KEY: {"S": original_request_id}},
                UpdateExpression="SET #status = :pending, #queue = :queue REMOVE #owner, #lease ADD #redeferrals :one",
                ConditionExpression=condition,
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
            )
        except Exception as exc:
            if not is_conditional_failure(exc):
                raise DeferralStoreError(
                    f"could not requeue deferred event {original_request_id}: {describe(exc)}"
                ) from exc
            return self._defer(deferral)
        finally:
            self.writes += 1
        return REQUEUED

    def warm_up(self) -> None:
        """Create the DynamoDB client now (during init) rather than on the first deferral."""
        self._client("dynamodb")

    def _item(self, deferral: Deferral) -> dict[str, Any]:
        item: dict[str, Any] = {
            schema.KEY: {"S": deferral.request_id},
            schema.FUNCTION_NAME: {"S": deferral.function_name},
            schema.FUNCTION_ARN: {"S": deferral.function_arn},
            schema.STATUS: {"S": Status.PENDING.value},
            schema.QUEUE: {"S": schema.queue_value(deferral.function_name, Status.PENDING, deferral.request_id)},
            schema.QUEUE_ORDER: {"S": schema.order_value(deferral.deferred_at_ms, deferral.request_id)},
            schema.DEFERRED_AT: {"N": str(deferral.deferred_at_ms)},
            schema.EVENT_ENCODING: {"S": deferral.event.encoding},
            schema.EVENT_SIZE: {"N": str(deferral.event.size)},
            schema.ATTEMPTS: {"N": "0"},
        }
        if deferral.event.digest:
            item[schema.EVENT_DIGEST] = {"S": deferral.event.digest}
        if deferral.tenant_id:
            item[schema.TENANT_ID] = {"S": deferral.tenant_id}
        if deferral.window:
            item[schema.WINDOW] = {"S": deferral.window}
        if deferral.client_context:
            item[schema.CLIENT_CONTEXT] = {"S": json.dumps(deferral.client_context, default=str)}
        if deferral.identity:
            item[schema.IDENTITY] = {"S": json.dumps(deferral.identity, default=str)}
        if len(deferral.event.body) <= self.inline_limit_bytes:
            item[schema.EVENT] = {"B": deferral.event.body}
        else:
            item[schema.OVERFLOW_KEY] = {"S": self._put_overflow(deferral)}
        return item

    def _put_overflow(self, deferral: Deferral) -> str:
        if not self.overflow_bucket:
            raise DeferralStoreError(
                f"event {deferral.request_id} is {len(deferral.event.body)} bytes stored, over the "
                f"{self.inline_limit_bytes}-byte item limit, and GATE_OVERFLOW_BUCKET is not set"
            )
        key = schema.overflow_key(deferral.function_name, deferral.request_id)
        try:
            # Keyed by request id, so a retried invocation overwrites the same object.
            self._client("s3").put_object(Bucket=self.overflow_bucket, Key=key, Body=deferral.event.body)
        except Exception as exc:
            raise DeferralStoreError(
                f"could not store oversized event {deferral.request_id} in S3: {describe(exc)}"
            ) from exc
        finally:
            self.writes += 1
        return key

    def _client(self, service: str) -> Any:
        client = self._clients.get(service)
        if client is None:
            with self._clients_lock:
                client = self._clients.get(service)
                if client is None:
                    client = self._clients[service] = refuse_late_requests(self._client_factory(service))
        return client
