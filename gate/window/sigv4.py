"""AWS Signature Version 4 for the one request shape the gate sends: a POST with a body.

Written against ``hashlib`` and ``hmac`` so that signing loads nothing beyond the
standard library; tests hold it to botocore's ``SigV4Auth`` and to AWS's published
test vectors.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import NamedTuple

ALGORITHM = "AWS4-HMAC-SHA256"


class Credentials(NamedTuple):
    access_key: str
    secret_key: str
    token: str | None = None


def amz_date(instant: float) -> str:
    return datetime.fromtimestamp(instant, timezone.utc).strftime("%Y%m%dT%H%M%SZ")


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
            hashlib.sha256(body).hexdigest(),
        )
    )
    timestamp = canonical["x-amz-date"]
    scope = f"{timestamp[:8]}/{region}/{service}/aws4_request"
    string_to_sign = "\n".join((ALGORITHM, timestamp, scope, hashlib.sha256(canonical_request.encode()).hexdigest()))
    key = _signing_key(credentials.secret_key, timestamp[:8], region, service)
    signature = hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()
    return f"{ALGORITHM} Credential={credentials.access_key}/{scope}, SignedHeaders={signed}, Signature={signature}"


def _signing_key(secret_key: str, day: str, region: str, service: str) -> bytes:
    key = ("AWS4" + secret_key).encode()
    for part in (day, region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key
