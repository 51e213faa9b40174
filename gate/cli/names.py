"""Which parameter, table and bucket to use: flags, else GATE_* variables, else a Pulumi stack's outputs.

The stack is read with ``pulumi stack output --json --stack NAME``, only when a name
is needed and was not given another way, or when an AWS client is made: with --stack,
clients use the stack's exported region rather than the shell's.
"""

from __future__ import annotations

import functools
import json
import shutil
import subprocess
from collections.abc import Callable
from typing import Any, TypeVar

import click

from gate.cli import aws
from gate.cli.errors import BadInputError, WorkFailedError
from gate.local.checkout import REPOSITORY_ROOT

# The Pulumi program's stack outputs.
PARAMETER_OUTPUT = "parameterName"
TABLE_OUTPUT = "tableName"
BUCKET_OUTPUT = "bucketName"
FUNCTION_OUTPUT = "functionName"
REGION_OUTPUT = "region"
_PULUMI_TIMEOUT_SECONDS = 60

Runner = Callable[..., "subprocess.CompletedProcess[str]"]


class PulumiUnavailableError(BadInputError):
    """Raised when --stack is needed but the pulumi CLI is not installed."""


class Names:
    def __init__(
        self,
        *,
        parameter: str | None = None,
        table: str | None = None,
        bucket: str | None = None,
        stack: str | None = None,
        run: Runner = subprocess.run,
        which: Callable[[str], str | None] = shutil.which,
    ) -> None:
        self._given = {PARAMETER_OUTPUT: parameter, TABLE_OUTPUT: table, BUCKET_OUTPUT: bucket}
        self.stack = stack
        self._run = run
        self._which = which
        self._outputs: dict[str, Any] | None = None

    @property
    def parameter(self) -> str:
        return self._required(PARAMETER_OUTPUT, "--parameter", "GATE_PARAMETER_NAME")

    @property
    def table(self) -> str:
        return self._required(TABLE_OUTPUT, "--table", "GATE_TABLE_NAME")

    @property
    def bucket(self) -> str | None:
        """Optional: only events over the item limit need it."""
        return self._lookup(BUCKET_OUTPUT)

    @property
    def function(self) -> str | None:
        """The stack's gated function (``functionName``), when --stack is given."""
        if self.stack is None:
            return None
        value = self.stack_outputs().get(FUNCTION_OUTPUT)
        return str(value) if value else None

    @property
    def region(self) -> str | None:
        """The stack's region (its ``region`` output), when --stack is given; else the shell's applies."""
        if self.stack is None:
            return None
        value = self.stack_outputs().get(REGION_OUTPUT)
        return str(value) if value else None

    def _required(self, output: str, flag: str, variable: str) -> str:
        value = self._lookup(output)
        if not value:
            raise BadInputError(f"no {flag.lstrip('-')} name: pass {flag}, set {variable}, or pass --stack NAME")
        return value

    def _lookup(self, output: str) -> str | None:
        given = self._given[output]
        if given:
            return given
        if self.stack is None:
            return None
        value = self.stack_outputs().get(output)
        return str(value) if value else None

    def stack_outputs(self) -> dict[str, Any]:
        if self._outputs is None:
            self._outputs = self._read_stack()
        return self._outputs

    def _read_stack(self) -> dict[str, Any]:
        pulumi = self._which("pulumi")
        if pulumi is None:
            raise PulumiUnavailableError(
                f"--stack {self.stack} needs the pulumi CLI, which is not installed (not on PATH); "
                "pass --parameter/--table/--bucket or set GATE_PARAMETER_NAME, GATE_TABLE_NAME, GATE_OVERFLOW_BUCKET"
            )
        command = [pulumi, "stack", "output", "--json", "--stack", str(self.stack)]
        cwd = REPOSITORY_ROOT if (REPOSITORY_ROOT / "Pulumi.yaml").is_file() else None
        try:
            result = self._run(
                command, capture_output=True, text=True, cwd=cwd, timeout=_PULUMI_TIMEOUT_SECONDS, check=False
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise WorkFailedError(f"`pulumi stack output` failed: {exc}") from exc
        if result.returncode != 0:
            detail = (result.stderr or result.stdout).strip().splitlines()
            raise WorkFailedError(
                f"`pulumi stack output --stack {self.stack}` exited {result.returncode}: "
                f"{detail[-1] if detail else 'no output'}"
            )
        try:
            outputs = json.loads(result.stdout)
        except ValueError as exc:
            raise WorkFailedError(f"`pulumi stack output --json` printed something that is not JSON: {exc}") from exc
        if not isinstance(outputs, dict):
            raise WorkFailedError("`pulumi stack output --json` did not print an object")
        return outputs


F = TypeVar("F", bound=Callable[..., Any])


def name_options(command: F) -> F:
    """Add --parameter/--table/--bucket/--stack and pass the command one ``names: Names``."""

    @functools.wraps(command)
    def wrapper(
        *args: Any,
        parameter: str | None,
        table: str | None,
        bucket: str | None,
        stack: str | None,
        **kwargs: Any,
    ) -> Any:
        names = Names(parameter=parameter, table=table, bucket=bucket, stack=stack)
        # Asked only when a client is made, so --stack still reads the stack at most once.
        with aws.region_from(lambda: names.region):
            return command(*args, names=names, **kwargs)

    options = [
        click.option("--parameter", envvar="GATE_PARAMETER_NAME", help="SSM parameter holding the window document."),
        click.option("--table", envvar="GATE_TABLE_NAME", help="DynamoDB table of deferred events."),
        click.option("--bucket", envvar="GATE_OVERFLOW_BUCKET", help="S3 bucket of oversized events."),
        click.option("--stack", help="Read missing names from this Pulumi stack's outputs."),
    ]
    decorated: Any = wrapper
    for option in reversed(options):
        decorated = option(decorated)
    return decorated  # type: ignore[no-any-return]
