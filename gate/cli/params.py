"""Option types shared by the commands."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import click

from gate.replay.records import TimeRange
from gate.window.document import WindowDocumentError, parse_instant


class InstantType(click.ParamType[datetime]):
    """An ISO-8601 instant with a UTC offset, read by the window parser's own rules."""

    name = "ISO-8601"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> datetime:
        if isinstance(value, datetime):
            return value
        try:
            return parse_instant(value, param.name if param and param.name else "time")
        except WindowDocumentError as exc:
            self.fail(str(exc), param, ctx)


INSTANT = InstantType()


def time_range(since: datetime | None, until: datetime | None) -> TimeRange:
    if since is not None and until is not None and until <= since:
        raise click.BadParameter("--until must be after --since", param_hint="--until")
    return TimeRange(
        since_ms=int(since.timestamp() * 1000) if since else None,
        until_ms=int(until.timestamp() * 1000) if until else None,
    )


def time_options(command: Any) -> Any:
    command = click.option("--until", type=INSTANT, help="Only events deferred before this instant.")(command)
    return click.option("--since", type=INSTANT, help="Only events deferred at or after this instant.")(command)
