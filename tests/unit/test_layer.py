"""The layer archive: deterministic, minimal, runnable from any directory."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

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
    assert not any("__pycache__" in name or name.endswith(".pyc") for name in names)
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


def test_the_wrapper_swaps_the_handler_and_execs_the_command_line(tmp_path: Path) -> None:
    build_layer(tmp_path / "layer.zip")
    layer = extract_layer(tmp_path / "layer.zip", tmp_path / "somewhere" / "else")
    show = "import os; print(os.environ['_HANDLER'], os.environ['GATE_ORIGINAL_HANDLER'], os.environ['PYTHONPATH'])"

    result = subprocess.run(
        [str(layer / WRAPPER_NAME), sys.executable, "-c", show],
        env={"_HANDLER": "app.handler", "PYTHONPATH": "/var/runtime", "PATH": os.environ["PATH"]},
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
    )

    assert result.stdout.split() == ["gate.entry.handler", "app.handler", f"/var/runtime:{layer}/python"]
