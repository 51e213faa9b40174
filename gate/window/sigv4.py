"""AWS Signature Version 4 for the one request shape the gate sends: a POST with a body.

Written against the interpreter's built-in SHA-256, with HMAC (RFC 2104) spelt out:
``hashlib`` and ``hmac`` would load OpenSSL's ``_hashlib``, about 2 ms of a cold start
that nothing else at init needs (not even ``ssl``). Tests hold it to botocore's
``SigV4Auth``, to AWS's published test vectors and to ``hmac`` itself.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from importlib import import_module

from gate.records import NamedTuple

ALGORITHM = "AWS4-HMAC-SHA256"

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (gate.records says why)

if TYPE_CHECKING:
    from typing import Protocol

    class _Hash(Protocol):
        def digest(self) -> bytes: ...

        def hexdigest(self) -> str: ...


class Credentials(NamedTuple):
    access_key: str
    secret_key: str
    token: str | None = None


def amz_date(instant: float) -> str:
    # time, not datetime: the read starts before anything imports datetime (about 4 ms on 3.10 and 3.11).
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(instant))


def authorization(
    *,
    method: str,
    path: str,
    headers: Mapping[str, str],
    body: bytes,
    credentials: Credentials,
    region: str,
    service: str,
) -> str:
    """The Authorization header for a request whose headers already hold Host and X-Amz-Date.

    Every header given is signed, as botocore does for the headers it sends; the query
    string is always empty, as it is for AWS's JSON protocols.
    """
    canonical = {name.lower(): " ".join(value.strip().split()) for name, value in headers.items()}
    signed = ";".join(sorted(canonical))
    canonical_request = "\n".join(
        (
            method.upper(),
            path or "/",
            "",
            "".join(f"{name}:{canonical[name]}\n" for name in sorted(canonical)),
            signed,
            _sha256(body).hexdigest(),
        )
    )
    timestamp = canonical["x-amz-date"]
    scope = f"{timestamp[:8]}/{region}/{service}/aws4_request"
    string_to_sign = "\n".join((ALGORITHM, timestamp, scope, _sha256(canonical_request.encode()).hexdigest()))
    key = _signing_key(credentials.secret_key, timestamp[:8], region, service)
    signature = hmac_sha256(key, string_to_sign.encode()).hex()
    return f"{ALGORITHM} Credential={credentials.access_key}/{scope}, SignedHeaders={signed}, Signature={signature}"


def _signing_key(secret_key: str, day: str, region: str, service: str) -> bytes:
    key = ("AWS4" + secret_key).encode()
    for part in (day, region, service, "aws4_request"):
        key = hmac_sha256(key, part.encode())
    return key


def hmac_sha256(key: bytes, message: bytes) -> bytes:
    if len(key) > _BLOCK:
        key = _sha256(key).digest()
    key = key.ljust(_BLOCK, b"\0")
    inner = _sha256(key.translate(_INNER_PAD) + message).digest()
    return _sha256(key.translate(_OUTER_PAD) + inner).digest()


def _builtin_sha256() -> Callable[[bytes], _Hash]:
    for name in ("_sha2", "_sha256"):  # Python 3.12 and later; 3.11 and earlier
        try:
            sha256: Callable[[bytes], _Hash] = import_module(name).sha256
            return sha256
        except (ImportError, AttributeError):
            continue
    from hashlib import sha256  # a build without the built-in hashes

    return sha256


def sha256_hex(data: bytes) -> str:
    return _sha256(data).hexdigest()


_BLOCK = 64  # SHA-256's block size in bytes
_INNER_PAD = bytes(value ^ 0x36 for value in range(256))
_OUTER_PAD = bytes(value ^ 0x5C for value in range(256))
_sha256 = _builtin_sha256()
