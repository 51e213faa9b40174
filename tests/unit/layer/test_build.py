"""The layer builder: an explicit list of files, stored uncompressed, the same bytes wherever it runs."""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
import shutil
import ssl
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path, PurePosixPath

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
    gate = {
        name.removeprefix("python/gate/") for name in names if name.startswith("python/gate/") and name.endswith(".py")
    }
    assert gate == {name for name in tracked if build.ships(name)}
    generated = {name for name in names if name.startswith("python/gate/") and not name.endswith(".py")}
    assert {name for name in generated if not name.endswith(".pyc")} == {build.ROOTS_NAME}
    assert all("/__pycache__/" in name for name in generated if name.endswith(".pyc"))
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


def _subjects(pem: str) -> list[str]:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.load_verify_locations(cadata=pem)
    subjects = [dict(pair for rdn in cert["subject"] for pair in rdn) for cert in context.get_ca_certs()]
    return sorted(subject["commonName"] for subject in subjects)


def test_the_roots_are_the_five_amazon_trust_services_roots_from_botocores_bundle() -> None:
    entries = dict((name, source) for name, source, _ in layer_entries(interpreters=()))
    roots = entries[build.ROOTS_NAME]
    assert isinstance(roots, bytes)

    assert _subjects(roots.decode()) == sorted(build.AMAZON_ROOTS)
    # Each is byte for byte a certificate of the maintained bundle, not one pasted by hand.
    spec = importlib.util.find_spec("botocore")
    assert spec is not None and spec.origin is not None
    bundle = (Path(spec.origin).parent / "cacert.pem").read_text()
    assert _ders(roots.decode()) <= _ders(bundle)


def _ders(text: str) -> set[bytes]:
    return {ssl.PEM_cert_to_DER_cert(block + "-----END CERTIFICATE-----\n") for block in _pem_blocks(text)}


def _pem_blocks(text: str) -> list[str]:
    start = "-----BEGIN CERTIFICATE-----"
    return [start + part.split("-----END CERTIFICATE-----")[0] for part in text.split(start)[1:]]


def test_a_bundle_without_an_amazon_root_fails_the_build_naming_it(tmp_path: Path) -> None:
    full = build.trust_roots()
    blocks = _pem_blocks(full)
    partial = tmp_path / "partial.pem"
    partial.write_text("".join(block + "-----END CERTIFICATE-----\n" for block in blocks[1:]))

    with pytest.raises(build.LayerSourceError, match="Amazon Root CA 1"):
        build.trust_roots(partial)


def test_extra_roots_for_a_local_tls_front_are_added_after_the_amazon_roots(tmp_path: Path) -> None:
    from gate.local.tls import ThrowawayCa

    ca = ThrowawayCa(tmp_path, "bench CA")
    build.build(tmp_path / "layer.zip", interpreters=(), extra_roots=[ca.ca_file])

    with zipfile.ZipFile(tmp_path / "layer.zip") as archive:
        roots = archive.read(build.ROOTS_NAME).decode()
    assert _subjects(roots) == sorted([*build.AMAZON_ROOTS, "bench CA"])


def test_bytecode_is_unchecked_hash_for_each_module_of_each_interpreter_found() -> None:
    # Only CPython 3.11 is on this machine's PATH (and CI's): the other versions are the same code path.
    interpreters = build.find_interpreters(("3.11",))
    assert [interpreter.version for interpreter in interpreters] == ["3.11"]
    layer = build.assemble(interpreters=interpreters)
    files = {name: source for name, source, _ in layer.entries}
    modules = [name for name in files if name.startswith("python/gate/") and name.endswith(".py")]

    assert layer.bytecode_runtimes == ("python3.11",)
    for module in modules:
        path = PurePosixPath(module)
        pyc = files[str(path.parent / "__pycache__" / f"{path.stem}.cpython-311.pyc")]
        assert isinstance(pyc, bytes)
        source = files[module]
        assert isinstance(source, Path)
        assert int.from_bytes(pyc[4:8], "little") == 0b01  # hash-based, source never checked (PEP 552)
        assert pyc[8:16] == importlib.util.source_hash(source.read_bytes())
        if sys.version_info[:2] == (3, 11):
            assert pyc[:4] == importlib.util.MAGIC_NUMBER


def test_the_runtime_loads_the_bytecode_without_compiling_or_checking_the_source(tmp_path: Path) -> None:
    opt = build.unpack(build.assemble(interpreters=build.find_interpreters(("3.11",))).entries, tmp_path / "opt")
    # A source that would fail if compiled: only the shipped bytecode can have been loaded.
    with (opt / "python/gate/window/decide.py").open("a") as source:
        source.write("\nraise SystemExit('the source was compiled')\n")

    result = subprocess.run(
        [sys.executable, "-c", "import gate.window.decide as m; print(m.decide.__code__.co_filename)"],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(opt / "python"), "PYTHONDONTWRITEBYTECODE": "1"},
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(opt / "python/gate/window/decide.py")


def test_the_bytes_with_bytecode_do_not_depend_on_the_hash_seed(tmp_path: Path) -> None:
    # Set ordering in compiled constants follows the hash seed; the builder fixes it.
    digests = set()
    for seed in ("1", "2"):
        result = subprocess.run(
            [sys.executable, "-m", "layer.build", str(tmp_path / f"{seed}.zip")],
            cwd=REPOSITORY_ROOT,
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        )
        digests.add(result.stdout.split("sha256=")[1].split()[0])
        assert "bytecode for: python3.11" in result.stdout
    assert len(digests) == 1


def test_an_interpreter_that_does_not_run_is_not_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A pyenv shim for a version not selected is on PATH, and fails when run.
    shim = tmp_path / "python3.12"
    shim.write_text("#!/bin/sh\necho 'pyenv: python3.12: command not found' >&2\nexit 127\n")
    shim.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))

    assert build.find_interpreters(("3.12",)) == ()


def test_uv_is_asked_when_path_has_no_interpreter_and_what_it_finds_must_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN no python3.11 on PATH, and a uv that names this interpreter for 3.11 (uv is not installed here)
    here = f"{sys.version_info.major}.{sys.version_info.minor}"
    uv = tmp_path / "uv"
    uv.write_text(f'#!/bin/sh\n[ "$1 $2 $3" = "python find {here}" ] && echo {sys.executable}\n')
    uv.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    build._reports.cache_clear()

    assert build.find_interpreters((here,)) == (build.Interpreter(here, sys.executable),)
    assert build.find_interpreters(("3.99",)) == ()
