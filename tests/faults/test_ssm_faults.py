"""SSM failing while the gate runs: it serves from the last good document (or its fail mode),
logs each distinct failure once, never raises, and never blocks an invocation for long.

The window source is built as ``gate.entry`` builds it (``GateConfig`` read from an
environment, the real :class:`ParameterFetcher` with its timeouts and retries); its
SSM endpoint is a :class:`FaultProxy` in front of the moto server. Only the source's
clock is a fake, so TTLs pass without sleeping.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import NamedTuple

import pytest

from gate.config import FailMode, GateConfig
from gate.local.servers import MotoServer
from gate.source import WindowSource
from gate.ssm_fetch import ParameterFetcher
from gate.window.decide import Decision
from tests.e2e.conftest import Stack
from tests.faults.fakes import Fault, FaultProxy
from tests.faults.support import LIVE, MAINTENANCE, logged, metric_values, refresh_bound, telemetry_records

TTL = 10.0
CONNECT_TIMEOUT, READ_TIMEOUT = 0.5, 0.5
STARTED_AT = 1_800_000_000.0


class FakeClock:
    def __init__(self) -> None:
        self.now = STARTED_AT

    def __call__(self) -> float:
        return self.now


class Harness:
    """A stack's parameter, an SSM endpoint that can fail, and the gate's source reading it."""

    def __init__(self, stack: Stack, fail_mode: FailMode) -> None:
        self.stack = stack
        self.fail_mode = fail_mode
        self.proxy = FaultProxy(stack.server.url).start()
        self.clock = FakeClock()
        environ = {
            "GATE_PARAMETER_NAME": stack.parameter,
            "GATE_TABLE_NAME": stack.table,
            "GATE_CACHE_TTL_SECONDS": str(TTL),
            "GATE_FAIL_MODE": fail_mode.value,
            "GATE_SSM_CONNECT_TIMEOUT_SECONDS": str(CONNECT_TIMEOUT),
            "GATE_SSM_READ_TIMEOUT_SECONDS": str(READ_TIMEOUT),
            "AWS_ENDPOINT_URL_SSM": self.proxy.url,
        }
        config = GateConfig.from_env(environ)
        fetch = ParameterFetcher(
            config.parameter_name,
            connect_timeout=config.ssm_connect_timeout,
            read_timeout=config.ssm_read_timeout,
            environ=environ,
        )
        self.source = WindowSource(
            fetch, ttl_seconds=config.cache_ttl_seconds, fail_mode=config.fail_mode, clock=self.clock
        )
        self.slowest = 0.0

    def invoke(self, advance: float = 0.0) -> Decision:
        """What one invocation sees, ``advance`` seconds after the previous one."""
        self.clock.now += advance
        started = time.monotonic()
        decision = self.source.current()
        self.slowest = max(self.slowest, time.monotonic() - started)
        return decision

    def break_ssm(self, fault: str) -> None:
        if fault == "parameter-not-found":
            self.stack.ssm.delete_parameter(Name=self.stack.parameter)
        elif fault == "unreachable":
            self.proxy.stop()
        else:
            self.proxy.always(SSM_FAULTS[fault].fault)

    def mend_ssm(self, value: str) -> None:
        self.proxy.stop()
        self.proxy.always(None)
        self.proxy.start()
        self.stack.put_window(value)

    def close(self) -> None:
        self.proxy.stop()


class SsmFault(NamedTuple):
    fault: Fault | None  # None: broken another way (see Harness.break_ssm)
    code: str  # what the gate logs and counts


SSM_FAULTS = {
    "throttled": SsmFault(Fault.json_error("ThrottlingException"), "ThrottlingException"),
    "access-denied": SsmFault(Fault.json_error("AccessDeniedException"), "AccessDeniedException"),
    "parameter-not-found": SsmFault(None, "ParameterNotFound"),
    "unreachable": SsmFault(None, "EndpointConnectionError"),
    "slower-than-the-read-timeout": SsmFault(Fault.slow(60.0), "ReadTimeoutError"),
}


@pytest.fixture
def harness(stack: Stack, aws_environment: MotoServer, request: pytest.FixtureRequest) -> Iterator[Harness]:
    fail_mode = getattr(request, "param", FailMode.LIVE)
    harness = Harness(stack, fail_mode)
    yield harness
    harness.close()


@pytest.mark.parametrize("fault", SSM_FAULTS)
def test_an_ssm_fault_keeps_the_last_good_document_and_is_logged_once(
    harness: Harness, capsys: pytest.CaptureFixture[str], fault: str
) -> None:
    # GIVEN the gate read a maintenance document at init
    harness.stack.put_window(MAINTENANCE)
    assert harness.source.prime().defer
    capsys.readouterr()

    # WHEN SSM fails, over five TTLs with ten invocations in each
    harness.break_ssm(fault)
    decisions = [harness.invoke(advance=TTL if step % 10 == 0 else 0.01) for step in range(50)]

    # THEN every invocation was answered from the last good document, none blocked long
    assert {(decision.defer, decision.reason) for decision in decisions} == {(True, "mode is maintenance")}
    assert harness.slowest < refresh_bound(CONNECT_TIMEOUT, READ_TIMEOUT) + 2.0  # slack for a loaded machine
    assert harness.source.fetch_count == 1 + 5  # one refresh per TTL, not one per invocation
    # ... and the failure was logged once, and counted at every refresh
    records = telemetry_records(capsys.readouterr().out)
    [warning] = logged(records, "window document refresh failed")
    assert (warning["level"], warning["error"], warning["using"]) == (
        "WARN",
        SSM_FAULTS[fault].code,
        "the last good document",
    )
    assert metric_values(records, "ConfigErrors") == [1] * 5

    # WHEN SSM recovers with a new document
    harness.mend_ssm(LIVE)
    after = harness.invoke(advance=TTL)

    # THEN the new document applies, and the recovery is logged once
    assert (after.defer, after.reason) == (False, "mode is live")
    records = telemetry_records(capsys.readouterr().out)
    assert [line["previous_error"] for line in logged(records, "window document refresh recovered")] == [
        SSM_FAULTS[fault].code
    ]


@pytest.mark.parametrize("harness", [FailMode.LIVE, FailMode.MAINTENANCE], indirect=True, ids=["live", "maintenance"])
@pytest.mark.parametrize("fault", ["throttled", "access-denied", "parameter-not-found", "unreachable"])
def test_with_no_document_ever_read_the_fail_mode_decides(
    harness: Harness, capsys: pytest.CaptureFixture[str], fault: str
) -> None:
    # GIVEN SSM fails from the start
    harness.break_ssm(fault)

    # WHEN the gate initialises and then serves invocations for a few seconds
    decisions = [harness.source.prime()] + [harness.invoke(advance=0.5) for _ in range(6)]

    # THEN every decision follows GATE_FAIL_MODE, and the failure is logged once
    fail_mode = harness.fail_mode
    assert {decision.defer for decision in decisions} == {fail_mode is FailMode.MAINTENANCE}
    assert all(f"GATE_FAIL_MODE={fail_mode.value}" in decision.reason for decision in decisions)
    [warning] = logged(telemetry_records(capsys.readouterr().out), "window document refresh failed")
    assert (warning["error"], warning["using"]) == (SSM_FAULTS[fault].code, f"GATE_FAIL_MODE={fail_mode.value}")
    # ... and it keeps trying sooner than the TTL, so a document that appears is used within seconds
    harness.mend_ssm(MAINTENANCE)
    assert harness.invoke(advance=1.0).reason == "mode is maintenance"


def test_each_distinct_failure_is_logged_once_per_change(harness: Harness, capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN a good document, then SSM failing in turn: throttled, denied, throttled again
    harness.stack.put_window(MAINTENANCE)
    harness.source.prime()
    capsys.readouterr()
    sequence = ["throttled", "throttled", "access-denied", "access-denied", "access-denied", "throttled"]

    # WHEN one refresh happens under each
    for fault in sequence:
        harness.break_ssm(fault)
        assert harness.invoke(advance=TTL).defer

    # THEN a warning marks each change of failure, not each refresh
    records = telemetry_records(capsys.readouterr().out)
    warnings = logged(records, "window document refresh failed")
    assert [line["error"] for line in warnings] == [
        "ThrottlingException",
        "AccessDeniedException",
        "ThrottlingException",
    ]
    assert len(metric_values(records, "ConfigErrors")) == len(sequence)
