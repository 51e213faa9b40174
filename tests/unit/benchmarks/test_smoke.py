"""The benchmark's own parts, with tiny counts and no I/O: keys and types, never timings."""

from __future__ import annotations

import math
from typing import Any

import pytest

from benchmarks import hot_path, machine, report
from benchmarks.handlers import plain
from benchmarks.stats import median, percentile


def test_percentile_is_nearest_rank() -> None:
    values = [5, 1, 4, 2, 3]

    assert median(values) == 3
    assert percentile(values, 0.99) == 5
    assert percentile(values, 0.0) == 1
    with pytest.raises(ValueError):
        percentile([], 0.5)


def test_the_hot_path_comparison_reports_both_percentiles_in_microseconds() -> None:
    def gated(event: Any, context: Any) -> Any:
        return plain.handler(event, context)

    result = hot_path.compare(plain.handler, gated, calls=200, batch=50)

    assert set(result.metrics) == {"gate_p50_us", "gate_p99_us"}
    assert all(isinstance(value, float) and math.isfinite(value) for value in result.metrics.values())
    assert result.notes


def test_the_json_has_exactly_the_metric_keys_and_the_machine() -> None:
    metrics: dict[str, float | None] = dict.fromkeys(report.METRIC_KEYS, 1.0)
    metrics["replay_events_per_s_c8"] = None

    data = report.document(metrics, machine.describe())

    assert set(data) == {*report.METRIC_KEYS, "machine"}
    assert {"cpu", "cores", "python", "boto3", "botocore", "awslambdaric", "moto", "platform", "date"} <= set(
        data["machine"]
    )
    with pytest.raises(ValueError, match="metrics missing"):
        report.document({"gate_p50_us": 1.0}, {})


def test_the_table_names_every_metric_and_judges_only_those_with_a_target() -> None:
    metrics: dict[str, float | None] = dict.fromkeys(report.METRIC_KEYS, 0.5)
    metrics["cold_start_added_ms"] = 25.0
    metrics["replay_events_per_s_c1"] = None

    lines = report.table(metrics, ["a note"], machine.describe(), "quick").splitlines()

    rows = {line.split()[0]: line.split()[1:] for line in lines if line.split() and line.split()[0] in metrics}
    assert set(rows) == set(report.METRIC_KEYS)
    assert rows["cold_start_added_ms"][-1] == "NO"
    assert rows["gate_p50_us"][-1] == "yes"
    assert rows["replay_events_per_s_c1"] == ["null", "n/a"]
    assert "- a note" in lines
