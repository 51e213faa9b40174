"""The proxy's build: one static binary per architecture, the same bytes twice, under 10 MB, Go only when asked for."""

from __future__ import annotations

import hashlib
import os
import shutil
import zipfile
from pathlib import Path

import pytest

from layer.build import build_layer
from layer.proxy import GO_MISSING, MAX_BYTES, PROXY_NAME, ProxyBuildError, build_proxy

# ELF e_machine for each Lambda architecture.
ELF_MACHINE = {"x86_64": 0x3E, "arm64": 0xB7}
PT_INTERP = 3


def program_header_types(binary: bytes) -> list[int]:
    """The p_type of each ELF64 program header: a dynamically linked binary has PT_INTERP."""
    offset = int.from_bytes(binary[32:40], "little")
    size, count = int.from_bytes(binary[54:56], "little"), int.from_bytes(binary[56:58], "little")
    return [int.from_bytes(binary[offset + i * size : offset + i * size + 4], "little") for i in range(count)]


def requires_go() -> None:
    if shutil.which("go") is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(GO_MISSING + " (CI=true: may not be skipped)")
        pytest.skip(GO_MISSING)


@pytest.mark.parametrize("architecture", ["x86_64", "arm64"])
def test_the_proxy_builds_the_same_bytes_twice_static_and_under_the_limit(architecture: str, tmp_path: Path) -> None:
    requires_go()
    first = build_proxy(architecture, tmp_path / "first")
    second = build_proxy(architecture, tmp_path / "second")

    assert first == second == hashlib.sha256((tmp_path / "second").read_bytes()).hexdigest()
    binary = (tmp_path / "first").read_bytes()
    assert binary[:4] == b"\x7fELF"
    assert int.from_bytes(binary[18:20], "little") == ELF_MACHINE[architecture]
    types = program_header_types(binary)
    assert types and PT_INTERP not in types  # static: no dynamic loader
    assert (tmp_path / "first").stat().st_size <= MAX_BYTES


def test_a_layer_for_an_architecture_holds_the_proxy_at_its_root_executable(tmp_path: Path) -> None:
    requires_go()
    build_layer(tmp_path / "layer.zip", architecture="arm64")

    with zipfile.ZipFile(tmp_path / "layer.zip") as archive:
        info = archive.getinfo(PROXY_NAME)
        binary = archive.read(info)
        names = archive.namelist()
    assert (info.external_attr >> 16) & 0o777 == 0o755
    assert int.from_bytes(binary[18:20], "little") == ELF_MACHINE["arm64"]
    assert names == sorted(names)


def test_without_go_the_proxy_build_says_what_to_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)

    with pytest.raises(ProxyBuildError, match=r"Go 1\.26 or later is needed .* https://go\.dev/dl/"):
        build_layer(tmp_path / "layer.zip", architecture="x86_64")
    assert not (tmp_path / "layer.zip").exists()


def test_a_layer_for_python_alone_builds_without_go(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)

    build_layer(tmp_path / "layer.zip")

    with zipfile.ZipFile(tmp_path / "layer.zip") as archive:
        assert PROXY_NAME not in archive.namelist()


def test_an_unknown_architecture_is_named(tmp_path: Path) -> None:
    with pytest.raises(ProxyBuildError, match=r"architecture='x86' must be one of x86_64, arm64"):
        build_proxy("x86", tmp_path / "binary")
