"""``status``: the document, the decision and its next change, upcoming windows, counts per function."""

from __future__ import annotations

import json
import time

import pytest

from tests.unit.replay.support import FUNCTION, PARAMETER, aws, put_window, run_cli, seed  # noqa: F401 - aws: fixture

pytestmark = pytest.mark.usefixtures("aws")


def instant(offset_seconds: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(time.time() + offset_seconds))


def test_inside_a_window_it_says_the_gate_defers_why_and_until_when() -> None:
    end = instant(3600)
    put_window({"windows": [{"start": instant(-60), "end": end, "name": "db upgrade"}]})
    seed(2)
    seed(1, function="billing", start=10)

    result = run_cli("status")

    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert f"parameter  {PARAMETER}" in lines
    assert "gate now   DEFERS: inside windows[0] (db upgrade)" in lines
    assert any(line.startswith(f"changes    {end} (in 59m") for line in lines)
    assert any(line.startswith("function") and "pending" in line for line in lines)
    assert any(line.split()[:2] == [FUNCTION, "2"] for line in lines)
    assert any(line.split()[:2] == ["billing", "1"] for line in lines)


def test_json_has_the_decision_the_upcoming_windows_and_counts() -> None:
    start, end = instant(7200), instant(9000)
    put_window({"windows": [{"start": start, "end": end}]})
    seed(1)

    report = json.loads(run_cli("status", "--json", "--function", FUNCTION).stdout)

    assert report["defer"] is False and report["reason"] == "outside every window"
    assert report["until"] == start
    assert report["upcoming"] == [{"label": "windows[0]", "start": start, "end": end}]
    assert report["counts"] == {FUNCTION: {"pending": 1, "replaying": 0, "replayed": 0, "failed": 0}}


def test_an_invalid_document_is_reported_with_exit_1() -> None:
    put_window('{"mode": "sometimes"}')

    result = run_cli("status")

    assert result.exit_code == 1 and "mode: must be one of auto, maintenance, live" in result.stderr
