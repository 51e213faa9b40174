"""SigV4: the gate's signer against AWS's published test vectors and botocore's SigV4Auth."""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timezone

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials as BotocoreCredentials

from gate.window import sigv4

# From AWS's Signature Version 4 test suite (aws-sig-v4-test-suite): every case signs at
# 20150830T123600Z for us-east-1/service with these example keys.
SUITE_CREDENTIALS = sigv4.Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
SUITE_HEADERS = {"Host": "example.amazonaws.com", "X-Amz-Date": "20150830T123600Z"}
SUITE_CASES = {
    "get-vanilla": ("GET", {}, b"", "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"),
    "post-vanilla": ("POST", {}, b"", "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"),
    "post-header-key-case": (
        "POST",
        {"MY-HEADER1": "value1"},
        b"",
        "c5410059b04c1ee005303aed430f6e6645f61f4dc9e1461ec8f8916fdf18852c",
    ),
    "post-x-www-form-urlencoded": (
        "POST",
        {"Content-Type": "application/x-www-form-urlencoded"},
        b"Param1=value1",
        "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a",
    ),
}


@pytest.mark.parametrize("case", SUITE_CASES)
def test_the_signer_matches_awss_published_test_suite(case: str) -> None:
    method, extra_headers, body, signature = SUITE_CASES[case]

    header = sigv4.authorization(
        method=method,
        path="/",
        headers={**SUITE_HEADERS, **extra_headers},
        body=body,
        credentials=SUITE_CREDENTIALS,
        region="us-east-1",
        service="service",
    )

    assert header.startswith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, ")
    assert header.endswith(f", Signature={signature}")


@pytest.mark.parametrize(
    ("url", "token"),
    [
        ("https://ssm.eu-south-1.amazonaws.com", "session-token"),
        ("https://ssm.eu-south-1.amazonaws.com/", None),
        ("http://127.0.0.1:4566", "token with  spaces"),
    ],
)
def test_a_get_parameter_is_signed_exactly_as_botocore_signs_it(
    monkeypatch: pytest.MonkeyPatch, url: str, token: str | None
) -> None:
    # GIVEN one instant, one set of keys, and the GetParameter request the gate sends
    instant = datetime(2026, 12, 1, 2, 3, 4, tzinfo=timezone.utc)
    monkeypatch.setattr("botocore.auth.get_current_datetime", lambda: instant.replace(tzinfo=None))
    body = b'{"Name": "/gate/window"}'
    headers = {"X-Amz-Target": "AmazonSSM.GetParameter", "Content-Type": "application/x-amz-json-1.1"}
    host = url.split("://")[1].rstrip("/")

    # WHEN botocore and the gate each sign it
    request = AWSRequest(method="POST", url=url, data=body, headers=dict(headers))
    SigV4Auth(BotocoreCredentials("AKIDEXAMPLE", "secret/key+", token), "ssm", "eu-south-1").add_auth(request)
    ours = {"Host": host, "X-Amz-Date": sigv4.amz_date(instant.timestamp()), **headers}
    if token:
        ours["X-Amz-Security-Token"] = token
    mine = sigv4.authorization(
        method="POST",
        path="/",
        headers=ours,
        body=body,
        credentials=sigv4.Credentials("AKIDEXAMPLE", "secret/key+", token),
        region="eu-south-1",
        service="ssm",
    )

    # THEN the Authorization headers are identical, and so are the headers botocore added
    assert mine == request.headers["Authorization"]
    assert request.headers["X-Amz-Date"] == ours["X-Amz-Date"]
    assert request.headers.get("X-Amz-Security-Token") == ours.get("X-Amz-Security-Token")


def test_a_changed_body_changes_the_signature() -> None:
    def sign(body: bytes) -> str:
        return sigv4.authorization(
            method="POST",
            path="/",
            headers=SUITE_HEADERS,
            body=body,
            credentials=SUITE_CREDENTIALS,
            region="us-east-1",
            service="service",
        )

    assert sign(b"a") != sign(b"b")


@pytest.mark.parametrize("key_length", [0, 1, 32, 63, 64, 65, 200])
def test_the_hmac_is_the_standard_librarys(key_length: int) -> None:
    key, message = bytes(range(key_length)), b"AWS4-HMAC-SHA256\n20150830T123600Z"

    assert sigv4.hmac_sha256(key, message) == hmac.new(key, message, hashlib.sha256).digest()
    assert sigv4.sha256_hex(message) == hashlib.sha256(message).hexdigest()


@pytest.mark.parametrize("instant", [0.0, 1_440_938_160.0, 1_796_518_479.999, 4_102_444_799.5])
def test_the_amz_date_is_utc_to_the_second_as_datetime_writes_it(instant: float) -> None:
    from datetime import datetime, timezone

    expected = datetime.fromtimestamp(instant, timezone.utc).strftime("%Y%m%dT%H%M%SZ")

    assert sigv4.amz_date(instant) == expected
