"""``replay``: bring one function's deferred events back through the Lambda Invoke API."""

from __future__ import annotations

from datetime import datetime, timezone

import click

from gate.cli.aws import client
from gate.cli.names import Names, name_options
from gate.cli.output import Output
from gate.cli.params import time_options, time_range
from gate.replay.engine import DEFAULT_LEASE_SECONDS, DEFAULT_RETENTION_DAYS, MAX_CONCURRENCY, Replay, ReplayOptions
from gate.replay.errors import RecordNotFoundError, ReplayRefusedError, WindowUnavailableError
from gate.replay.factory import Resources, build_replay
from gate.replay.guard import ensure_live
from gate.replay.records import iso_ms
from gate.replay.results import RecordResult, Result, Summary


@click.command()
@name_options
@click.option(
    "--function", "function_name", help="The gated function whose events to replay (default: the --stack's function)."
)
@click.option("--dry-run", is_flag=True, help="List what would be replayed; claim and invoke nothing.")
@click.option("--limit", type=click.IntRange(min=1), help="Replay at most this many records.")
@time_options
@click.option("--id", "ids", multiple=True, help="Replay only this record (repeatable).")
@click.option(
    "--concurrency",
    type=click.IntRange(1, MAX_CONCURRENCY),
    default=1,
    show_default=True,
    help="Workers, each taking its share of the queue's shards in order; 1 keeps the global deferral order.",
)
@click.option("--rate", type=click.FloatRange(min=0, min_open=True), help="At most this many invocations per second.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.option("--force", is_flag=True, help="Replay even while the gate would defer the function.")
@click.option("--include-failed", is_flag=True, help="Also retry records whose replay failed before.")
@click.option(
    "--lease-seconds",
    type=click.FloatRange(min=1),
    default=DEFAULT_LEASE_SECONDS,
    show_default=True,
    help="How long a record stays ours; keep it above the function's timeout.",
)
@click.option(
    "--retention-days",
    type=click.FloatRange(min=0, min_open=True),
    default=DEFAULT_RETENTION_DAYS,
    show_default=True,
    help="How long a replayed record is kept before DynamoDB's TTL removes it.",
)
def replay(
    *,
    names: Names,
    function_name: str | None,
    dry_run: bool,
    limit: int | None,
    since: datetime | None,
    until: datetime | None,
    ids: tuple[str, ...],
    concurrency: int,
    rate: float | None,
    yes: bool,
    force: bool,
    include_failed: bool,
    lease_seconds: float,
    retention_days: float,
) -> None:
    """Replay a function's deferred events in deferral order, each through a synchronous invocation.

    Refuses (exit 1) while the gate would defer the function, unless --force.
    """
    output = Output()
    function_name = function_name or names.function
    if not function_name:
        raise click.UsageError("missing --function NAME (or --stack NAME, whose functionName is used)")
    options = ReplayOptions(
        function_name,
        time_range=time_range(since, until),
        ids=ids,
        limit=limit,
        concurrency=concurrency,
        rate_per_second=rate,
        include_failed=include_failed,
        lease_seconds=lease_seconds,
        retention_days=retention_days,
    )
    _check_gate(names, function_name, force=force, dry_run=dry_run, output=output)
    run = build_replay(Resources(names.parameter, names.table, names.bucket), options, client_factory=client)
    if dry_run:
        _dry_run(run, output)
        return
    if ids:
        _check_ids(run)
    total = run.backlog()
    total = min(total, limit) if limit else total
    if total == 0:
        output.line(f"nothing to replay for {function_name}")
        return
    if not yes:
        click.confirm(f"Replay {total} record(s) of {function_name} now?", abort=True)
    with output.progress(total, f"replaying {function_name}") as step:
        summary = run.run(lambda result: step(_line(result)))
    output.line(_summary(summary))
    if not summary.ok:
        click.get_current_context().exit(1)


def _check_gate(names: Names, function_name: str, *, force: bool, dry_run: bool, output: Output) -> None:
    if force:
        output.error("--force: replaying without checking the window")
        return
    try:
        ensure_live(client("ssm"), names.parameter, function_name, datetime.now(timezone.utc))
    except (ReplayRefusedError, WindowUnavailableError) as exc:
        if not dry_run:
            raise
        output.error(f"note: a real replay would refuse now: {exc}")


def _check_ids(run: Replay) -> None:
    """An id that names no record is a typo: refuse before replaying anything."""
    missing = [problem.request_id for problem in run.select()[0] if problem.result is Result.NOT_FOUND]
    if missing:
        raise RecordNotFoundError(f"no deferred record {', '.join(missing)}; nothing replayed")


def _dry_run(run: Replay, output: Output) -> None:
    problems, planned = run.plan()
    for problem in problems:
        output.line(_line(problem))
    rows = [
        [record.request_id, record.status.value, iso_ms(record.deferred_at_ms), str(record.event_size)]
        for record in planned
    ]
    if rows:
        output.table(["id", "status", "deferred at", "bytes"], rows)
    output.line(f"dry run: would replay {len(planned)} record(s) of {run.options.function_name}; nothing invoked")


def _line(result: RecordResult) -> str:
    detail = result.detail
    if result.result is Result.PARTIAL:
        detail = f"{result.failed_items} of {result.sent_items} items failed; only those are kept"
    return f"{result.result.value} {result.request_id}" + (f" ({detail})" if detail else "")


def _summary(summary: Summary) -> str:
    text = f"replayed {summary.replayed}, "
    if summary.partial:
        text += (
            f"partially failed {summary.partial} ({summary.partial_failed_items} of "
            f"{summary.partial_sent_items} items failed, kept for --include-failed), "
        )
    text += f"failed {summary.failed}, skipped {summary.skipped_total}"
    if summary.skipped:
        text += " (" + ", ".join(f"{reason}: {count}" for reason, count in sorted(summary.skipped.items())) + ")"
    if summary.stopped:
        text += f"\nstopped: {summary.stopped}"
    return text
