"""GetParameter for the window document: signed here, sent with :mod:`gate.window.transport`.

The same timeouts, retries and error names as the botocore-based reader it replaces
(see :mod:`gate.window.errors`), so a failed refresh logs and counts as before.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Mapping

from gate.records import NamedTuple
from gate.window import sigv4, transport
from gate.window.errors import ParameterReadError, ServiceError
from gate.window.jitter import SystemJitter
from gate.window.sigv4 import Credentials
from gate.window.trust import Trust, stores_for

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (gate.records says why)

if TYPE_CHECKING:
    from typing import Any

_TARGET = "AmazonSSM.GetParameter"
_CONTENT_TYPE = "application/x-amz-json-1.1"
# Retried once within a read. Not ThrottlingException: a throttled read fails at once and
# the cache's back-off (gate/window/cache.py) is its retry, so a throttled fleet does not
# double its load (docs/scale.md, "Throttling").
_RETRYABLE_CODES = frozenset({"InternalServerError", "ServiceUnavailable"})
_USER_AGENT = "maintenance-gate"


class Parameter(NamedTuple):
    value: str
    version: int | None


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
        env = os.environ if environ is None else environ
        self.parameter_name = parameter_name
        self.region = env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or _configured_region()
        self.endpoint_url = ssm_endpoint(self.region, env)
        self._endpoint = transport.Endpoint.parse(self.endpoint_url)
        # One kept-alive connection: a warm environment does not pay a TLS handshake every TTL.
        self._channel = transport.Channel(
            self._endpoint,
            proxy=_proxy(self._endpoint, env),
            trust=Trust(stores_for(self._endpoint.host, env)) if self._endpoint.scheme == "https" else None,
        )
        self._credentials = _credentials(env, connect_timeout, read_timeout)
        self._timeouts = (connect_timeout, read_timeout)
        self._body = json.dumps({"Name": parameter_name}).encode()
        self._max_attempts = max_attempts
        self._environ = env
        self._rng = SystemJitter()

    @property
    def channel(self) -> transport.Channel:
        return self._channel

    def __call__(self) -> str:
        return self.read().value

    def renew(self) -> None:
        """After a SnapStart restore: new jitter, no connection from the snapshot, credentials read afresh."""
        self._rng.seed()
        self._channel.close()
        connect_timeout, read_timeout = self._timeouts
        self._credentials = _credentials(self._environ, connect_timeout, read_timeout)

    def read(self) -> Parameter:
        for attempt in range(1, self._max_attempts + 1):
            try:
                return self._get_once()
            except ServiceError as exc:
                if exc.code not in _RETRYABLE_CODES or attempt == self._max_attempts:
                    raise
            except ParameterReadError:
                if attempt == self._max_attempts:
                    raise
            # Full jitter, small base: this only ever delays freshness, never an event.
            time.sleep(self._rng.uniform(0, 0.05 * 2**attempt))
        raise AssertionError("unreachable")  # pragma: no cover

    def _get_once(self) -> Parameter:
        credentials = self._credentials()
        headers = {
            "Host": self._endpoint.host_header,
            "X-Amz-Date": sigv4.amz_date(time.time()),
            "X-Amz-Target": _TARGET,
            "Content-Type": _CONTENT_TYPE,
        }
        if credentials.token:
            headers["X-Amz-Security-Token"] = credentials.token
        headers["Authorization"] = sigv4.authorization(
            method="POST",
            path=self._endpoint.path,
            headers=headers,
            body=self._body,
            credentials=credentials,
            region=self.region,
            service="ssm",
        )
        headers["User-Agent"] = _USER_AGENT  # unsigned, as botocore leaves it
        connect_timeout, read_timeout = self._timeouts
        status, body = self._channel.exchange(
            "POST", headers, self._body, connect_timeout=connect_timeout, read_timeout=read_timeout
        )
        payload = _json(body)
        if status == 200:
            parameter = payload.get("Parameter")
            if isinstance(parameter, dict) and "Value" in parameter:
                version = parameter.get("Version")
                return Parameter(str(parameter["Value"]), version if isinstance(version, int) else None)
        raise ServiceError(_error_type(payload, status), _message(payload), status)


def ssm_endpoint(region: str, environ: Mapping[str, str]) -> str:
    """The endpoint boto3 would use: per-service and global overrides, FIPS, partitions."""
    if environ.get("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "").lower() != "true":
        for variable in ("AWS_ENDPOINT_URL_SSM", "AWS_ENDPOINT_URL"):
            if environ.get(variable):
                return environ[variable]
    fips = "-fips" if environ.get("AWS_USE_FIPS_ENDPOINT", "").lower() == "true" else ""
    suffix = "amazonaws.com.cn" if region.startswith("cn-") else "amazonaws.com"
    return f"https://ssm{fips}.{region}.{suffix}"


def _credentials(env: Mapping[str, str], connect_timeout: float, read_timeout: float) -> Callable[[], Credentials]:
    access_key, secret_key = env.get("AWS_ACCESS_KEY_ID"), env.get("AWS_SECRET_ACCESS_KEY")
    if access_key and secret_key:  # every ordinary Lambda environment
        static = Credentials(access_key, secret_key, env.get("AWS_SESSION_TOKEN") or None)
        return lambda: static
    from gate.window.credentials import CredentialSource  # SnapStart, Managed Instances, operators

    return CredentialSource(env, connect_timeout=connect_timeout, read_timeout=read_timeout).get


def _proxy(endpoint: transport.Endpoint, env: Mapping[str, str]) -> transport.Endpoint | None:
    if not any(env.get(name) for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy")):
        return None
    from gate.window.proxy import proxy_for  # compiled only where a proxy is configured

    return proxy_for(endpoint, env)


def _configured_region() -> str:
    # Lambda always sets AWS_REGION; only an operator's machine gets here.
    import botocore.session

    return str(botocore.session.Session().get_config_variable("region") or "us-east-1")


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
