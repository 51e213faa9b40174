"""GetParameter with botocore's signer, credentials and HTTP session, but no service model.

Creating a boto3 SSM client costs about 70 ms of a cold start, most of it parsing
the SSM service model; one signed ``AmazonSSM.GetParameter`` request needs none of
it. The pieces used here (SigV4Auth, the credential chain, URLLib3Session) are the
ones every boto3 client uses, and failures are raised as botocore's own
``ClientError``, so callers cannot tell the difference.
"""

from __future__ import annotations

import json
import os
import random
import time
from collections.abc import Mapping
from typing import Any

_TARGET = "AmazonSSM.GetParameter"
_CONTENT_TYPE = "application/x-amz-json-1.1"
_RETRYABLE_CODES = frozenset({"ThrottlingException", "InternalServerError", "ServiceUnavailable"})


class ParameterFetcher:
    """A callable returning the parameter's current value; one instance per execution environment."""

    def __init__(
        self,
        parameter_name: str,
        *,
        connect_timeout: float,
        read_timeout: float,
        max_attempts: int = 2,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        # Imported here, not per request: the first request may run on the priming thread
        # while the handler's own imports hold the import machinery.
        from botocore.auth import SigV4Auth  # noqa: F401
        from botocore.awsrequest import AWSRequest  # noqa: F401
        from botocore.exceptions import ClientError  # noqa: F401
        from botocore.httpsession import URLLib3Session

        env = os.environ if environ is None else environ
        self._region, self._credentials = _region_and_credentials(env)
        self._endpoint = ssm_endpoint(self._region, env)
        self._http = URLLib3Session(timeout=(connect_timeout, read_timeout))
        self._body = json.dumps({"Name": parameter_name})
        self._max_attempts = max_attempts

    def __call__(self) -> str:
        from botocore.exceptions import BotoCoreError, ClientError

        for attempt in range(1, self._max_attempts + 1):
            try:
                return self._get_once()
            except ClientError as exc:
                retryable = _error_code(exc.response) in _RETRYABLE_CODES
                if not retryable or attempt == self._max_attempts:
                    raise
            except BotoCoreError:
                if attempt == self._max_attempts:
                    raise
            # Full jitter, small base: this only ever delays freshness, never an event.
            time.sleep(random.uniform(0, 0.05 * 2**attempt))
        raise AssertionError("unreachable")  # pragma: no cover

    def _get_once(self) -> str:
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest
        from botocore.exceptions import ClientError, NoCredentialsError

        if self._credentials is None:
            raise NoCredentialsError()
        request = AWSRequest(
            method="POST",
            url=self._endpoint,
            data=self._body,
            headers={"X-Amz-Target": _TARGET, "Content-Type": _CONTENT_TYPE},
        )
        SigV4Auth(self._credentials.get_frozen_credentials(), "ssm", self._region).add_auth(request)
        response = self._http.send(request.prepare())
        payload = _json(response.content)
        if response.status_code == 200:
            return str(payload["Parameter"]["Value"])
        error = {
            "Error": {"Code": _error_type(payload, response.status_code), "Message": _message(payload)},
            "ResponseMetadata": {"HTTPStatusCode": response.status_code},
        }
        raise ClientError(error, "GetParameter")


def _region_and_credentials(env: Mapping[str, str]) -> tuple[str, Any]:
    """Lambda always sets the region and the role's keys in the environment; use them directly.

    A botocore Session would find the same values, but building one costs ~7 ms of a
    cold start. Elsewhere (an operator's machine, a profile) fall back to its full chain.
    """
    region = env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION")
    access_key, secret_key = env.get("AWS_ACCESS_KEY_ID"), env.get("AWS_SECRET_ACCESS_KEY")
    if region and access_key and secret_key:
        from botocore.credentials import Credentials

        return region, Credentials(access_key, secret_key, env.get("AWS_SESSION_TOKEN"))
    import botocore.session

    session = botocore.session.Session()
    return region or session.get_config_variable("region") or "us-east-1", session.get_credentials()


def ssm_endpoint(region: str, environ: Mapping[str, str]) -> str:
    """The endpoint boto3 would use: per-service and global overrides, FIPS, partitions."""
    if environ.get("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "").lower() != "true":
        for variable in ("AWS_ENDPOINT_URL_SSM", "AWS_ENDPOINT_URL"):
            if environ.get(variable):
                return environ[variable]
    fips = "-fips" if environ.get("AWS_USE_FIPS_ENDPOINT", "").lower() == "true" else ""
    suffix = "amazonaws.com.cn" if region.startswith("cn-") else "amazonaws.com"
    return f"https://ssm{fips}.{region}.{suffix}"


def _json(content: bytes) -> dict[str, Any]:
    try:
        parsed = json.loads(content or b"{}")
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


def _error_type(payload: dict[str, Any], status: int) -> str:
    # AWS JSON protocols name the error in "__type", sometimes prefixed "namespace#".
    raw = str(payload.get("__type") or payload.get("code") or f"HTTP{status}")
    return raw.rsplit("#", 1)[-1]


def _message(payload: dict[str, Any]) -> str:
    return str(payload.get("message") or payload.get("Message") or "")


def _error_code(response: Any) -> str:
    return str(response.get("Error", {}).get("Code", "")) if isinstance(response, dict) else ""
