"""The role's credentials, from where Lambda puts them, without botocore.

In order: the environment's keys (every ordinary Lambda environment), then the
container credentials endpoint (``AWS_CONTAINER_CREDENTIALS_FULL_URI`` or ``..._RELATIVE_URI``
with ``AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE`` or ``..._TOKEN``), which SnapStart and
Lambda Managed Instances use. Anywhere else (an operator's machine with a profile)
botocore's full chain is the fallback; it is never reached on Lambda.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Mapping
from datetime import datetime

from gate.window import transport
from gate.window.errors import CredentialRetrievalError, NoCredentialsError, ParameterReadError
from gate.window.sigv4 import Credentials

# The hosts the SDKs accept for a plain-http credentials endpoint: ECS's and EKS's link-local ones.
_CONTAINER_HOSTS = frozenset({"169.254.170.2", "169.254.170.23", "fd00:ec2::23"})
_RELATIVE_BASE = "http://169.254.170.2"
# Renew this long before expiry, so a request is never signed with keys about to lapse.
REFRESH_BEFORE_EXPIRY_SECONDS = 600.0

Clock = Callable[[], float]


class CredentialSource:
    """Credentials for signing; fetched once and renewed before they expire. Thread-safe."""

    def __init__(
        self, environ: Mapping[str, str], *, connect_timeout: float, read_timeout: float, clock: Clock = time.time
    ) -> None:
        self._environ = environ
        self._timeouts = (connect_timeout, read_timeout)
        self._clock = clock
        self._lock = threading.Lock()
        self._cached: Credentials | None = None
        self._expires_at = float("inf")
        self._static = _from_environment(environ)

    def get(self) -> Credentials:
        if self._static is not None:
            return self._static
        with self._lock:
            if self._cached is None or self._clock() >= self._expires_at - REFRESH_BEFORE_EXPIRY_SECONDS:
                self._cached, self._expires_at = self._load()
            return self._cached

    def _load(self) -> tuple[Credentials, float]:
        url = container_endpoint(self._environ)
        if url is not None:
            return self._from_container(url)
        # An operator's profile may hold short-lived keys: ask botocore again now and then.
        return _from_botocore(), self._clock() + REFRESH_BEFORE_EXPIRY_SECONDS + 300

    def _from_container(self, url: str) -> tuple[Credentials, float]:
        headers = {"Accept": "application/json"}
        token = _authorization_token(self._environ)
        if token:
            headers["Authorization"] = token
        endpoint = transport.Endpoint.parse(url)
        connect_timeout, read_timeout = self._timeouts
        failure: Exception | None = None
        for _ in range(2):
            try:
                status, body = transport.exchange(
                    "GET", endpoint, headers, None, connect_timeout=connect_timeout, read_timeout=read_timeout
                )
            except ParameterReadError as exc:
                failure = exc
                continue
            if status != 200:
                failure = CredentialRetrievalError(f"container credentials endpoint answered HTTP {status}")
                if status < 500:
                    break
                continue
            return _parse(body)
        raise CredentialRetrievalError(f"could not read container credentials from {url}: {failure}") from failure


def container_endpoint(environ: Mapping[str, str]) -> str | None:
    """The credentials endpoint the environment names, refusing hosts the SDKs would refuse."""
    relative = environ.get("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")
    if relative:
        return _RELATIVE_BASE + relative
    full = environ.get("AWS_CONTAINER_CREDENTIALS_FULL_URI")
    if not full:
        return None
    endpoint = transport.Endpoint.parse(full)
    if endpoint.scheme == "http" and not _allowed_plain_http_host(endpoint.host):
        raise CredentialRetrievalError(
            f"AWS_CONTAINER_CREDENTIALS_FULL_URI={full!r}: plain http is allowed only to a loopback or container host"
        )
    return full


def _allowed_plain_http_host(host: str) -> bool:
    if host in _CONTAINER_HOSTS or host == "localhost":
        return True
    from ipaddress import ip_address  # only for a plain-http FULL_URI, never on the common path

    try:
        return ip_address(host).is_loopback
    except ValueError:
        return False


def _authorization_token(environ: Mapping[str, str]) -> str | None:
    path = environ.get("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE")
    if path:
        try:
            with open(path, encoding="utf-8") as file:
                token = file.read().strip()
        except OSError as exc:
            raise CredentialRetrievalError(f"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE={path!r}: {exc}") from exc
    else:
        token = environ.get("AWS_CONTAINER_AUTHORIZATION_TOKEN", "")
    if "\r" in token or "\n" in token:
        raise CredentialRetrievalError("the container authorization token holds a line break")
    return token or None


def _parse(body: bytes) -> tuple[Credentials, float]:
    try:
        data = json.loads(body)
        credentials = Credentials(str(data["AccessKeyId"]), str(data["SecretAccessKey"]), data.get("Token"))
        expiration = data.get("Expiration")
        expires_at = datetime.fromisoformat(expiration.replace("Z", "+00:00")).timestamp() if expiration else None
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise CredentialRetrievalError(f"container credentials endpoint answered an unusable document: {exc}") from exc
    return credentials, float("inf") if expires_at is None else expires_at


def _from_environment(environ: Mapping[str, str]) -> Credentials | None:
    access_key, secret_key = environ.get("AWS_ACCESS_KEY_ID"), environ.get("AWS_SECRET_ACCESS_KEY")
    if access_key and secret_key:
        return Credentials(access_key, secret_key, environ.get("AWS_SESSION_TOKEN") or None)
    return None


def _from_botocore() -> Credentials:
    import botocore.session

    found = botocore.session.Session().get_credentials()
    if found is None:
        raise NoCredentialsError("Unable to locate credentials")
    frozen = found.get_frozen_credentials()
    return Credentials(frozen.access_key, frozen.secret_key, frozen.token)
