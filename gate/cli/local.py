"""``demo`` and ``sandbox``: the gate on this machine, with no AWS account."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from gate.local.demo import run_demo
from gate.local.sandbox import SandboxError, run_sandbox


@click.command()
def demo() -> None:
    """Run the whole story locally: moto server, Lambda's emulator, the layer, a window and a replay.

    Exits non-zero if any step did not behave.
    """
    sys.exit(run_demo(say=click.echo))


@click.command()
@click.option("--handler", required=True, help="Your handler, as module.function (relative to --code).")
@click.option(
    "--code",
    "code_dir",
    required=True,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="The folder holding your handler's code.",
)
@click.option("--stack", default="dev", show_default=True, help="Whose Pulumi.<stack>.yaml gives the initial window.")
def sandbox(handler: str, code_dir: Path, stack: str) -> None:
    """Serve your own handler behind the gate locally until Ctrl-C, and print how to reach it."""
    try:
        sys.exit(run_sandbox(handler, code_dir, stack=stack, say=click.echo))
    except SandboxError as exc:
        raise click.BadParameter(str(exc)) from exc
