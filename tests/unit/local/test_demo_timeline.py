"""The demo fails loudly: a step that misbehaves makes it exit non-zero with the reason."""

from __future__ import annotations

import pytest

from gate.local import demo
from gate.local.demo import DemoStepError, Timeline


def test_a_failing_step_is_recorded_and_raised() -> None:
    said: list[str] = []
    timeline = Timeline(say=said.append)
    timeline.step("fine", lambda: "first line\nlast line")

    def broken() -> str:
        raise DemoStepError("the handler ran during the window")

    with pytest.raises(DemoStepError):
        timeline.step("broken", broken)

    assert [row[:2] for row in timeline.rows] == [("fine", "ok"), ("broken", "FAIL")]
    assert timeline.rows[0][2] == "last line"
    assert "the handler ran during the window" in timeline.summary()


def test_the_demo_exits_non_zero_when_a_step_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    def failing_story(timeline: Timeline, *args: object) -> None:
        timeline.step("invoke outside any window", lambda: (_ for _ in ()).throw(DemoStepError("got a deferral")))

    monkeypatch.setattr(demo, "_story", failing_story)
    said: list[str] = []

    assert demo.run_demo(say=said.append) == 1
    assert "demo FAILED: got a deferral" in said[-1]
