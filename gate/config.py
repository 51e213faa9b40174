"""The gate's settings, read once from the environment into an immutable record.

A ``NamedTuple``, not a dataclass: ``dataclasses`` brings ``inspect``, ``ast`` and ``dis``,
about 5 ms of a cold start, and nothing else on the gate's init path needs it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from enum import Enum

from gate.records import NamedTuple

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (gate.records says why)

if TYPE_CHECKING:
    from typing import TypeVar


class GateConfigError(ValueError):
    """Raised at init when a GATE_* variable is missing or has a value the gate cannot use."""


class FailMode(str, Enum):
    LIVE = "live"
    MAINTENANCE = "maintenance"


class OnDefer(str, Enum):
    RESPOND = "respond"
    ERROR = "error"


class OnHttp(str, Enum):
    """What an HTTP caller is told inside a window: 503 and nothing kept, or 202 and the request kept."""

    REJECT = "reject"
    ACCEPT = "accept"


class OnOrdered(str, Enum):
    """Kinesis, DynamoDB Streams, SQS FIFO: fail so the source keeps order, or store the batch."""

    HOLD = "hold"
    DEFER = "defer"


# DynamoDB caps an item at 400 KB; the rest of the record needs room beside the event.
DEFAULT_INLINE_LIMIT_BYTES = 350_000


class GateConfig(NamedTuple):
    parameter_name: str
    table_name: str
    overflow_bucket: str | None = None
    cache_ttl_seconds: float = 10.0
    fail_mode: FailMode = FailMode.LIVE
    on_defer: OnDefer = OnDefer.RESPOND
    on_http: OnHttp = OnHttp.REJECT
    on_ordered: OnOrdered = OnOrdered.HOLD
    inline_limit_bytes: int = DEFAULT_INLINE_LIMIT_BYTES
    ssm_connect_timeout: float = 1.0
    ssm_read_timeout: float = 1.0
    # Window reads (docs/how-it-works.md, "Refreshes"): how long an invocation, and init, wait for one.
    refresh_wait_seconds: float = 0.2
    init_wait_seconds: float = 0.5
    shared_cache_dir: str | None = None  # on by default only where processes share an environment

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> GateConfig:
        env = os.environ if environ is None else environ
        default = cls._field_defaults
        return cls(
            parameter_name=_required(env, "GATE_PARAMETER_NAME"),
            table_name=_required(env, "GATE_TABLE_NAME"),
            overflow_bucket=env.get("GATE_OVERFLOW_BUCKET") or None,
            cache_ttl_seconds=_number(
                env, "GATE_CACHE_TTL_SECONDS", default["cache_ttl_seconds"], low=0.0, high=3600.0
            ),
            fail_mode=_choice(env, "GATE_FAIL_MODE", FailMode, default["fail_mode"]),
            on_defer=_choice(env, "GATE_ON_DEFER", OnDefer, default["on_defer"]),
            on_http=_choice(env, "GATE_ON_HTTP", OnHttp, default["on_http"]),
            on_ordered=_choice(env, "GATE_ON_ORDERED", OnOrdered, default["on_ordered"]),
            inline_limit_bytes=int(
                _number(
                    env,
                    "GATE_INLINE_LIMIT_BYTES",
                    DEFAULT_INLINE_LIMIT_BYTES,
                    low=1024,
                    high=DEFAULT_INLINE_LIMIT_BYTES,
                )
            ),
            ssm_connect_timeout=_number(
                env, "GATE_SSM_CONNECT_TIMEOUT_SECONDS", default["ssm_connect_timeout"], low=0.1, high=10.0
            ),
            ssm_read_timeout=_number(
                env, "GATE_SSM_READ_TIMEOUT_SECONDS", default["ssm_read_timeout"], low=0.1, high=10.0
            ),
            refresh_wait_seconds=_milliseconds(env, "GATE_REFRESH_WAIT_MS", default["refresh_wait_seconds"], high=1000),
            init_wait_seconds=_milliseconds(env, "GATE_INIT_WAIT_MS", default["init_wait_seconds"], high=5000),
            shared_cache_dir=_shared_cache_dir(env),
        )


def _required(env: Mapping[str, str], name: str) -> str:
    return required_setting(env, name, GateConfigError, "the gate needs it (see docs/how-it-works.md, Settings)")


def _number(env: Mapping[str, str], name: str, default: float, *, low: float, high: float) -> float:
    return number_setting(env, name, default, low=low, high=high, error=GateConfigError)


def _milliseconds(env: Mapping[str, str], name: str, default_seconds: float, *, high: float) -> float:
    """A wait given in milliseconds (as Lambda's own settings are), held in seconds."""
    return _number(env, name, default_seconds * 1000, low=0, high=high) / 1000


def _shared_cache_dir(env: Mapping[str, str]) -> str | None:
    raw = env.get("GATE_SHARED_CACHE_DIR", "").strip()
    if raw.lower() == "off":
        return None
    if raw:
        if not os.path.isabs(raw):
            raise GateConfigError(f"GATE_SHARED_CACHE_DIR={raw!r} must be an absolute path, or off")
        return raw
    # Lambda Managed Instances run several runtime processes per environment (awslambdaric's
    # multi-concurrent mode, signalled by AWS_LAMBDA_MAX_CONCURRENCY); elsewhere one process reads alone.
    return "/tmp" if env.get("AWS_LAMBDA_MAX_CONCURRENCY") else None


if TYPE_CHECKING:
    _Choice = TypeVar("_Choice", FailMode, OnDefer, OnHttp, OnOrdered)


def _choice(env: Mapping[str, str], name: str, kind: type[_Choice], default: _Choice) -> _Choice:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return kind(raw.strip().lower())
    except ValueError:
        accepted = ", ".join(member.value for member in kind)
        raise GateConfigError(f"{name}={raw!r} must be one of {accepted}") from None


# Shared with the replayer function's settings (gate.replay.config), each with its own error type.
def required_setting(env: Mapping[str, str], name: str, error: type[ValueError], hint: str) -> str:
    value = env.get(name, "").strip()
    if not value:
        raise error(f"{name} is not set; {hint}")
    return value


def number_setting(
    env: Mapping[str, str], name: str, default: float, *, low: float, high: float, error: type[ValueError]
) -> float:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise error(f"{name}={raw!r} is not a number") from None
    if not low <= value <= high:
        raise error(f"{name}={raw!r} must be between {low:g} and {high:g}")
    return value
