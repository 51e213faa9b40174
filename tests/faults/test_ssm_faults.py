"""SSM failing while the gate runs: it serves from the last good document (or its fail mode),
logs each distinct failure once, backs off, never raises, and never blocks an invocation
(or init) for longer than its bound.

The window source is built as ``gate.entry`` builds it (``GateConfig`` read from an
environment, the real :class:`ParameterFetcher` with its timeouts and retries); its
SSM endpoint is a :class:`FaultProxy` in front of the moto server. Only the source's
clock is a fake, so TTLs pass without sleeping.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from typing import NamedTuple

import pytest

from gate.config import FailMode, GateConfig
from gate.local.servers import MotoServer
from gate.window.cache import MAX_BACKOFF_SECONDS, WindowSource
from gate.window.decide import Decision
from gate.window.reader import ParameterFetcher
from tests.e2e.conftest import Stack
from tests.faults.fakes import Fault, FaultProxy
from tests.faults.support import LIVE, MAINTENANCE, logged, metric_values, refresh_bound, telemetry_records

# How long an invocation may wait for a refresh, and init for the first read, in these tests.
REFRESH_WAIT, INIT_WAIT = 0.1, 0.3
# Generous: the machine running the tests may be busy; the bound being tested is far below the hang.
SLACK = 2.0

TTL = 10.0
CONNECT_TIMEOUT, READ_TIMEOUT = 0.5, 0.5
STARTED_AT = 1_800_000_000.0


class FakeClock:
    def __init__(self) -> None:
        self.now = STARTED_AT

    def __call__(self) -> float:
        return self.now


class HighRandom(random.Random):
    """Jitter at its top, so TTLs and backoffs land on known instants."""

    def uniform(self, a: float, b: float) -> float:
        return b


class Harness:
    """A stack's parameter, an SSM endpoint that can fail, and the gate's source reading it."""

    def __init__(self, stack: Stack, fail_mode: FailMode, rng: random.Random | None = None) -> None:
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
            "GATE_REFRESH_WAIT_MS": str(int(REFRESH_WAIT * 1000)),
            "GATE_INIT_WAIT_MS": str(int(INIT_WAIT * 1000)),
        }
        config = GateConfig.from_env(environ)
        fetch = ParameterFetcher(
            config.parameter_name,
            connect_timeout=config.ssm_connect_timeout,
            read_timeout=config.ssm_read_timeout,
            environ=environ,
        )
        self.source = WindowSource(
            fetch,
            ttl_seconds=config.cache_ttl_seconds,
            fail_mode=config.fail_mode,
            clock=self.clock,
            refresh_wait_seconds=config.refresh_wait_seconds,
            init_wait_seconds=config.init_wait_seconds,
            rng=rng or HighRandom(),
        )
        self.slowest = 0.0

    def prime(self) -> Decision:
        started = time.monotonic()
        decision = self.source.prime()
        self.slowest_init = time.monotonic() - started
        return decision

    def invoke(self, advance: float = 0.0) -> Decision:
        """What one invocation sees, ``advance`` seconds after the previous one (a refresh under way finishes first)."""
        if advance:
            assert self.source.settled(refresh_bound(CONNECT_TIMEOUT, READ_TIMEOUT) + SLACK)
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
    assert harness.prime().defer
    capsys.readouterr()

    # WHEN SSM fails, over seven TTLs with ten invocations in each
    harness.break_ssm(fault)
    decisions = [harness.invoke(advance=TTL if step % 10 == 0 else 0.01) for step in range(70)]

    # THEN every invocation was answered from the last good document, none waited past its bound
    assert {(decision.defer, decision.reason) for decision in decisions} == {(True, "mode is maintenance")}
    assert harness.slowest < REFRESH_WAIT + SLACK
    # ... reads backed off (after 10 s, then 20 s, then 40 s) instead of coming every TTL
    assert harness.source.fetch_count == 1 + 3
    # ... and the failure was logged once, and counted at every failed read
    records = telemetry_records(capsys.readouterr().out)
    [warning] = logged(records, "window document refresh failed")
    assert (warning["level"], warning["error"], warning["using"]) == (
        "WARN",
        SSM_FAULTS[fault].code,
        "the last good document",
    )
    assert metric_values(records, "ConfigErrors") == [1] * 3

    # WHEN SSM recovers with a new document, and the backoff's next read comes (60 s after the last)
    harness.mend_ssm(LIVE)
    harness.invoke(advance=6 * TTL)
    assert harness.source.settled(refresh_bound(CONNECT_TIMEOUT, READ_TIMEOUT) + SLACK)
    after = harness.invoke()

    # THEN the new document applies, and the recovery is logged once
    assert (after.defer, after.reason) == (False, "mode is live")
    records = telemetry_records(capsys.readouterr().out)
    assert [line["previous_error"] for line in logged(records, "window document refresh recovered")] == [
        SSM_FAULTS[fault].code
    ]


@pytest.mark.parametrize("harness", [FailMode.LIVE, FailMode.MAINTENANCE], indirect=True, ids=["live", "maintenance"])
def test_an_unanswering_ssm_costs_init_and_each_invocation_only_their_bounds(harness: Harness) -> None:
    # GIVEN an SSM endpoint that accepts connections and never answers (as with no route, reads hang)
    harness.break_ssm("slower-than-the-read-timeout")

    # WHEN the gate initialises and serves invocations over two TTLs
    first = harness.prime()
    decisions = [first] + [harness.invoke(advance=TTL if step % 10 == 0 else 0.01) for step in range(20)]

    # THEN init waited about its bound, not the reads' 2 x (connect + read timeout), and no invocation
    # waited past its own; all followed the fail mode
    assert harness.slowest_init < INIT_WAIT + SLACK < refresh_bound(CONNECT_TIMEOUT, READ_TIMEOUT) + SLACK
    assert harness.slowest < REFRESH_WAIT + SLACK
    fail_mode = harness.fail_mode
    assert {decision.defer for decision in decisions} == {fail_mode is FailMode.MAINTENANCE}


@pytest.mark.parametrize("harness", [FailMode.LIVE, FailMode.MAINTENANCE], indirect=True, ids=["live", "maintenance"])
@pytest.mark.parametrize("fault", ["throttled", "access-denied", "parameter-not-found", "unreachable"])
def test_with_no_document_ever_read_the_fail_mode_decides(
    harness: Harness, capsys: pytest.CaptureFixture[str], fault: str
) -> None:
    # GIVEN SSM fails from the start
    harness.break_ssm(fault)

    # WHEN the gate initialises and then serves invocations for a few seconds
    decisions = [harness.prime()] + [harness.invoke(advance=0.5) for _ in range(6)]

    # THEN every decision follows GATE_FAIL_MODE, and the failure is logged once
    fail_mode = harness.fail_mode
    assert {decision.defer for decision in decisions} == {fail_mode is FailMode.MAINTENANCE}
    assert all(f"GATE_FAIL_MODE={fail_mode.value}" in decision.reason for decision in decisions)
    [warning] = logged(telemetry_records(capsys.readouterr().out), "window document refresh failed")
    assert (warning["error"], warning["using"]) == (SSM_FAULTS[fault].code, f"GATE_FAIL_MODE={fail_mode.value}")
    # ... and it keeps trying sooner than the TTL, so a document that appears is used within seconds
    harness.mend_ssm(MAINTENANCE)
    harness.invoke(advance=8.0)  # the backoff without a document: 2, 4, then 8 s at most
    assert harness.source.settled(refresh_bound(CONNECT_TIMEOUT, READ_TIMEOUT) + SLACK)
    assert harness.invoke().reason == "mode is maintenance"


def test_each_distinct_failure_is_logged_once_per_change(harness: Harness, capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN a good document, then SSM failing in turn: throttled, denied, throttled again
    harness.stack.put_window(MAINTENANCE)
    harness.prime()
    capsys.readouterr()
    sequence = ["throttled", "throttled", "access-denied", "access-denied", "access-denied", "throttled"]

    # WHEN one refresh happens under each (the longest backoff apart, so each comes)
    for fault in sequence:
        harness.break_ssm(fault)
        assert harness.invoke(advance=MAX_BACKOFF_SECONDS).defer

    # THEN a warning marks each change of failure, not each refresh
    records = telemetry_records(capsys.readouterr().out)
    warnings = logged(records, "window document refresh failed")
    assert [line["error"] for line in warnings] == [
        "ThrottlingException",
        "AccessDeniedException",
        "ThrottlingException",
    ]
    assert len(metric_values(records, "ConfigErrors")) == len(sequence)


def test_a_throttled_gate_sends_a_handful_of_requests_a_minute_and_keeps_serving(
    stack: Stack, aws_environment: MotoServer
) -> None:
    # GIVEN a gate that read its document, then a Parameter Store that throttles every request
    harness = Harness(stack, FailMode.LIVE, rng=random.Random(20261201))  # the real jitter, seeded
    try:
        stack.put_window(MAINTENANCE)
        assert harness.prime().defer
        harness.break_ssm("throttled")
        sent_before = len(harness.proxy.requests)

        # WHEN it serves two invocations a second for ten simulated minutes
        per_minute, decisions = [], []
        for _ in range(10):
            counted = len(harness.proxy.requests)
            decisions += [harness.invoke(advance=0.5) for _ in range(120)]
            per_minute.append(len(harness.proxy.requests) - counted)
    finally:
        harness.close()

    # THEN every invocation was answered from the last good document, none waiting past its bound
    assert {decision.reason for decision in decisions} == {"mode is maintenance"}
    assert harness.slowest < REFRESH_WAIT + SLACK
    # ... and it backed off: after the first minute at most two reads a minute, of one request each
    # (throttling is not retried within a read: the back-off is the retry), where a read every TTL
    # would have sent 6 a minute
    assert all(count <= 2 for count in per_minute[1:]), per_minute
    assert sum(per_minute) == len(harness.proxy.requests) - sent_before <= 4 + 2 * 9
