"""A record's event and client context, read back exactly as the gate stored them."""

from __future__ import annotations

import json
from typing import Any

from gate.aws import ClientFactory, describe, error_code
from gate.deferral import table as schema
from gate.deferral.codec import EventEncodingError, decode_body
from gate.replay.errors import EventUnavailableError
from gate.replay.records import Record


class EventReader:
    """Fetches event bytes from the record or its overflow object; S3 is reached only when needed."""

    def __init__(self, bucket: str | None, client_factory: ClientFactory) -> None:
        self.bucket = bucket
        self._client_factory = client_factory
        self._s3: Any = None

    def event_json(self, record: Record) -> bytes:
        """The event's exact JSON text, as the function first received it."""
        stored = record.item.get(schema.EVENT)
        if stored is not None:
            body = bytes(stored["B"])
        elif record.overflow_key is not None:
            body = self._overflow_body(record)
        else:
            raise EventUnavailableError(f"record {record.request_id} holds no event (already removed after replay?)")
        try:
            return decode_body(body, record.event_encoding)
        except EventEncodingError as exc:
            raise EventUnavailableError(f"record {record.request_id}: {exc}") from exc

    def event(self, record: Record) -> Any:
        return json.loads(self.event_json(record))

    def delete_overflow(self, record: Record) -> None:
        if record.overflow_key is not None and self.bucket:
            self._client().delete_object(Bucket=self.bucket, Key=record.overflow_key)

    def _overflow_body(self, record: Record) -> bytes:
        if not self.bucket:
            raise EventUnavailableError(
                f"record {record.request_id} keeps its event in S3 ({record.overflow_key}) and no bucket is configured"
            )
        try:
            response = self._client().get_object(Bucket=self.bucket, Key=record.overflow_key)
        except Exception as exc:
            if error_code(exc) in ("NoSuchKey", "404"):
                raise EventUnavailableError(
                    f"record {record.request_id}: overflow object {record.overflow_key} is missing"
                ) from exc
            raise EventUnavailableError(f"record {record.request_id}: {describe(exc)}") from exc
        return bytes(response["Body"].read())

    def _client(self) -> Any:
        if self._s3 is None:
            self._s3 = self._client_factory("s3")
        return self._s3


def client_context(record: Record) -> dict[str, Any] | None:
    """The client context the original invocation carried, if the gate kept one."""
    stored = record.item.get(schema.CLIENT_CONTEXT)
    if stored is None or "S" not in stored:
        return None
    try:
        value = json.loads(stored["S"])
    except ValueError:
        return None
    return value if isinstance(value, dict) else None
