"""gate.entry pauses cyclic garbage collection for the gate's own init only: the function's settings stay its own."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

# Records what the function's module saw at import, and what the process is left with.
PROBE = """
import gc, json, os, sys
if sys.argv[1] == "disabled":
    gc.disable()
os.environ.update({
    "GATE_ORIGINAL_HANDLER": sys.argv[2], "GATE_PARAMETER_NAME": "/gate/window", "GATE_TABLE_NAME": "t",
    "GATE_INIT_WAIT_MS": "0", "AWS_ENDPOINT_URL": "http://127.0.0.1:9", "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x",
})
try:
    import gate.entry
    failed = None
except BaseException as exc:
    failed = type(exc).__name__
import function
with open(sys.argv[3], "w") as out:  # not stdout, where the refresh thread logs
    json.dump({"at_import": function.AT_IMPORT, "after": gc.isenabled(), "failed": failed}, out)
"""

FUNCTION = """
import gc
AT_IMPORT = gc.isenabled()
if {disables}:
    gc.disable()

def handler(event, context):
    return event
"""


def _start(
    tmp_path: Path, *, before: str, handler: str = "function.handler", disables: bool = False
) -> dict[str, object]:
    (tmp_path / "function.py").write_text(FUNCTION.format(disables=disables))
    environment = {key: value for key, value in os.environ.items() if not key.startswith(("AWS_", "GATE_"))}
    environment["PYTHONPATH"] = os.pathsep.join([str(tmp_path), str(Path(__file__).resolve().parents[2])])
    result = subprocess.run(
        [sys.executable, "-c", PROBE, before, handler, str(tmp_path / "report.json")],
        env=environment,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads((tmp_path / "report.json").read_text())  # type: ignore[no-any-return]


def test_collection_is_on_again_before_the_function_is_imported_and_after_init(tmp_path: Path) -> None:
    report = _start(tmp_path, before="enabled")

    assert report == {"at_import": True, "after": True, "failed": None}


def test_a_function_that_turns_collection_off_at_import_keeps_it_off(tmp_path: Path) -> None:
    report = _start(tmp_path, before="enabled", disables=True)

    assert report == {"at_import": True, "after": False, "failed": None}


def test_collection_turned_off_before_the_gate_stays_off(tmp_path: Path) -> None:
    report = _start(tmp_path, before="disabled")

    assert report == {"at_import": False, "after": False, "failed": None}


@pytest.mark.parametrize("handler", ["function.missing", "function"])
def test_a_failed_init_leaves_collection_on(tmp_path: Path, handler: str) -> None:
    # A missing handler, or a malformed handler name: init fails, as without the gate.
    report = _start(tmp_path, before="enabled", handler=handler)

    assert report["failed"] is not None and report["after"] is True
