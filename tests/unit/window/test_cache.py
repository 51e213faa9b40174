"""WindowSource: one fetch per TTL, exact boundaries, last good document, fail mode."""

from __future__ import annotations

import json
import random
import threading
import time
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

import pytest

import gate.window.decide
from gate.config import FailMode
from gate.window.cache import SystemJitter, WindowSource

WINDOW = json.dumps({"windows": [{"start": "2026-12-01T22:00:00Z", "end": "2026-12-02T02:00:00Z"}]})
START = datetime(2026, 12, 1, 22, tzinfo=timezone.utc).timestamp()
END = datetime(2026, 12, 2, 2, tzinfo=timezone.utc).timestamp()


class FakeClock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class FakeParameter:
    def __init__(self, value: str) -> None:
        self.value: str | Exception = value
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        if isinstance(self.value, Exception):
            raise self.value
        return self.value


class HighRandom(random.Random):
    """Jitter at its top: the TTL exactly, the backoff at its ceiling."""

    def uniform(self, a: float, b: float) -> float:
        return b


def make_source(parameter: Callable[[], str], clock: FakeClock, **kwargs: object) -> WindowSource:
    options = {"ttl_seconds": 10.0, "fail_mode": FailMode.LIVE, "rng": HighRandom(), **kwargs}
    return WindowSource(parameter, clock=clock, **options)  # type: ignore[arg-type]


def test_the_document_is_fetched_once_per_ttl() -> None:
    parameter, clock = FakeParameter(WINDOW), FakeClock(START - 3600)
    source = make_source(parameter, clock)
    source.prime()

    for step in range(1000):
        clock.now = START - 3600 + step * 0.009  # 1000 invocations within 9 seconds
        source.current()

    assert parameter.calls == 1
    clock.now = START - 3600 + 10
    source.current()
    assert parameter.calls == 2


def test_a_window_opens_and_closes_on_the_exact_instant_between_fetches() -> None:
    parameter, clock = FakeParameter(WINDOW), FakeClock(START - 0.5)
    source = make_source(parameter, clock, ttl_seconds=3600.0)
    assert not source.prime().defer

    clock.now = START - 0.001
    assert not source.current().defer
    clock.now = START
    assert source.current().defer
    clock.now = END - 0.001
    assert source.current().defer
    clock.now = END
    assert not source.current().defer
    assert parameter.calls == 2  # the fetch at init, and one when the hour-long TTL ran out


def test_an_edit_takes_effect_after_the_ttl() -> None:
    parameter, clock = FakeParameter('{"mode": "live"}'), FakeClock(START)
    source = make_source(parameter, clock)
    source.prime()

    parameter.value = '{"mode": "maintenance"}'
    clock.now = START + 9.99
    assert not source.current().defer
    clock.now = START + 10
    assert source.current().defer


def test_a_failed_refresh_keeps_the_last_good_document_backs_off_and_logs_once(
    capsys: pytest.CaptureFixture[str],
) -> None:
    parameter, clock = FakeParameter('{"mode": "maintenance"}'), FakeClock(START)
    source = make_source(parameter, clock, ttl_seconds=1.0)
    source.prime()
    parameter.value = ConnectionError("unreachable")

    decisions = []
    for step in range(1, 16):
        clock.now = START + step
        decisions.append(source.current().defer)

    assert decisions == [True] * 15
    # One read at init, then failures spaced 2, 4 and 8 s apart (the backoff at its ceiling).
    assert parameter.calls == 1 + 4
    logs = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"message"' in line]
    failures = [entry for entry in logs if entry["message"] == "window document refresh failed"]
    assert len(failures) == 1 and failures[0]["error"] == "ConnectionError"


def test_an_invalid_document_is_refused_and_the_last_good_one_kept() -> None:
    parameter, clock = FakeParameter('{"mode": "maintenance"}'), FakeClock(START)
    source = make_source(parameter, clock, ttl_seconds=1.0)
    source.prime()

    parameter.value = '{"mode": "maintenence"}'
    clock.now = START + 1

    assert source.current().defer
    assert source.document is not None and source.document.mode.value == "maintenance"


@pytest.mark.parametrize(("fail_mode", "defer"), [(FailMode.LIVE, False), (FailMode.MAINTENANCE, True)])
def test_with_no_document_ever_read_the_fail_mode_decides(fail_mode: FailMode, defer: bool) -> None:
    parameter, clock = FakeParameter(""), FakeClock(START)
    parameter.value = PermissionError("AccessDenied")
    source = make_source(parameter, clock, fail_mode=fail_mode)

    decision = source.prime()

    assert decision.defer is defer
    assert "GATE_FAIL_MODE" in decision.reason


def test_without_a_document_the_fetch_is_retried_sooner_than_the_ttl() -> None:
    parameter, clock = FakeParameter(""), FakeClock(START)
    parameter.value = TimeoutError("slow")
    source = make_source(parameter, clock, ttl_seconds=10.0)
    source.prime()

    parameter.value = '{"mode": "maintenance"}'
    clock.now = START + 2  # the first retry: 1 to 2 s, not the 10 s TTL

    assert source.current().defer
    assert parameter.calls == 2


