"""Output: rich tables and a progress bar on a terminal, aligned plain lines elsewhere."""

from __future__ import annotations

import io
from datetime import datetime, timedelta, timezone

import pytest
from rich.console import Console

from gate.cli.output import Output, span, when


def terminal() -> tuple[Output, io.StringIO]:
    buffer = io.StringIO()
    return Output(Console(file=buffer, force_terminal=True, width=100, markup=False, highlight=False)), buffer


def test_plain_tables_are_aligned_columns(capsys: pytest.CaptureFixture[str]) -> None:
    Output().table(["id", "status"], [["a-long-id", "pending"], ["b", "replayed"]])

    assert capsys.readouterr().out.splitlines() == ["id         status", "a-long-id  pending", "b          replayed"]


def test_on_a_terminal_tables_are_drawn_and_names_are_not_markup() -> None:
    output, buffer = terminal()

    output.table(["window"], [["[bold]db upgrade[/bold]"]], title="windows")

    assert output.rich and "[bold]db upgrade[/bold]" in buffer.getvalue() and "┃" in buffer.getvalue()


def test_on_a_terminal_progress_is_a_bar_not_lines() -> None:
    output, buffer = terminal()

    with output.progress(3, "replaying orders") as step:
        for n in range(3):
            step(f"replayed req-{n}")

    assert "replaying orders" in buffer.getvalue() and "3/3" in buffer.getvalue()
    assert "req-0" not in buffer.getvalue()


def test_off_a_terminal_progress_is_one_line_per_record(capsys: pytest.CaptureFixture[str]) -> None:
    with Output().progress(2, "replaying orders") as step:
        step("replayed req-0")
        step("failed req-1 (ValueError)")

    assert capsys.readouterr().out.splitlines() == ["replayed req-0", "failed req-1 (ValueError)"]


def test_times_say_how_far_away_they_are() -> None:
    now = datetime(2026, 11, 22, 12, 0, tzinfo=timezone.utc)

    assert when(now + timedelta(days=1, hours=2, minutes=3), now) == "2026-11-23T14:03:00+00:00 (in 1d 2h 3m)"
    assert when(now - timedelta(seconds=42), now).endswith("(42s ago)")
    assert when(None, now).startswith("not by the clock")
    assert span(timedelta(0)) == "0s"
