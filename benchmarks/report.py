"""The table on stdout and the JSON file: the metric keys at top level, plus ``machine``."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

METRIC_KEYS = (
    "gate_p50_us",
    "gate_p99_us",
    "seed_p50_us",
    "seed_p99_us",
    "seed_over_gate",
    "e2e_ratio",
    "cold_start_added_ms",
    "cold_start_added_ms_plain",
    "cold_start_added_ms_https",
    "cold_start_added_ms_plain_https",
    "ssm_calls_per_1000",
    "defer_p50_ms",
    "writes_per_deferral",
    "defer_deadline_added_us",
    "replay_events_per_s_c1",
    "replay_events_per_s_c8",
    # benchmarks/capacity.py: modelled from the items this run wrote (docs/scale.md).
    "capacity_table_hottest_wcu_s",
    "capacity_table_total_wcu_s",
    "capacity_index_hottest_wcu_s",
    "ssm_rps_1000_envs",
    "ssm_rps_1000_envs_shared",
    "ssm_rps_10000_envs",
    "ssm_rps_10000_envs_shared",
    "replay_million_hours_c1",
    "replay_million_hours_c8",
    "replay_million_hours_c32",
    # benchmarks/runtimes.py: a Node.js function behind the Runtime API proxy (docs/runtimes.md).
    "nodejs_warm_added_p50_ms",
    "nodejs_cold_start_added_ms",
    "proxy_rss_mb",
    "proxy_binary_mb_x86_64",
    "proxy_binary_mb_arm64",
)


@dataclass(frozen=True)
class Target:
    text: str
    met: Callable[[float], bool]


# The targets; a metric without one is reported, not judged.
TARGETS: dict[str, Target] = {
    "gate_p50_us": Target("<= 2", lambda value: value <= 2),
    "gate_p99_us": Target("<= 10", lambda value: value <= 10),
    "seed_over_gate": Target(">= 2000", lambda value: value >= 2000),
    "e2e_ratio": Target("<= 1.03", lambda value: value <= 1.03),
    "cold_start_added_ms": Target("<= 20", lambda value: value <= 20),
    "cold_start_added_ms_plain": Target("<= 20", lambda value: value <= 20),
    "cold_start_added_ms_https": Target("<= 20", lambda value: value <= 20),
    "cold_start_added_ms_plain_https": Target("<= 20", lambda value: value <= 20),
    "ssm_calls_per_1000": Target("<= 1", lambda value: value <= 1),
    # DynamoDB's per-partition write limit.
    "capacity_table_hottest_wcu_s": Target("<= 1000", lambda value: value <= 1000),
    "capacity_index_hottest_wcu_s": Target("<= 1000", lambda value: value <= 1000),
    "nodejs_warm_added_p50_ms": Target("<= 0.15", lambda value: value <= 0.15),
    "nodejs_cold_start_added_ms": Target("<= 10", lambda value: value <= 10),
    "proxy_binary_mb_x86_64": Target("<= 10", lambda value: value <= 10),
    "proxy_binary_mb_arm64": Target("<= 10", lambda value: value <= 10),
}


def document(metrics: Mapping[str, float | None], machine: Mapping[str, Any]) -> dict[str, Any]:
    missing = set(METRIC_KEYS) - set(metrics)
    if missing:
        raise ValueError(f"metrics missing: {sorted(missing)}")
    return {**{key: metrics[key] for key in METRIC_KEYS}, "machine": dict(machine)}


def write_json(path: Path, data: Mapping[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


def table(metrics: Mapping[str, float | None], notes: Sequence[str], machine: Mapping[str, Any], mode: str) -> str:
    rows = [("metric", "value", "target", "met")]
    for key in METRIC_KEYS:
        value = metrics[key]
        target = TARGETS.get(key)
        verdict = _verdict(value, target)
        rows.append((key, _format(value), target.text if target else "", verdict))
    widths = [max(len(row[column]) for row in rows) for column in range(4)]
    lines = [
        f"maintenance-gate benchmark ({mode}) - {machine.get('date')}",
        f"{machine.get('cpu')}, {machine.get('cores')} cores, Python {machine.get('python')}, "
        f"boto3 {machine.get('boto3')}, botocore {machine.get('botocore')}, "
        f"awslambdaric {machine.get('awslambdaric')}, moto {machine.get('moto')}",
        f"{machine.get('platform')}, load average {machine.get('load_average_1m')} at the start",
        "",
    ]
    for index, row in enumerate(rows):
        lines.append("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
        if index == 0:
            lines.append("  ".join("-" * width for width in widths))
    lines.append("")
    lines.extend(f"- {note}" for note in notes)
    return "\n".join(lines)


def _verdict(value: float | None, target: Target | None) -> str:
    if value is None:
        return "n/a"
    if target is None:
        return ""
    return "yes" if target.met(value) else "NO"


def _format(value: float | None) -> str:
    if value is None:
        return "null"
    if value >= 1000:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.3f}"
