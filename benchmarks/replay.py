"""replay_events_per_s_c1, replay_events_per_s_c8: placeholder until gate/replay/ has an API."""

from __future__ import annotations

from pathlib import Path

from benchmarks.stack import Result, Stack


def measure(stack: Stack, layer_dir: Path, events: int) -> Result:
    return Result(
        {"replay_events_per_s_c1": None, "replay_events_per_s_c8": None},
        ("replay: not measured, the replay library (gate/replay/) has no API yet",),
    )
