"""``status``: the window, what the gate decides now and until when, and what is waiting."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

import click

from gate.cli.aws import client
from gate.cli.errors import WorkFailedError
from gate.cli.names import Names, name_options
from gate.cli.output import Output, when
from gate.deferral.table import Status
from gate.replay.records import RecordTable, counts_by_function
from gate.window.decide import decide, upcoming_intervals

_STATUSES = [status.value for status in Status]


@click.command()
@name_options
@click.option(
    "--function",
    "functions",
    multiple=True,
    help="Count only these functions (one Query per status each) instead of scanning the table.",
)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def status(names: Names, functions: tuple[str, ...], as_json: bool) -> None:
    """Show the window document, whether the gate defers now and why, and pending counts."""
    from gate.replay.guard import read_window

    now = datetime.now(timezone.utc)
    reading = read_window(client("ssm"), names.parameter)
    report: dict[str, Any] = {"parameter": names.parameter, "table": names.table, "now": now.isoformat()}
    problem = None
    document = reading.document
    if reading.text is None:
        problem = f"parameter {names.parameter} does not exist: the gate follows GATE_FAIL_MODE (default live)"
    elif document is None:
        problem = f"the document is invalid, so the gate keeps its last good copy: {reading.invalid}"
    else:
        decision = decide(document, now)
        report.update(
            document=document.to_json(),
            defer=decision.defer,
            reason=decision.reason,
            until=decision.until.isoformat() if decision.until else None,
            upcoming=[
                {"label": interval.label, "start": interval.start.isoformat(), "end": interval.end.isoformat()}
                for interval in upcoming_intervals(document, now)
            ],
        )
    report["problem"] = problem
    report["counts"] = counts_by_function(RecordTable(client("dynamodb"), names.table), functions)
    if as_json:
        Output().json(report)
    else:
        _print(report, now)
    if problem:
        raise WorkFailedError(problem)


def _print(report: dict[str, Any], now: datetime) -> None:
    output = Output()
    pairs = [("parameter", report["parameter"]), ("table", report["table"])]
    if "document" in report:
        until = datetime.fromisoformat(report["until"]) if report["until"] else None
        verdict = "DEFERS" if report["defer"] else "live"
        pairs += [
            ("mode", report["document"]["mode"]),
            ("gate now", f"{verdict}: {report['reason']}"),
            ("changes", when(until, now)),
        ]
        upcoming = [f"{item['start']} -> {item['end']}  {item['label']}" for item in report["upcoming"]]
        pairs.append(("upcoming", "\n".join(upcoming) or "none in the next 8 days"))
        pairs.append(("document", json.dumps(report["document"], indent=2, ensure_ascii=False)))
    output.fields(pairs)
    counts = report["counts"]
    output.line()
    if not counts:
        output.line("no deferred records")
        return
    rows = [[function, *(str(per_status[name]) for name in _STATUSES)] for function, per_status in counts.items()]
    output.table(["function", *_STATUSES], rows, title="deferred records")
