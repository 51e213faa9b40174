"""``window``: show or change the window document. Every write is parsed by the gate's own parser first."""

from __future__ import annotations

import difflib
from collections.abc import Callable
from typing import IO, Any

import click

from gate.cli.aws import client
from gate.cli.errors import BadInputError, WorkFailedError
from gate.cli.names import Names, name_options
from gate.cli.output import Output
from gate.cli.window_edit import write_after_read
from gate.replay.guard import WindowReading, read_window
from gate.window.document import (
    DAY_NAMES,
    EMPTY_DOCUMENT,
    Mode,
    WindowDocument,
    parse_document,
    parse_mapping,
)

Change = Callable[[WindowDocument], WindowDocument]


@click.group()
def window() -> None:
    """Show or change the maintenance-window document in the SSM parameter."""


def write_options(command: Any) -> Any:
    command = click.option("--dry-run", is_flag=True, help="Show the change; write nothing.")(command)
    return name_options(command)


@window.command()
@name_options
@click.option("--json", "as_json", is_flag=True, help="Only the canonical JSON document.")
def show(names: Names, as_json: bool) -> None:
    """Print the document as the gate reads it (canonical JSON)."""
    reading = read_window(client("ssm"), names.parameter)
    if reading.text is None:
        raise WorkFailedError(
            f"parameter {names.parameter} does not exist; until it does the gate follows GATE_FAIL_MODE"
        )
    document = reading.document
    if document is None:
        raise WorkFailedError(f"parameter {names.parameter} holds an invalid document: {reading.invalid}")
    if not as_json:
        Output().line(f"# {names.parameter}")
    Output().line(document.dumps())


@window.command()
@click.argument("file", type=click.File("rb"))
@write_options
def put(names: Names, file: IO[bytes], dry_run: bool) -> None:
    """Replace the document with FILE ('-' reads standard input)."""
    raw = file.read()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise click.BadParameter(
            f"{file.name}: not UTF-8 text ({exc.reason} at byte {exc.start})", param_hint="FILE"
        ) from None
    document = parse_document(text)
    _write(names, lambda _current: document, dry_run=dry_run, needs_current=False)


@window.command()
@click.argument("mode", type=click.Choice([mode.value for mode in Mode]))
@write_options
def mode(names: Names, mode: str, dry_run: bool) -> None:
    """Set the mode: auto follows the windows, maintenance defers everything, live runs everything."""
    _write(names, lambda current: _with(current, mode=mode), dry_run=dry_run)


@window.command()
@click.option("--start", required=True, help="ISO-8601 instant with a UTC offset.")
@click.option("--end", required=True, help="ISO-8601 instant with a UTC offset, after --start.")
@click.option("--name", help="A label shown in status and stored with each deferred event.")
@write_options
def add(names: Names, start: str, end: str, name: str | None, dry_run: bool) -> None:
    """Add a one-off window [START, END)."""
    entry = {"start": start, "end": end, **({"name": name} if name else {})}
    _write(names, lambda current: _with(current, windows=[*current.to_json()["windows"], entry]), dry_run=dry_run)


@window.command("add-recurring")
@click.option("--days", default=",".join(DAY_NAMES), show_default=True, help="Comma-separated local start days.")
@click.option("--start", required=True, help="Local time HH:MM[:SS].")
@click.option("--end", required=True, help="Local time HH:MM[:SS]; not after --start crosses midnight.")
@click.option("--timezone", "zone", required=True, help="IANA zone, e.g. Europe/Rome.")
@click.option("--name", help="A label shown in status and stored with each deferred event.")
@write_options
def add_recurring(*, names: Names, days: str, start: str, end: str, zone: str, name: str | None, dry_run: bool) -> None:
    """Add a weekly window in a time zone."""
    entry: dict[str, Any] = {
        "days": [day.strip().lower() for day in days.split(",") if day.strip()],
        "start": start,
        "end": end,
        "timezone": zone,
        **({"name": name} if name else {}),
    }
    _write(names, lambda current: _with(current, recurring=[*current.to_json()["recurring"], entry]), dry_run=dry_run)


@window.command()
@write_options
def clear(names: Names, dry_run: bool) -> None:
    """Remove every window and set the mode to auto."""
    _write(names, lambda _current: EMPTY_DOCUMENT, dry_run=dry_run, needs_current=False)


def _with(current: WindowDocument, **changes: Any) -> WindowDocument:
    # Through the parser again, so an added window is checked exactly as the gate will check it.
    return parse_mapping({**current.to_json(), **changes})


def _write(names: Names, change: Change, *, dry_run: bool, needs_current: bool = True) -> None:
    output = Output()
    ssm = client("ssm")
    parameter = names.parameter
    reading = read_window(ssm, parameter)
    current, before = _current(parameter, reading, needs_current)
    after = change(current).dumps()
    # The exact text to be written passes the parser (its size limit included) before any write.
    parse_document(after)
    diff = list(
        difflib.unified_diff(
            before.splitlines(), after.splitlines(), f"{parameter} (now)", f"{parameter} (new)", lineterm=""
        )
    )
    if not diff:
        output.line(f"{parameter}: no change")
        return
    for line in diff:
        output.line(line)
    if dry_run:
        output.line("dry run: nothing written")
        return
    version = write_after_read(ssm, parameter, after, reading.version, output)
    output.line(f"wrote {parameter} (version {version})")


def _current(parameter: str, reading: WindowReading, needs_current: bool) -> tuple[WindowDocument, str]:
    """The document to change and the text to diff against (canonical when it parses)."""
    if reading.text is None:
        return EMPTY_DOCUMENT, ""
    if reading.document is None:
        if needs_current:
            raise BadInputError(
                f"parameter {parameter} holds an invalid document ({reading.invalid}); "
                "replace it with `window put` or `window clear`"
            ) from reading.invalid
        return EMPTY_DOCUMENT, reading.text
    return reading.document, reading.document.dumps()
