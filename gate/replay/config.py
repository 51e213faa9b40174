"""The replayer function's settings, read once from the environment into a frozen dataclass."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from gate.config import number_setting, required_setting
from gate.replay.engine import DEFAULT_LEASE_SECONDS, DEFAULT_RETENTION_DAYS, MAX_CONCURRENCY
from gate.replay.errors import ReplayerConfigError

DEFAULT_RATE = 10.0
# Stop taking records this long before the function's own timeout: room for the
# last invocation to finish and its outcome to be written.
DEFAULT_MARGIN_SECONDS = 10.0
# Workers per run, each replaying its share of the queue's shards in order.
DEFAULT_CONCURRENCY = 1


@dataclass(frozen=True)
class ReplayerConfig:
    parameter_name: str
    table_name: str
    functions: tuple[str, ...]
    overflow_bucket: str | None = None
    rate_per_second: float = DEFAULT_RATE
    retention_days: float = DEFAULT_RETENTION_DAYS
    lease_seconds: float = DEFAULT_LEASE_SECONDS
    margin_seconds: float = DEFAULT_MARGIN_SECONDS
    concurrency: int = DEFAULT_CONCURRENCY

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> ReplayerConfig:
        env = os.environ if environ is None else environ
        return cls(
            parameter_name=_required(env, "GATE_PARAMETER_NAME"),
            table_name=_required(env, "GATE_TABLE_NAME"),
            functions=_names(env, "GATE_REPLAY_FUNCTIONS"),
            overflow_bucket=env.get("GATE_OVERFLOW_BUCKET", "").strip() or None,
            rate_per_second=_number(env, "GATE_REPLAY_RATE", DEFAULT_RATE, low=0.01, high=1000.0),
            retention_days=_number(env, "GATE_RETENTION_DAYS", DEFAULT_RETENTION_DAYS, low=0.01, high=3650.0),
            lease_seconds=_number(env, "GATE_REPLAY_LEASE_SECONDS", DEFAULT_LEASE_SECONDS, low=1.0, high=86_400.0),
            margin_seconds=_number(env, "GATE_REPLAY_MARGIN_SECONDS", DEFAULT_MARGIN_SECONDS, low=0.0, high=900.0),
            concurrency=_whole(env, "GATE_REPLAY_CONCURRENCY", DEFAULT_CONCURRENCY, high=MAX_CONCURRENCY),
        )


def _required(env: Mapping[str, str], name: str) -> str:
    return required_setting(env, name, ReplayerConfigError, "the replayer function needs it")


def _names(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    names = tuple(dict.fromkeys(part.strip() for part in _required(env, name).split(",") if part.strip()))
    if not names:
        raise ReplayerConfigError(f"{name}={env[name]!r} names no function; give a comma-separated list")
    return names


def _number(env: Mapping[str, str], name: str, default: float, *, low: float, high: float) -> float:
    return number_setting(env, name, default, low=low, high=high, error=ReplayerConfigError)


def _whole(env: Mapping[str, str], name: str, default: int, *, high: int) -> int:
    value = _number(env, name, float(default), low=1.0, high=float(high))
    if value != int(value):
        raise ReplayerConfigError(f"{name}={env[name]!r} is not a whole number; give 1 to {high}")
    return int(value)
