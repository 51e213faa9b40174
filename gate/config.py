"""The gate's settings, read once from the environment into a frozen dataclass."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import TypeVar

from gate import environment


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


@dataclass(frozen=True)
class GateConfig:
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

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> GateConfig:
        env = os.environ if environ is None else environ
        return cls(
            parameter_name=_required(env, "GATE_PARAMETER_NAME"),
            table_name=_required(env, "GATE_TABLE_NAME"),
            overflow_bucket=env.get("GATE_OVERFLOW_BUCKET") or None,
            cache_ttl_seconds=_number(env, "GATE_CACHE_TTL_SECONDS", 10.0, low=0.0, high=3600.0),
            fail_mode=_choice(env, "GATE_FAIL_MODE", FailMode, FailMode.LIVE),
            on_defer=_choice(env, "GATE_ON_DEFER", OnDefer, OnDefer.RESPOND),
            on_http=_choice(env, "GATE_ON_HTTP", OnHttp, OnHttp.REJECT),
            on_ordered=_choice(env, "GATE_ON_ORDERED", OnOrdered, OnOrdered.HOLD),
            inline_limit_bytes=int(
                _number(
                    env,
                    "GATE_INLINE_LIMIT_BYTES",
                    DEFAULT_INLINE_LIMIT_BYTES,
                    low=1024,
                    high=DEFAULT_INLINE_LIMIT_BYTES,
                )
            ),
            ssm_connect_timeout=_number(env, "GATE_SSM_CONNECT_TIMEOUT_SECONDS", 1.0, low=0.1, high=10.0),
            ssm_read_timeout=_number(env, "GATE_SSM_READ_TIMEOUT_SECONDS", 1.0, low=0.1, high=10.0),
        )


def _required(env: Mapping[str, str], name: str) -> str:
    return environment.required(env, name, GateConfigError, "the gate needs it (see README: gating a function)")


def _number(env: Mapping[str, str], name: str, default: float, *, low: float, high: float) -> float:
    return environment.number(env, name, default, low=low, high=high, error=GateConfigError)


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
