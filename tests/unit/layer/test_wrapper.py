"""The layer archive: deterministic, minimal, runnable from any directory."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from gate.local.servers import extract_layer
from layer.build import WRAPPER_NAME, build_layer


def test_building_twice_gives_identical_bytes(tmp_path: Path) -> None:
    first, second = tmp_path / "a.zip", tmp_path / "b.zip"

    assert build_layer(first) == build_layer(second)
    assert first.read_bytes() == second.read_bytes()


def test_the_archive_holds_the_gate_tzdata_and_the_executable_wrapper_only(tmp_path: Path) -> None:
    build_layer(tmp_path / "layer.zip")
    infos = zipfile.ZipFile(tmp_path / "layer.zip").infolist()
    names = [info.filename for info in infos]

    assert names == sorted(names)
    assert names[0] == WRAPPER_NAME and (infos[0].external_attr >> 16) & 0o777 == 0o755
    assert all(name.startswith(("python/gate/", "python/tzdata/")) for name in names[1:])
    assert "python/gate/entry.py" in names and "python/tzdata/zoneinfo/Europe/Rome" in names
    # Bytecode only as the builder makes it: hash-based pycs in __pycache__, beside their module.
    for name in (name for name in names if name.endswith(".pyc")):
        folder, _, file = name.rpartition("/__pycache__/")
        assert f"{folder}/{file.split('.')[0]}.py" in names, name
    assert not any(name.startswith("python/tzdata/") and name.endswith(".pyc") for name in names)
    assert not any(name.startswith(("python/gate/cli/", "python/gate/local/")) for name in names)
    assert {info.date_time for info in infos} == {(1980, 1, 1, 0, 0, 0)}


def test_zones_load_from_the_layer_with_no_system_database(tmp_path: Path) -> None:
    build_layer(tmp_path / "layer.zip")
    layer = extract_layer(tmp_path / "layer.zip", tmp_path / "opt")
    empty = tmp_path / "empty-zoneinfo"
    empty.mkdir()
    probe = (
        "import zoneinfo, tzdata; from datetime import datetime;"
        "print(tzdata.__file__); print(datetime(2026, 7, 1, tzinfo=zoneinfo.ZoneInfo('Europe/Rome')).utcoffset())"
    )

    # -S: no site-packages, so only the layer can provide tzdata, as on a bare image.
    result = subprocess.run(
        [sys.executable, "-S", "-c", probe],
        env={"PYTHONPATH": str(layer / "python"), "PYTHONTZPATH": str(empty), "PATH": os.environ["PATH"]},
        capture_output=True,
        text=True,
        check=True,
    )

    tzdata_file, offset = result.stdout.splitlines()
    assert tzdata_file.startswith(str(layer / "python" / "tzdata"))
    assert offset == "2:00:00"


def run_wrapper(tmp_path: Path, environment: dict[str, str], *command: str) -> subprocess.CompletedProcess[str]:
    """Run the built layer's wrapper, unpacked somewhere other than the current directory."""
    build_layer(tmp_path / "layer.zip")
    layer = extract_layer(tmp_path / "layer.zip", tmp_path / "somewhere" / "else")
    return subprocess.run(
        [str(layer / WRAPPER_NAME), *command],
        env={"PATH": os.environ["PATH"], **environment},
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
    )


SHOW_ENVIRONMENT = (
    "import json, os; print(json.dumps([os.environ.get(name) for name in"
    " ('_HANDLER', 'GATE_ORIGINAL_HANDLER', 'PYTHONPATH')]))"
)


def test_the_wrapper_swaps_the_handler_and_leaves_an_unset_pythonpath_unset(tmp_path: Path) -> None:
    # The managed bootstrap.py adds /opt/python and the layers' site-packages only when
    # PYTHONPATH is unset; setting it would hide every other layer's packages.
    result = run_wrapper(tmp_path, {"_HANDLER": "app.handler"}, sys.executable, "-c", SHOW_ENVIRONMENT)

    assert json.loads(result.stdout) == ["gate.entry.handler", "app.handler", None]


@pytest.mark.parametrize(
    ("function_pythonpath", "expected"),
    [
        ("/var/task/vendor:/var/runtime", "/var/task/vendor:/var/runtime:{layer}/python"),
        ("", "{layer}/python"),
    ],
    ids=["set", "set-but-empty"],
)
def test_a_pythonpath_the_function_sets_is_kept_and_the_gate_appended(
    tmp_path: Path, function_pythonpath: str, expected: str
) -> None:
    # Set (even empty), the runtime adds no /opt directory, so the gate must be appended.
    environment = {"_HANDLER": "app.handler", "PYTHONPATH": function_pythonpath}

    result = run_wrapper(tmp_path, environment, sys.executable, "-c", SHOW_ENVIRONMENT)

    layer = tmp_path / "somewhere" / "else"
    assert json.loads(result.stdout) == ["gate.entry.handler", "app.handler", expected.format(layer=layer)]


def test_the_runtime_command_line_reaches_exec_unchanged(tmp_path: Path) -> None:
    # Lambda runs the wrapper with the runtime's command line; it must arrive word for word.
    words = ["/var/runtime/bootstrap.py", "", "two words", "*", "$HOME", "--flag", "line\nbreak", "'quoted'"]
    show_argv = "import json, sys; print(json.dumps(sys.argv[1:]))"

    result = run_wrapper(tmp_path, {"_HANDLER": "app.handler"}, sys.executable, "-c", show_argv, *words)

    assert json.loads(result.stdout) == words


def test_the_wrapper_keeps_the_gate_handler_when_run_twice(tmp_path: Path) -> None:
    # A second pass (another wrapper re-running ours) must not lose the function's handler.
    environment = {"_HANDLER": "gate.entry.handler", "GATE_ORIGINAL_HANDLER": "app.handler"}

    result = run_wrapper(tmp_path, environment, sys.executable, "-c", SHOW_ENVIRONMENT)

    assert json.loads(result.stdout) == ["gate.entry.handler", "app.handler", None]
