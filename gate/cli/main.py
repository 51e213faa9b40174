"""The command group. Commands live in their own modules and load only when run.

To add a command, define it (a click command or group) in a module under gate/cli
and name it in COMMANDS as ``"name": "module:attribute"``.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any

import click

from gate import __version__
from gate.cli.errors import translate_errors

COMMANDS: dict[str, str] = {
    "status": "gate.cli.status:status",
    "window": "gate.cli.window:window",
    "deferred": "gate.cli.deferred:deferred",
    "replay": "gate.cli.replay:replay",
    "demo": "gate.cli.local:demo",
    "sandbox": "gate.cli.local:sandbox",
}


class LazyGroup(click.Group):
    """A group whose commands are imported on first use, so ``--help`` and each command stay quick."""

    def __init__(self, *args: Any, lazy_commands: Mapping[str, str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy_commands = dict(lazy_commands or {})

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy_commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.lazy_commands and cmd_name not in self.commands:
            module_name, attribute = self.lazy_commands[cmd_name].split(":")
            command = getattr(importlib.import_module(module_name), attribute)
            if not isinstance(command, click.Command):
                raise TypeError(f"{self.lazy_commands[cmd_name]} is not a click command")
            self.add_command(command, cmd_name)
        return super().get_command(ctx, cmd_name)

    def invoke(self, ctx: click.Context) -> Any:
        with translate_errors():
            return super().invoke(ctx)


@click.group(cls=LazyGroup, lazy_commands=COMMANDS, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="maintenance-gate")
def cli() -> None:
    """Operate maintenance-gate: the window, the deferred events, and their replay.

    Names come from --parameter/--table/--bucket, else GATE_PARAMETER_NAME,
    GATE_TABLE_NAME and GATE_OVERFLOW_BUCKET, else --stack (Pulumi outputs).
    Endpoints and credentials come from the standard AWS settings.

    Exit status: 0 success, 1 some work failed or was refused, 2 bad usage or input.
    """
