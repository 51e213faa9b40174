"""A record's event and failed batch items, read back exactly as they were kept: in the record, or in S3."""

from __future__ import annotations

import json
from typing import Any

from gate.aws import ClientFactory, describe, error_code
from gate.deferral import table as schema
from gate.deferral.codec import EventEncodingError, decode_body, decode_identifiers, encode_identifiers
from gate.replay.errors import EventUnavailableError
from gate.replay.records import Record


class EventReader:
    """Fetches event bytes and item lists from the record or its overflow objects; S3 is reached only when needed."""

    def __init__(self, bucket: str | None, client_factory: ClientFactory) -> None:
        self.bucket = bucket
        self._client_factory = client_factory
        self._s3: Any = None

    def event_json(self, record: Record) -> bytes:
        """The event's exact JSON text, as the function first received it."""
        if record.event_body is not None:
            body = record.event_body
        elif record.overflow_key is not None:
            body = self._object(record, record.overflow_key)
        else:
            raise EventUnavailableError(f"record {record.request_id} holds no event (already removed after replay?)")
        try:
            return decode_body(body, record.event_encoding)
        except EventEncodingError as exc:
            raise EventUnavailableError(f"record {record.request_id}: {exc}") from exc

    def event(self, record: Record) -> Any:
        return json.loads(self.event_json(record))

    def failed_items(self, record: Record) -> frozenset[str]:
        """The batch items a later replay sends (empty: the whole event), from the record or its object."""
        if record.failed_items_key is None:
            return record.failed_items
        try:
            return frozenset(decode_identifiers(self._object(record, record.failed_items_key)))
        except EventEncodingError as exc:
            raise EventUnavailableError(f"record {record.request_id}: {exc}") from exc

    def keep_failed_items(self, record: Record, identifiers: list[str]) -> str:
        """Write a list of failed items too large for the record to the overflow bucket; returns its key.

        Keyed by the record, so a later partial failure overwrites it in place.
        """
        if not self.bucket:
            raise EventUnavailableError(
                f"record {record.request_id}: {len(identifiers)} failed items do not fit the record, "
                "and no overflow bucket is configured"
            )
        key = schema.failed_items_key(record.function_name, record.request_id)
        self._client().put_object(Bucket=self.bucket, Key=key, Body=encode_identifiers(identifiers))
        return key

    def delete_overflow(self, record: Record) -> None:
        """Remove the record's objects in the overflow bucket: its event's and its failed items'."""
        for key in (record.overflow_key, record.failed_items_key):
            if key is not None and self.bucket:
                self._client().delete_object(Bucket=self.bucket, Key=key)

    def delete_failed_items(self, record: Record) -> None:
        """Remove the failed items' object once the record keeps its list itself (or needs none)."""
        if record.failed_items_key is not None and self.bucket:
            self._client().delete_object(Bucket=self.bucket, Key=record.failed_items_key)

    def _object(self, record: Record, key: str) -> bytes:
        if not self.bucket:
            raise EventUnavailableError(
                f"record {record.request_id} keeps data in S3 ({key}) and no bucket is configured"
            )
        try:
            response = self._client().get_object(Bucket=self.bucket, Key=key)
        except Exception as exc:
            if error_code(exc) in ("NoSuchKey", "404"):
                raise EventUnavailableError(f"record {record.request_id}: overflow object {key} is missing") from exc
            raise EventUnavailableError(f"record {record.request_id}: {describe(exc)}") from exc
        return bytes(response["Body"].read())

    def _client(self) -> Any:
        if self._s3 is None:
            self._s3 = self._client_factory("s3")
        return self._s3