def test_an_invocation_meeting_a_refresh_in_progress_reuses_the_cached_decision(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # GIVEN a primed source whose TTL has run out, and a refresh stuck in slow I/O on another thread
    parameter, clock = FakeParameter('{"mode": "maintenance"}'), FakeClock(START)
    source = make_source(parameter, clock, ttl_seconds=1.0)
    source.prime()
    release, entered = threading.Event(), threading.Event()

    def slow_fetch() -> str:
        entered.set()
        release.wait(5)
        return '{"mode": "maintenance"}'

    source._fetch = slow_fetch
    clock.now = START + 2
    refresher = threading.Thread(target=source.current)
    refresher.start()
    assert entered.wait(5)
    evaluations: list[object] = []
    real_decide = gate.window.decide.decide

    def counting_decide(*args: Any) -> Any:
        evaluations.append(args)
        return real_decide(*args)

    monkeypatch.setattr(gate.window.decide, "decide", counting_decide)

    # WHEN another invocation arrives meanwhile
    decision = source.current()
    evaluated_meanwhile = len(evaluations)
    release.set()
    refresher.join(5)

    # THEN it gets the cached decision, with no decide() (no time-zone math) and no waiting
    assert decision.defer and decision.reason == "mode is maintenance"
    assert evaluated_meanwhile == 0


class HangingParameter:
    """A Parameter Store that answers only when released: an unanswering endpoint, or no route to it."""

    def __init__(self, value: str) -> None:
        self.value = value
        self.release = threading.Event()
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        if self.calls > 1:
            self.release.wait(20)
        return self.value


class Context:
    def __init__(self, remaining_ms: int) -> None:
        self.remaining_ms = remaining_ms

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


def test_an_invocation_waits_for_a_hanging_refresh_only_briefly_and_the_refresh_finishes_later() -> None:
    # GIVEN a source in maintenance whose next read hangs
    parameter, clock = HangingParameter('{"mode": "maintenance"}'), FakeClock(START)
    source = make_source(parameter, clock, refresh_wait_seconds=0.05)
    assert source.prime().defer
    parameter.value = '{"mode": "live"}'
    clock.now = START + 10

    # WHEN invocations arrive after the TTL while the read hangs
    began = time.monotonic()
    decisions = [source.current().defer for _ in range(50)]
    waited = time.monotonic() - began

    # THEN they answer from the last good document, well before the read ends, with one read in flight
    assert decisions == [True] * 50
    assert waited < 10  # the read hangs for 20 s; 0.05 s is the bound
    assert parameter.calls == 2
    # ... and when the read completes off the request path, the next invocation sees its document
    parameter.release.set()
    assert source.settled(5)
    assert not source.current().defer


def test_the_wait_is_never_more_than_a_tenth_of_the_remaining_time() -> None:
    parameter, clock = HangingParameter('{"mode": "maintenance"}'), FakeClock(START)
    source = make_source(parameter, clock, refresh_wait_seconds=30.0)  # a bound the context must cut
    source.prime()
    clock.now = START + 10

    began = time.monotonic()
    decision = source.current(Context(remaining_ms=1000))  # so at most 0.1 s
    waited = time.monotonic() - began
    parameter.release.set()

    assert decision.defer
    assert waited < 10  # without the remaining-time rule it waits until the read ends, 20 s


def test_init_waits_for_the_first_read_only_up_to_its_bound() -> None:
    # GIVEN a Parameter Store that never answers (a VPC with no route to SSM)
    parameter, clock = HangingParameter('{"mode": "maintenance"}'), FakeClock(START)
    parameter.calls = 1  # so the first read hangs too
    source = make_source(parameter, clock, fail_mode=FailMode.MAINTENANCE, init_wait_seconds=0.05)

    # WHEN the gate initialises
    began = time.monotonic()
    decision = source.prime()
    waited = time.monotonic() - began

    # THEN init goes on after the bound with the fail mode, and the read completes later
    assert waited < 10
    assert decision.defer and "GATE_FAIL_MODE=maintenance" in decision.reason
    parameter.release.set()
    assert source.settled(5)
    assert source.current().reason == "mode is maintenance"


def test_a_refresh_thread_that_cannot_start_fails_no_invocation(monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN a primed source, then a process that can start no more threads
    parameter, clock = FakeParameter('{"mode": "maintenance"}'), FakeClock(START)
    source = make_source(parameter, clock)
    source.prime()

    def refuse(self: threading.Thread) -> None:
        raise RuntimeError("can't start new thread")

    monkeypatch.setattr(threading.Thread, "start", refuse)
    clock.now = START + 10

    # WHEN invocations find the TTL expired
    decisions = [source.current() for _ in range(3)]

    # THEN they are answered from the last good document, and none raised
    assert {decision.reason for decision in decisions} == {"mode is maintenance"}
    assert parameter.calls == 1


def test_the_default_jitter_draws_spread_uniform_values_within_the_bounds() -> None:
    jitter = SystemJitter()

    draws = [jitter.uniform(0.9, 1.0) for _ in range(2000)]
    jitter.seed()  # nothing to reseed, and harmless after a SnapStart restore

    assert all(0.9 <= draw <= 1.0 for draw in draws)
    # Both halves of the range are hit about equally: not a constant, not a skewed scale.
    assert 800 < sum(draw < 0.95 for draw in draws) < 1200
    assert len(set(draws)) > 1990
