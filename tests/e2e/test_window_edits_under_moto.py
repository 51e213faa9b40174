"""Two operators editing the window at once, against the moto server: no edit is lost silently.

Parameter Store has no conditional put, so ``python -m gate window ...`` remembers the
Version it read and checks that PutParameter wrote exactly the next one; otherwise it
shows both documents and exits 1. moto, like Parameter Store, numbers each write of a
parameter one more than the last, refuses Overwrite=False on an existing parameter with
ParameterAlreadyExists, and keeps the last 100 versions for GetParameterHistory
(checked by the tests below through what the CLI prints). Where moto differs: its
version counter is not locked across the server's threads, so two PutParameter calls
arriving in the same instant could in principle be numbered alike, which Parameter
Store never does; the concurrent test below would then report the lost edit.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import pytest
from click.testing import CliRunner, Result

from gate.local.checkout import REPOSITORY_ROOT
from tests.e2e.conftest import Stack

pytestmark = pytest.mark.e2e

EDITORS = 4


def environment(stack: Stack) -> dict[str, str]:
    kept = {key: value for key, value in os.environ.items() if not key.startswith(("AWS_", "GATE_"))}
    return {**kept, **stack.server.client_environment(), "GATE_PARAMETER_NAME": stack.parameter}


def other_operator(stack: Stack, *args: str) -> subprocess.CompletedProcess[str]:
    """Another operator's whole edit, in its own process: ``python -m gate window ARGS``."""
    return subprocess.run(
        [sys.executable, "-m", "gate", "window", *args],
        cwd=REPOSITORY_ROOT,
        env=environment(stack),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def add_window(name: str, day: int) -> tuple[str, ...]:
    start, end = f"2026-12-{day:02d}T22:00:00+00:00", f"2026-12-{day:02d}T23:00:00+00:00"
    return ("add", "--start", start, "--end", end, "--name", name)


def window_names(text: str) -> set[str]:
    return {str(window.get("name")) for window in json.loads(text)["windows"]}


def stored(stack: Stack) -> tuple[str, int]:
    parameter = stack.ssm.get_parameter(Name=stack.parameter)["Parameter"]
    return str(parameter["Value"]), int(parameter["Version"])


def edit_with_another_landing_after_the_read(
    stack: Stack, monkeypatch: pytest.MonkeyPatch, meanwhile: Callable[[], Any], *args: str
) -> Result:
    """Our edit in-process; ``meanwhile`` runs once, right after our GetParameter returned."""
    import gate.cli.window as window_command

    real_client = window_command.client
    ran: list[bool] = []

    class ReadThenMeanwhile:
        def __init__(self, ssm: Any) -> None:
            self._ssm = ssm

        def get_parameter(self, **kwargs: Any) -> Any:
            try:
                return self._ssm.get_parameter(**kwargs)
            finally:
                if not ran:
                    ran.append(True)
                    meanwhile()

        def __getattr__(self, name: str) -> Any:
            return getattr(self._ssm, name)

    monkeypatch.setattr(window_command, "client", lambda service: ReadThenMeanwhile(real_client(service)))
    from gate.cli.main import cli

    return CliRunner().invoke(cli, ["window", *args], env=environment(stack))


def test_an_edit_landing_between_read_and_write_is_shown_and_the_command_fails(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN the window at version 1, and another operator whose edit lands right after ours read it
    _, read_version = stored(stack)
    theirs: list[subprocess.CompletedProcess[str]] = []

    def their_edit() -> None:
        theirs.append(other_operator(stack, *add_window("their upgrade", 2)))

    # WHEN we add our window
    result = edit_with_another_landing_after_the_read(stack, monkeypatch, their_edit, *add_window("our upgrade", 3))

    # THEN their edit succeeded on its own (it read and wrote with nobody in between)
    assert len(theirs) == 1 and theirs[0].returncode == 0, theirs[0].stdout + theirs[0].stderr
    assert f"(version {read_version + 1})" in theirs[0].stdout
    # AND ours landed after it (detected, not prevented), so it replaced their window
    text, version = stored(stack)
    assert version == read_version + 2
    assert window_names(text) == {"our upgrade"}
    # AND we are told, with both documents shown and the version ours replaced, and exit 1
    assert result.exit_code == 1, result.output
    assert "another edit" in result.stderr and f"version(s) {read_version + 1} were replaced" in result.stderr
    shown = result.stdout
    assert f"--- theirs (version {read_version + 1}" in shown and "their upgrade" in shown
    assert f"--- ours (version {read_version + 2}" in shown and "our upgrade" in shown
    assert shown.index("their upgrade") < shown.index("--- ours")


def test_two_edits_landing_in_between_are_both_shown(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    _, read_version = stored(stack)

    def two_edits() -> None:
        assert other_operator(stack, *add_window("first other", 4)).returncode == 0
        assert other_operator(stack, "mode", "maintenance").returncode == 0

    result = edit_with_another_landing_after_the_read(stack, monkeypatch, two_edits, *add_window("ours", 5))

    assert result.exit_code == 1, result.output
    assert f"version(s) {read_version + 1}, {read_version + 2} were replaced" in result.stderr
    assert f"--- theirs (version {read_version + 1}" in result.stdout
    assert f"--- theirs (version {read_version + 2}" in result.stdout
    assert '"mode": "maintenance"' in result.stdout  # the second of theirs, from GetParameterHistory
    assert stored(stack)[1] == read_version + 3


def test_an_edit_with_nobody_in_between_succeeds(stack: Stack) -> None:
    _, read_version = stored(stack)

    result = other_operator(stack, *add_window("alone", 6))

    assert result.returncode == 0, result.stdout + result.stderr
    assert f"wrote {stack.parameter} (version {read_version + 1})" in result.stdout
    assert "conflict" not in result.stdout + result.stderr


def test_a_parameter_created_by_another_edit_after_we_read_it_missing_is_not_overwritten(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN no parameter, and another operator who creates it right after we read it as missing
    stack.ssm.delete_parameter(Name=stack.parameter)

    def their_creation() -> None:
        assert other_operator(stack, *add_window("created by them", 7)).returncode == 0

    # WHEN we write ours
    result = edit_with_another_landing_after_the_read(stack, monkeypatch, their_creation, "mode", "maintenance")

    # THEN ours is refused (Overwrite=False), theirs stays, and both are shown
    assert result.exit_code == 1, result.output
    assert "nothing was written" in result.stderr
    text, version = stored(stack)
    assert version == 1 and window_names(text) == {"created by them"}
    assert "--- theirs (version 1" in result.stdout and "created by them" in result.stdout
    assert "--- ours (this command's document, not written)" in result.stdout


def test_concurrent_editors_lose_no_edit_silently(stack: Stack) -> None:
    # GIVEN several operators, each adding their own window, all started at once
    names = [f"editor {index}" for index in range(EDITORS)]
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "gate", "window", *add_window(name, 10 + index)],
            cwd=REPOSITORY_ROOT,
            env=environment(stack),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for index, name in enumerate(names)
    ]
    outcomes = [(process.wait(timeout=120), *process.communicate()) for process in processes]

    # THEN every edit either is in the final document, or another editor's failed run showed it as theirs
    final_text, final_version = stored(stack)
    present = window_names(final_text)
    conflict_reports = [stdout for status, stdout, _ in outcomes if status == 1]
    for name in names:
        assert name in present or any(f'"name": "{name}"' in report for report in conflict_reports), (
            name,
            outcomes,
        )
    # AND each editor wrote exactly once, succeeding or reporting a conflict, never anything else
    assert final_version == 1 + EDITORS, outcomes
    assert all(status in (0, 1) for status, _, _ in outcomes), outcomes
    assert all("another edit" in stderr for status, _, stderr in outcomes if status == 1), outcomes
