"""How an event is kept: exact JSON text, compressed when large.

The stored bytes are the JSON text of the event, so replay sends back an equal
value: big integers, floats, deep nesting and any unicode (escaped to ASCII, which
also keeps lone surrogates intact) survive.
"""

from __future__ import annotations

import hashlib
import json
import zlib
from dataclasses import dataclass
from typing import Any

PLAIN = "json"
COMPRESSED = "json+zlib"
# Below this, compression costs more CPU than the bytes it saves.
COMPRESS_OVER_BYTES = 4096


class EventEncodingError(ValueError):
    """Raised when an event cannot be written as JSON, or stored bytes cannot be read back."""


@dataclass(frozen=True)
class EncodedEvent:
    body: bytes
    encoding: str
    size: int  # bytes of the JSON text before compression
    # SHA-256 of the JSON text: how the store recognises the replay of a record by its bytes.
    digest: str = ""


def encode_event(event: Any) -> EncodedEvent:
    text = event_json(event)
    digest = event_digest(text)
    if len(text) <= COMPRESS_OVER_BYTES:
        return EncodedEvent(text, PLAIN, len(text), digest)
    return EncodedEvent(zlib.compress(text, 6), COMPRESSED, len(text), digest)


def event_json(event: Any) -> bytes:
    """The exact JSON text the gate stores for ``event`` (and the replayer sends back)."""
    try:
        return json.dumps(event, separators=(",", ":"), ensure_ascii=True).encode("ascii")
    except (TypeError, ValueError, RecursionError) as exc:
        raise EventEncodingError(f"event is not JSON-serialisable: {exc}") from exc


def event_digest(text: bytes) -> str:
    return hashlib.sha256(text).hexdigest()


def decode_body(body: bytes, encoding: str) -> bytes:
    """The event's JSON text, as the replayer sends it back to the function."""
    if encoding == PLAIN:
        return body
    if encoding == COMPRESSED:
        try:
            return zlib.decompress(body)
        except zlib.error as exc:
            raise EventEncodingError(f"stored event is corrupt: {exc}") from exc
    raise EventEncodingError(f"unknown event encoding {encoding!r}")


def decode_event(body: bytes, encoding: str) -> Any:
    return json.loads(decode_body(body, encoding))


def encode_identifiers(identifiers: list[str]) -> bytes:
    """A partial batch's failed identifiers, in batch order, as kept in the overflow bucket: compressed JSON."""
    return zlib.compress(json.dumps(identifiers, separators=(",", ":"), ensure_ascii=True).encode("ascii"), 6)


def decode_identifiers(body: bytes) -> list[str]:
    try:
        identifiers = json.loads(zlib.decompress(body))
    except (zlib.error, ValueError) as exc:
        raise EventEncodingError(f"stored failed items are corrupt: {exc}") from exc
    if not isinstance(identifiers, list) or not all(isinstance(value, str) for value in identifiers):
        raise EventEncodingError("stored failed items are not a list of identifiers")
    return identifiers
