"""Process entry points for the concurrency tests (importable by multiprocessing's spawn)."""

from __future__ import annotations

import time
from typing import Any

import boto3

from gate.deferral.codec import encode_event
from gate.deferral.store import Deferral, DeferredEventStore
from gate.local.servers import LOCAL_CREDENTIALS, LOCAL_REGION


def defer_at_the_barrier(moto_url: str, table: str, request_id: str, *, index: int, barrier: Any, results: Any) -> None:
    """One process's delivery of ``request_id``: clients warmed first, then all put at once."""

    def client(service: str) -> Any:
        return boto3.client(
            service,
            endpoint_url=moto_url,
            region_name=LOCAL_REGION,
            aws_access_key_id=LOCAL_CREDENTIALS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=LOCAL_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        )

    store = DeferredEventStore(table, None, inline_limit_bytes=350_000, client_factory=client)
    store.warm_up()
    deferral = Deferral(
        request_id=request_id,
        function_name="probe",
        function_arn=f"arn:aws:lambda:{LOCAL_REGION}:123456789012:function:probe",
        deferred_at_ms=int(time.time() * 1000),
        event=encode_event({"process": index}),
        window="mode is maintenance",
    )
    barrier.wait(timeout=120)
    try:
        results.put((index, store.defer(deferral)))
    except Exception as exc:  # noqa: BLE001 - reported to the parent, which fails the test
        results.put((index, f"error: {exc!r}"))
