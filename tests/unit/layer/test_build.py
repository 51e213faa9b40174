"""The layer builder: an explicit list of files, stored uncompressed, the same bytes wherever it runs."""

from __future__ import annotations

import importlib.metadata
import os
import shutil
import subprocess
import zipfile
import zlib
from pathlib import Path

import pytest

from gate.local.checkout import REPOSITORY_ROOT
from layer import build
from layer.build import WRAPPER_NAME, build_layer, gate_files, layer_entries
from maintenance_gate_pulumi import layer_archive

GATE_ROOT = REPOSITORY_ROOT / "gate"


def git(cwd: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
    )


def package(root: Path) -> Path:
    """A small gate package: runtime modules, operator-only code, and a non-Python file."""
    gate = root / "gate"
    for name in ("__init__.py", "entry.py", "replay/__init__.py", "cli/main.py", "local/demo.py", "__main__.py"):
        (gate / name).parent.mkdir(parents=True, exist_ok=True)
        (gate / name).write_text(f"# {name}\n")
    (gate / "NOTES.txt").write_text("not code\n")
    return gate


def test_entries_are_stored_uncompressed_so_no_zlib_can_change_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A build that asked zlib for anything would fail here.
    def no_zlib(*args: object, **kwargs: object) -> None:
        raise AssertionError("the builder compressed something")

    monkeypatch.setattr(zlib, "compressobj", no_zlib)
    monkeypatch.setattr(zlib, "compress", no_zlib)
    build_layer(tmp_path / "layer.zip")

    with zipfile.ZipFile(tmp_path / "layer.zip") as archive:
        assert {info.compress_type for info in archive.infolist()} == {zipfile.ZIP_STORED}
        assert archive.testzip() is None


def test_the_bytes_do_not_depend_on_file_times_modes_or_the_umask(tmp_path: Path) -> None:
    # GIVEN a copy of the gate package whose files have other times and modes
    copy = tmp_path / "copy" / "gate"
    shutil.copytree(GATE_ROOT, copy, ignore=shutil.ignore_patterns("__pycache__"))
    for path in copy.rglob("*.py"):
        os.utime(path, (1_000_000_000, 1_000_000_000))
        path.chmod(0o600)
    old_umask = os.umask(0o077)
    try:
        # WHEN both are built (the copy is outside git, so the rule picks its files)
        copied = build_layer(tmp_path / "copy.zip", gate_root=copy)
    finally:
        os.umask(old_umask)
    original = build_layer(tmp_path / "original.zip")

    # THEN the archives are byte for byte the same
    assert copied == original
    assert (tmp_path / "copy.zip").read_bytes() == (tmp_path / "original.zip").read_bytes()


def test_in_a_checkout_only_tracked_runtime_modules_ship(tmp_path: Path) -> None:
    gate = package(tmp_path)
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-q", "-m", "gate")
    # Strays: untracked code, and a compiled file.
    (gate / "stray.py").write_text("SECRET = 1\n")
    (gate / "__pycache__").mkdir()
    (gate / "__pycache__" / "entry.cpython-311.pyc").write_bytes(b"\0")

    assert gate_files(gate) == ["__init__.py", "entry.py", "replay/__init__.py"]


def test_a_tracked_file_deleted_from_the_tree_does_not_ship(tmp_path: Path) -> None:
    gate = package(tmp_path)
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-q", "-m", "gate")
    (gate / "entry.py").unlink()

    assert gate_files(gate) == ["__init__.py", "replay/__init__.py"]


def test_outside_a_checkout_the_rule_picks_python_runtime_modules(tmp_path: Path) -> None:
    gate = package(tmp_path)
    (gate / "new_module.py").write_text("# another helper's new runtime module\n")

    assert gate_files(gate) == ["__init__.py", "entry.py", "new_module.py", "replay/__init__.py"]


def test_tzdata_is_exactly_what_its_distribution_installed() -> None:
    names = {name for name, _, _ in layer_entries() if name.startswith("python/tzdata/")}
    listed = {
        f"python/{item}"
        for item in importlib.metadata.files("tzdata") or ()
        if str(item).startswith("tzdata/") and "__pycache__" not in str(item)
    }
    assert names == listed
    assert "python/tzdata/zoneinfo/Europe/Rome" in names


def test_the_checkouts_layer_holds_the_wrapper_the_runtime_and_tzdata_only() -> None:
    entries = layer_entries()
    names = [name for name, _, _ in entries]
    tracked = subprocess.run(
        ["git", "-C", str(GATE_ROOT), "ls-files"], capture_output=True, text=True, check=True
    ).stdout.split()

    assert names[0] == WRAPPER_NAME
    gate = {name.removeprefix("python/gate/") for name in names if name.startswith("python/gate/")}
    assert gate == {name for name in tracked if build.ships(name)}
    assert "entry.py" in gate and "replay/handler.py" in gate
    assert not any(name.startswith(("cli/", "local/")) for name in gate)
    assert all(name.startswith(("python/gate/", "python/tzdata/")) for name in names[1:])


def test_the_programs_layer_is_built_under_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The default is build/ relative to where the program runs, so the path Pulumi
    # records is the same on every machine; here the test runs somewhere else.
    monkeypatch.chdir(tmp_path)
    archive = layer_archive.build_layer_archive()

    assert archive.path == Path("build") / layer_archive.ARCHIVE_NAME
    assert (tmp_path / "build" / layer_archive.ARCHIVE_NAME).is_file()
    assert archive.archive().path == os.path.join("build", layer_archive.ARCHIVE_NAME)
