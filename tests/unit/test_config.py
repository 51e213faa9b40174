"""GateConfig.from_env: defaults, and errors that name the variable."""

from __future__ import annotations

import pytest

from gate.config import FailMode, GateConfig, GateConfigError, OnDefer, OnHttp, OnOrdered

BASE = {"GATE_PARAMETER_NAME": "/gate/window", "GATE_TABLE_NAME": "deferred"}


def test_defaults() -> None:
    config = GateConfig.from_env(BASE)

    assert (config.cache_ttl_seconds, config.fail_mode, config.on_defer) == (10.0, FailMode.LIVE, OnDefer.RESPOND)
    assert config.overflow_bucket is None
    assert (config.on_http, config.on_ordered) == (OnHttp.REJECT, OnOrdered.HOLD)


def test_values_are_read() -> None:
    config = GateConfig.from_env(
        {**BASE, "GATE_CACHE_TTL_SECONDS": "2.5", "GATE_FAIL_MODE": "Maintenance", "GATE_ON_DEFER": "error"}
    )

    assert (config.cache_ttl_seconds, config.fail_mode, config.on_defer) == (2.5, FailMode.MAINTENANCE, OnDefer.ERROR)


def test_the_caller_answers_are_read() -> None:
    config = GateConfig.from_env({**BASE, "GATE_ON_HTTP": " Accept ", "GATE_ON_ORDERED": "defer"})

    assert (config.on_http, config.on_ordered) == (OnHttp.ACCEPT, OnOrdered.DEFER)


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"GATE_TABLE_NAME": "t"}, "GATE_PARAMETER_NAME is not set"),
        ({**BASE, "GATE_CACHE_TTL_SECONDS": "ten"}, "GATE_CACHE_TTL_SECONDS='ten' is not a number"),
        ({**BASE, "GATE_CACHE_TTL_SECONDS": "-1"}, "GATE_CACHE_TTL_SECONDS='-1' must be between 0 and 3600"),
        ({**BASE, "GATE_FAIL_MODE": "open"}, "GATE_FAIL_MODE='open' must be one of live, maintenance"),
        ({**BASE, "GATE_ON_DEFER": "drop"}, "GATE_ON_DEFER='drop' must be one of respond, error"),
        ({**BASE, "GATE_ON_HTTP": "retry"}, "GATE_ON_HTTP='retry' must be one of reject, accept"),
        ({**BASE, "GATE_ON_ORDERED": "skip"}, "GATE_ON_ORDERED='skip' must be one of hold, defer"),
    ],
)
def test_bad_values_name_the_variable(environ: dict[str, str], message: str) -> None:
    with pytest.raises(GateConfigError, match=message.replace("(", r"\(")):
        GateConfig.from_env(environ)
