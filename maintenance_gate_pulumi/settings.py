"""Stack configuration, read and validated in one place into a frozen dataclass.

Every key has its default here and the same default in Pulumi.yaml (a test keeps
the two equal): the CLI applies Pulumi.yaml's defaults, Pulumi's mocks do not. A bad
value stops the program before any resource is declared, with one message per bad
key naming the key, what it accepts and what it got.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pulumi

from gate.config import FailMode, GateConfig, OnDefer
from gate.deferral import table as schema
from layer.build import COMPATIBLE_ARCHITECTURES, COMPATIBLE_RUNTIMES
from maintenance_gate_pulumi.component import ON_HTTP_CHOICES, ON_ORDERED_CHOICES
from maintenance_gate_pulumi.logs import DEFAULT_LOG_RETENTION_DAYS, LOG_RETENTION_DAYS
from maintenance_gate_pulumi.replay_timing import ReplayTimingError, replay_timing
from maintenance_gate_pulumi.replayer import MAX_CONCURRENCY
from maintenance_gate_pulumi.window import InitialWindowError, initial_window_text

_GATE_DEFAULTS: dict[str, Any] = GateConfig._field_defaults

DEFAULTS: dict[str, Any] = {
    "runtime": "python3.12",
    "architecture": "arm64",
    "memory": 256,
    "timeout": 10,
    "scheduleExpression": "rate(5 minutes)",
    "scheduleTimezone": "UTC",
    "scheduleEnabled": True,
    "initialWindow": {"mode": "auto", "windows": [], "recurring": []},
    # The gate's own defaults, so a stack that sets nothing deploys what an unset variable means.
    "cacheTtlSeconds": int(_GATE_DEFAULTS["cache_ttl_seconds"]),
    "failMode": _GATE_DEFAULTS["fail_mode"].value,
    "onDefer": _GATE_DEFAULTS["on_defer"].value,
    "onHttp": _GATE_DEFAULTS["on_http"].value,
    "onOrdered": _GATE_DEFAULTS["on_ordered"].value,
    "retentionDays": schema.DEFAULT_RETENTION_DAYS,
    "logRetentionDays": DEFAULT_LOG_RETENTION_DAYS,
    "protectData": True,
    "replayerEnabled": False,
    "replayerRate": 10,
    "replayerConcurrency": 1,
    "parameterHighThroughput": False,
    "nodejsSample": False,
    "nodejsRuntime": "nodejs22.x",
}
# The Node.js runtimes the stack's Node.js sample may use.
NODEJS_RUNTIMES = ("nodejs20.x", "nodejs22.x", "nodejs24.x")

_SCHEDULE_EXPRESSION = re.compile(
    r"^(rate\([1-9]\d* (minute|minutes|hour|hours|day|days)\)"
    r"|cron\([^()]+\)"
    r"|at\(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\))$"
)
_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d+$")


class StackConfigError(pulumi.RunError):
    """Raised when a stack config value is invalid; the CLI prints it without a stack trace."""


@dataclass(frozen=True)
class StackSettings:
    region: str | None
    runtime: str
    architecture: str
    memory: int
    timeout: int
    schedule_expression: str
    schedule_timezone: str
    schedule_enabled: bool
    initial_window: str  # canonical document text, already parsed by the gate's parser
    cache_ttl_seconds: int
    fail_mode: FailMode
    on_defer: OnDefer
    on_http: str
    on_ordered: str
    retention_days: int
    log_retention_days: int
    protect_data: bool
    replayer_enabled: bool
    replayer_rate: int
    replayer_concurrency: int
    parameter_high_throughput: bool
    nodejs_sample: bool
    nodejs_runtime: str


_T = TypeVar("_T")


class _Reader:
    """Reads raw config strings and records every problem instead of stopping at the first."""

    def __init__(self, config: pulumi.Config) -> None:
        self._config = config
        self.config_name = config.name
        self.problems: list[str] = []

    def value(self, key: str, parse: Callable[[str], _T], accepted: str) -> _T:
        raw = self._config.get(key)
        default: Any = DEFAULTS[key]
        if raw is None:
            return default  # type: ignore[no-any-return]
        try:
            return parse(raw.strip())
        except ValueError:
            self.problems.append(f"{self._config.name}:{key}: must be {accepted} (got {raw!r})")
            return default  # type: ignore[no-any-return]

    def choice(self, key: str, accepted: Sequence[str]) -> str:
        def parse(raw: str) -> str:
            if raw not in accepted:
                raise ValueError(raw)
            return raw

        return self.value(key, parse, f"one of {', '.join(accepted)}")

    def integer(self, key: str, low: int, high: int) -> int:
        def parse(raw: str) -> int:
            number = int(raw)
            if not low <= number <= high:
                raise ValueError(raw)
            return number

        return self.value(key, parse, f"an integer from {low} to {high}")

    def listed_integer(self, key: str, accepted: Sequence[int]) -> int:
        def parse(raw: str) -> int:
            number = int(raw)
            if number not in accepted:
                raise ValueError(raw)
            return number

        return self.value(key, parse, f"one of {', '.join(map(str, accepted))}")

    def boolean(self, key: str) -> bool:
        def parse(raw: str) -> bool:
            if raw.lower() not in ("true", "false"):
                raise ValueError(raw)
            return raw.lower() == "true"

        return self.value(key, parse, "true or false")

    def window(self, key: str) -> str:
        raw = self._config.get(key)
        try:
            return initial_window_text(DEFAULTS[key] if raw is None else raw, f"{self._config.name}:{key}")
        except InitialWindowError as exc:
            self.problems.append(str(exc))
            return initial_window_text(DEFAULTS[key], key)


def load_settings(config: pulumi.Config | None = None, aws_config: pulumi.Config | None = None) -> StackSettings:
    """Read this stack's settings; raises StackConfigError listing every bad key."""
    read = _Reader(config or pulumi.Config())
    region = (aws_config or pulumi.Config("aws")).get("region")
    if region is not None and not _REGION.match(region):
        read.problems.append(f"aws:region: must be an AWS region name such as eu-west-1 (got {region!r})")
    settings = StackSettings(
        region=region,
        runtime=read.choice("runtime", COMPATIBLE_RUNTIMES),
        architecture=read.choice("architecture", COMPATIBLE_ARCHITECTURES),
        memory=read.integer("memory", 128, 10240),
        timeout=read.integer("timeout", 1, 900),
        schedule_expression=read.value(
            "scheduleExpression",
            _schedule_expression,
            "an EventBridge Scheduler expression: rate(N minutes|hours|days), cron(...) or at(yyyy-mm-ddThh:mm:ss)",
        ),
        schedule_timezone=read.value("scheduleTimezone", _time_zone, "an IANA time-zone name such as Europe/Rome"),
        schedule_enabled=read.boolean("scheduleEnabled"),
        initial_window=read.window("initialWindow"),
        cache_ttl_seconds=read.integer("cacheTtlSeconds", 0, 3600),
        fail_mode=FailMode(read.choice("failMode", [mode.value for mode in FailMode])),
        on_defer=OnDefer(read.choice("onDefer", [behaviour.value for behaviour in OnDefer])),
        on_http=read.choice("onHttp", ON_HTTP_CHOICES),
        on_ordered=read.choice("onOrdered", ON_ORDERED_CHOICES),
        retention_days=read.integer("retentionDays", 1, 3650),
        log_retention_days=read.listed_integer("logRetentionDays", LOG_RETENTION_DAYS),
        protect_data=read.boolean("protectData"),
        replayer_enabled=read.boolean("replayerEnabled"),
        replayer_rate=read.integer("replayerRate", 1, 1000),
        replayer_concurrency=read.integer("replayerConcurrency", 1, MAX_CONCURRENCY),
        parameter_high_throughput=read.boolean("parameterHighThroughput"),
        nodejs_sample=read.boolean("nodejsSample"),
        nodejs_runtime=read.choice("nodejsRuntime", NODEJS_RUNTIMES),
    )
    if settings.replayer_enabled:
        try:
            replay_timing([settings.timeout])
        except ReplayTimingError as exc:
            read.problems.append(f"{read.config_name}:timeout: {exc}")
    if read.problems:
        raise StackConfigError("invalid stack configuration:\n  " + "\n  ".join(read.problems))
    return settings


def _schedule_expression(raw: str) -> str:
    if not _SCHEDULE_EXPRESSION.match(raw):
        raise ValueError(raw)
    return raw


def _time_zone(raw: str) -> str:
    # ZoneInfo would also read a path; only plain IANA names are meant here.
    if not raw or raw.startswith(("/", ".")) or ".." in raw:
        raise ValueError(raw)
    try:
        ZoneInfo(raw)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        # A directory such as "Europe" raises IsADirectoryError rather than not-found.
        raise ValueError(raw) from None
    return raw
