"""gate.deferral.codec at its edges: the compression threshold, the digest, the exact text, its refusals."""

from __future__ import annotations

import hashlib
import zlib

import pytest

from gate.deferral import codec


def event_of_text_length(length: int) -> dict[str, str]:
    padding = length - len(codec.event_json({"pad": ""}))
    return {"pad": "x" * padding}


@pytest.mark.parametrize(
    ("length", "encoding"),
    [(codec.COMPRESS_OVER_BYTES, codec.PLAIN), (codec.COMPRESS_OVER_BYTES + 1, codec.COMPRESSED)],
)
def test_an_event_is_compressed_only_over_the_threshold(length: int, encoding: str) -> None:
    encoded = codec.encode_event(event_of_text_length(length))

    assert (encoded.size, encoded.encoding) == (length, encoding)


@pytest.mark.parametrize("length", [10, codec.COMPRESS_OVER_BYTES + 1])
def test_the_digest_is_of_the_json_text_plain_or_compressed(length: int) -> None:
    event = event_of_text_length(length)

    encoded = codec.encode_event(event)

    assert encoded.digest == hashlib.sha256(codec.event_json(event)).hexdigest()
    assert hashlib.sha256(codec.decode_body(encoded.body, encoded.encoding)).hexdigest() == encoded.digest


def test_the_stored_text_is_compact_json() -> None:
    # Sizes count against the 400 KB item limit, and a replay is recognised by the
    # digest of these exact bytes, so the text must not change between versions.
    assert codec.event_json({"a": [1, 2], "b": {"c": None}}) == b'{"a":[1,2],"b":{"c":null}}'


def test_an_event_json_cannot_write_is_refused_by_name() -> None:
    with pytest.raises(codec.EventEncodingError, match=r"^event is not JSON-serialisable: .*set"):
        codec.encode_event({"ids": {1, 2}})


def test_a_corrupt_compressed_body_is_refused_by_name() -> None:
    body = zlib.compress(b'{"n":1}')[:-3]

    with pytest.raises(codec.EventEncodingError, match=r"^stored event is corrupt: "):
        codec.decode_body(body, codec.COMPRESSED)


def test_an_unknown_encoding_is_refused_naming_it() -> None:
    with pytest.raises(codec.EventEncodingError, match=r"^unknown event encoding 'json\+gzip'$"):
        codec.decode_body(b"{}", "json+gzip")
