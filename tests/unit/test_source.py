"""WindowSource: one fetch per TTL, exact boundaries, last good document, fail mode."""

from __future__ import annotations

import json
import threading
from datetime import datetime, timezone
from typing import Any

import pytest

import gate.source
from gate.config import FailMode
from gate.source import WindowSource

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


def make_source(parameter: FakeParameter, clock: FakeClock, **kwargs: object) -> WindowSource:
    options = {"ttl_seconds": 10.0, "fail_mode": FailMode.LIVE, **kwargs}
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


def test_a_failed_refresh_keeps_the_last_good_document_and_logs_once(capsys: pytest.CaptureFixture[str]) -> None:
    parameter, clock = FakeParameter('{"mode": "maintenance"}'), FakeClock(START)
    source = make_source(parameter, clock, ttl_seconds=1.0)
    source.prime()
    parameter.value = ConnectionError("unreachable")

    decisions = []
    for step in range(1, 6):
        clock.now = START + step
        decisions.append(source.current().defer)

    assert decisions == [True] * 5
    assert parameter.calls == 6
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
    clock.now = START + 1

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

    source._fetch = slow_fetch  # type: ignore[method-assign]
    clock.now = START + 2
    refresher = threading.Thread(target=source.current)
    refresher.start()
    assert entered.wait(5)
    evaluations: list[object] = []
    real_decide = gate.source.decide

    def counting_decide(*args: Any) -> Any:
        evaluations.append(args)
        return real_decide(*args)

    monkeypatch.setattr(gate.source, "decide", counting_decide)

    # WHEN another invocation arrives meanwhile
    decision = source.current()
    evaluated_meanwhile = len(evaluations)
    release.set()
    refresher.join(5)

    # THEN it gets the cached decision, with no decide() (no time-zone math) and no waiting
    assert decision.defer and decision.reason == "mode is maintenance"
    assert evaluated_meanwhile == 0
