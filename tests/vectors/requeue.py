"""Requeue vectors: the real store's conditional update, against moto, decides which replays go back.

A replayed invocation that meets a new window puts its original record back to
pending only when that record is replaying under a live lease, of the same function
and tenant, with this event's digest; otherwise the event is kept as its own record.
Each case records the store's outcome, which the Go rules (deferral.MarkerAccepted)
must predict.
"""

from __future__ import annotations

import os
from typing import Any
from unittest import mock

from gate.deferral import codec
from gate.deferral import table as schema
from gate.deferral.store import REQUEUED, Deferral, DeferredEventStore
from tests.vectors import cases

_NOW_MS = int(cases.NOW_EPOCH * 1000)
_EVENT = {"order": 7}
_DIGEST = codec.encode_event(_EVENT).digest

# (name, the original record's attributes beyond its key (None: no record), the replay's tenant)
_CASES: list[tuple[str, dict[str, Any] | None, str | None]] = [
    ("live-lease-same-everything", {"lease": _NOW_MS + 1}, None),
    ("lease-expired", {"lease": _NOW_MS - 1}, None),
    ("lease-ends-now", {"lease": _NOW_MS}, None),
    ("no-lease", {"lease": None}, None),
    ("pending-not-replaying", {"status": "pending", "lease": _NOW_MS + 60_000}, None),
    ("replayed-already", {"status": "replayed", "lease": _NOW_MS + 60_000}, None),
    ("other-function", {"function": "payments", "lease": _NOW_MS + 60_000}, None),
    ("other-digest", {"digest": "0" * 64, "lease": _NOW_MS + 60_000}, None),
    ("no-digest", {"digest": None, "lease": _NOW_MS + 60_000}, None),
    ("same-tenant", {"tenant": "tenant-a", "lease": _NOW_MS + 60_000}, "tenant-a"),
    ("other-tenant", {"tenant": "tenant-b", "lease": _NOW_MS + 60_000}, "tenant-a"),
    ("record-has-tenant-replay-has-none", {"tenant": "tenant-a", "lease": _NOW_MS + 60_000}, None),
    ("record-has-no-tenant-replay-has-one", {"lease": _NOW_MS + 60_000}, "tenant-a"),
    ("no-record", None, None),
]


def _record(original: str, spec: dict[str, Any]) -> dict[str, Any]:
    item: dict[str, Any] = {
        schema.KEY: {"S": original},
        schema.FUNCTION_NAME: {"S": spec.get("function", cases.FUNCTION_NAME)},
        schema.STATUS: {"S": spec.get("status", "replaying")},
        schema.QUEUE: {"S": schema.queue_value(cases.FUNCTION_NAME, schema.Status.REPLAYING, original)},
        schema.QUEUE_ORDER: {"S": schema.order_value(_NOW_MS - 3_600_000, original)},
        schema.LEASE_OWNER: {"S": "replayer-1"},
    }
    if spec.get("lease") is not None:
        item[schema.LEASE_EXPIRES] = {"N": str(spec["lease"])}
    digest = spec.get("digest", _DIGEST)
    if digest is not None:
        item[schema.EVENT_DIGEST] = {"S": digest}
    if spec.get("tenant"):
        item[schema.TENANT_ID] = {"S": spec["tenant"]}
    return item


def requeue_cases() -> list[dict[str, Any]]:
    import boto3
    from moto import mock_aws

    out = []
    credentials = {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "eu-west-1",
    }
    with mock.patch.dict(os.environ, credentials), mock_aws():
        client = boto3.client("dynamodb", region_name="eu-west-1")
        schema.create_table(client, "deferred")
        for index, (name, spec, tenant) in enumerate(_CASES):
            original = f"original-{index:02d}"
            record = _record(original, spec) if spec is not None else None
            if record is not None:
                client.put_item(TableName="deferred", Item=record)
            deferral = Deferral(
                request_id=f"replay-{index:02d}",
                function_name=cases.FUNCTION_NAME,
                function_arn=cases.FUNCTION_ARN,
                deferred_at_ms=_NOW_MS,
                event=codec.encode_event(_EVENT),
                window="windows[0] (nightly)",
                tenant_id=tenant,
            )
            store = DeferredEventStore("deferred", None, inline_limit_bytes=350_000, client_factory=lambda _: client)
            outcome = store.requeue(original, deferral)
            out.append(
                {
                    "name": name,
                    "original_request_id": original,
                    "record": {key: value for key, value in sorted((record or {}).items())},
                    "request_id": deferral.request_id,
                    "deferred_at_ms": _NOW_MS,
                    "digest": deferral.event.digest,
                    "tenant_id": tenant,
                    "outcome": outcome,
                    "accepted": outcome == REQUEUED,
                }
            )
    return out
