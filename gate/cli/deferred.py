"""``deferred``: list, show, count and purge deferred records.

Only ``show`` prints an event (and its client context); every listing prints ids,
times, sizes, status and window.
"""

from __future__ import annotations

import itertools
import json
from datetime import datetime
from typing import Any

import click

from gate.cli.aws import client
from gate.cli.errors import WorkFailedError
from gate.cli.names import Names, name_options
from gate.cli.output import Output
from gate.cli.params import time_options, time_range
from gate.deferral.table import Status
from gate.replay.errors import EventUnavailableError, RecordNotFoundError
from gate.replay.events import EventReader
from gate.replay.purge import Purger, PurgeResult
from gate.replay.records import Record, RecordTable, counts_by_function, iso_ms

_STATUS_CHOICE = click.Choice([status.value for status in Status])
_LIST_COLUMNS = ["id", "function", "status", "deferred at", "bytes", "attempts", "window", "error"]


@click.group()
def deferred() -> None:
    """List, inspect, count and purge deferred records."""


def filter_options(command: Any) -> Any:
    command = time_options(command)
    return click.option("--function", help="Only this function's records (a Query instead of a Scan).")(command)


@deferred.command("list")
@name_options
@filter_options
@click.option("--status", "statuses", type=_STATUS_CHOICE, multiple=True, help="Only these statuses (repeatable).")
@click.option("--limit", type=click.IntRange(min=1), default=200, show_default=True, help="At most this many.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def list_records(
    *,
    names: Names,
    function: str | None,
    since: datetime | None,
    until: datetime | None,
    statuses: tuple[str, ...],
    limit: int,
    as_json: bool,
) -> None:
    """List records in deferral order: ids, times, sizes, status and window; never the events."""
    table = RecordTable(client("dynamodb"), names.table)
    wanted = [Status(value) for value in statuses] or list(Status)
    window = time_range(since, until)
    if function:
        stream = table.queues(function, wanted, window)
    else:
        stream = iter(sorted(table.scan(wanted, window), key=lambda record: record.order))
    records = list(itertools.islice(stream, limit + 1))
    output = Output()
    if len(records) > limit:
        records = records[:limit]
        output.error(f"showing the first {limit} records; raise --limit or narrow the filters for more")
    if as_json:
        output.json([record.summary() for record in records])
        return
    if not records:
        output.line("no deferred records match")
        return
    output.table(_LIST_COLUMNS, [_row(record) for record in records])


def _row(record: Record) -> list[str]:
    return [
        record.request_id,
        record.function_name,
        record.status.value,
        iso_ms(record.deferred_at_ms),
        str(record.event_size),
        str(record.attempts),
        record.window or "",
        record.error_type or "",
    ]


@deferred.command()
@click.argument("request_id", metavar="ID")
@name_options
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def show(names: Names, request_id: str, as_json: bool) -> None:
    """Print one record with its event (decoded; fetched from S3 when oversized) and client context."""
    record = RecordTable(client("dynamodb"), names.table).get(request_id)
    if record is None:
        raise RecordNotFoundError(f"no deferred record {request_id} in table {names.table}")
    event: Any = None
    note = None
    try:
        event = EventReader(names.bucket, client).event(record)
    except EventUnavailableError as exc:
        note = str(exc)
    details = {
        **record.summary(),
        "function_arn": record.function_arn,
        "last_error": record.last_error,
        "client_context": _json_text(record.client_context_json),
        "identity": _json_text(record.identity_json),
        "encoding": record.event_encoding,
        "overflow_key": record.overflow_key,
        "failed_items_key": record.failed_items_key,
    }
    output = Output()
    if as_json:
        output.json({"record": details, "event": event, "event_unavailable": note})
        return
    output.fields([(key, _shown(value)) for key, value in details.items() if value not in (None, "")])
    output.line()
    output.line("event:" if note is None else f"event: unavailable ({note})")
    if note is None:
        output.line(json.dumps(event, indent=2, ensure_ascii=False))


def _json_text(text: str | None) -> Any:
    """A stored JSON text as its value, or as the text itself when it is not JSON."""
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


def _shown(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


@deferred.command()
@name_options
@filter_options
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def count(names: Names, function: str | None, since: datetime | None, until: datetime | None, as_json: bool) -> None:
    """Count records per function and status."""
    table = RecordTable(client("dynamodb"), names.table)
    counts = counts_by_function(table, [function] if function else [], time_range(since, until))
    output = Output()
    if as_json:
        output.json(counts)
        return
    if not counts:
        output.line("no deferred records match")
        return
    statuses = [status.value for status in Status]
    rows = [[name, *(str(per_status[value]) for value in statuses)] for name, per_status in counts.items()]
    output.table(["function", *statuses], rows)


@deferred.command()
@click.argument("ids", nargs=-1, metavar="[ID]...")
@name_options
@filter_options
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def purge(
    *,
    names: Names,
    ids: tuple[str, ...],
    function: str | None,
    since: datetime | None,
    until: datetime | None,
    yes: bool,
) -> None:
    """Delete replayed records (before their TTL would), or exactly the IDs given, after confirmation."""
    dynamodb = client("dynamodb")
    table = RecordTable(dynamodb, names.table)
    purger = Purger(dynamodb, names.table, EventReader(names.bucket, client))
    output = Output()
    if ids:
        if function or since or until:
            raise click.UsageError("give either IDs or filters, not both")
        records = [_existing(table, request_id, names.table) for request_id in dict.fromkeys(ids)]
        output.table(["id", "function", "status", "deferred at"], [_row(record)[:4] for record in records])
        unfinished = [record for record in records if record.status is not Status.REPLAYED]
        if unfinished:
            output.line(f"{len(unfinished)} of these were never replayed: their events will be lost")
        if not yes:
            click.confirm(f"Delete these {len(records)} record(s)?", abort=True)
        result = purger.purge_named(records)
    else:
        window = time_range(since, until)
        stream = table.queue(function, Status.REPLAYED, window) if function else table.scan([Status.REPLAYED], window)
        records = list(stream)
        if not records:
            output.line("nothing to purge: no replayed records match")
            return
        if not yes:
            click.confirm(f"Delete {len(records)} replayed record(s)?", abort=True)
        result = purger.purge_finished(records)
    _report(output, result)


def _existing(table: RecordTable, request_id: str, table_name: str) -> Record:
    record = table.get(request_id)
    if record is None:
        raise RecordNotFoundError(f"no deferred record {request_id} in table {table_name}; nothing deleted")
    return record


def _report(output: Output, result: PurgeResult) -> None:
    output.line(f"deleted {len(result.deleted)} record(s)")
    for request_id, why in result.kept:
        output.line(f"kept {request_id}: {why}")
    if result.kept:
        raise WorkFailedError(f"{len(result.kept)} record(s) not deleted")
