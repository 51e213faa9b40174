"""Printing: rich tables and progress bars on a terminal, plain aligned lines everywhere else."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime, timedelta
from typing import Any

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table


class Output:
    def __init__(self, console: Console | None = None) -> None:
        # markup=False: window names and ids are printed as given, never read as rich markup.
        self.console = console or Console(markup=False, highlight=False)
        self.rich = self.console.is_terminal

    def line(self, text: str = "") -> None:
        if self.rich:
            self.console.print(text)
        else:
            click.echo(text)

    def error(self, text: str) -> None:
        click.echo(text, err=True)

    def json(self, data: Any) -> None:
        click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))

    def fields(self, pairs: Sequence[tuple[str, str]]) -> None:
        width = max((len(key) for key, _ in pairs), default=0)
        for key, value in pairs:
            lines = value.splitlines() or [""]
            self.line(f"{key.ljust(width)}  {lines[0]}")
            for more in lines[1:]:
                self.line(f"{' ' * width}  {more}")

    def table(self, columns: Sequence[str], rows: Sequence[Sequence[str]], title: str | None = None) -> None:
        if self.rich:
            table = Table(title=title, title_justify="left", header_style="bold")
            for column in columns:
                table.add_column(column, overflow="fold")
            for row in rows:
                table.add_row(*row)
            self.console.print(table)
            return
        if title:
            click.echo(title)
        widths = [max(len(str(cell)) for cell in column) for column in zip(columns, *rows, strict=False)]
        for row in [columns, *rows]:
            click.echo("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=False)).rstrip())

    @contextlib.contextmanager
    def progress(self, total: int | None, description: str) -> Iterator[Callable[[str], None]]:
        """Yields ``step(line)``: a bar advanced per step on a terminal, else the line itself."""
        if not self.rich:
            yield click.echo
            return
        columns = [TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()]
        with Progress(*columns, console=self.console, transient=False) as progress:
            task = progress.add_task(description, total=total)

            def step(_line: str) -> None:
                progress.advance(task)

            yield step


def when(instant: datetime | None, now: datetime) -> str:
    """An instant with how far away it is: ``2026-12-01T22:00:00+00:00 (in 3h 12m)``."""
    if instant is None:
        return "not by the clock (only a change of the document)"
    delta = instant - now
    relative = f"in {span(delta)}" if delta >= timedelta(0) else f"{span(-delta)} ago"
    return f"{instant.isoformat()} ({relative})"


def span(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    days, seconds = divmod(seconds, 86_400)
    hours, seconds = divmod(seconds, 3600)
    minutes, seconds = divmod(seconds, 60)
    parts = [f"{days}d" if days else "", f"{hours}h" if hours else "", f"{minutes}m" if minutes else ""]
    text = " ".join(part for part in parts if part)
    return text or f"{seconds}s"
