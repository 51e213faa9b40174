"""GateConfig.from_env: defaults, and errors that name the variable."""

from __future__ import annotations

import pytest

from gate.config import FailMode, GateConfig, GateConfigError, OnDefer

BASE = {"GATE_PARAMETER_NAME": "/gate/window", "GATE_TABLE_NAME": "deferred"}


def test_defaults() -> None:
    config = GateConfig.from_env(BASE)

    assert (config.cache_ttl_seconds, config.fail_mode, config.on_defer) == (10.0, FailMode.LIVE, OnDefer.RESPOND)
    assert config.overflow_bucket is None


def test_values_are_read() -> None:
    config = GateConfig.from_env(
        {**BASE, "GATE_CACHE_TTL_SECONDS": "2.5", "GATE_FAIL_MODE": "Maintenance", "GATE_ON_DEFER": "error"}
    )

    assert (config.cache_ttl_seconds, config.fail_mode, config.on_defer) == (2.5, FailMode.MAINTENANCE, OnDefer.ERROR)


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"GATE_TABLE_NAME": "t"}, "GATE_PARAMETER_NAME is not set"),
        ({**BASE, "GATE_CACHE_TTL_SECONDS": "ten"}, "GATE_CACHE_TTL_SECONDS='ten' is not a number"),
        ({**BASE, "GATE_CACHE_TTL_SECONDS": "-1"}, "GATE_CACHE_TTL_SECONDS='-1' must be between 0 and 3600"),
        ({**BASE, "GATE_FAIL_MODE": "open"}, "GATE_FAIL_MODE='open' must be one of live, maintenance"),
        ({**BASE, "GATE_ON_DEFER": "drop"}, "GATE_ON_DEFER='drop' must be one of respond, error"),
    ],
)
def test_bad_values_name_the_variable(environ: dict[str, str], message: str) -> None:
    with pytest.raises(GateConfigError, match=message.replace("(", r"\(")):
        GateConfig.from_env(environ)
