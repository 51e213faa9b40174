"""Build the layer archive: ``python -m layer.build OUTPUT.zip``.

The archive holds the exec wrapper at its root and, under ``python/``, the gate's
runtime modules and ``tzdata``, and nothing else. What goes in is an explicit list:

- the gate: the ``.py`` files of the ``gate`` package that git tracks, when the
  package is in a git checkout (a stray untracked file never ships); elsewhere (an
  installed wheel, a tarball) every ``.py`` file under it. Either way, minus the
  operator-only code in ``OPERATOR_ONLY``;
- tzdata: the files its installed distribution lists in its RECORD;
- ``gate/window/roots.pem``: the Amazon Trust Services roots the window read trusts
  (``gate/window/trust.py``), selected by subject from botocore's ``cacert.pem`` (or
  certifi's) at build time, never pasted by hand;
- bytecode: ``__pycache__/*.cpython-3XY.pyc`` for each gate module, for each CPython
  3.10 to 3.14 found on ``PATH`` (``python3.X``) or by ``uv python find``. Lambda's
  ``/opt`` is read-only, so without it every cold start compiles the gate's modules.
  The pycs are unchecked-hash (PEP 552), compiled with a fixed hash seed and the
  ``/opt/python/...`` path, so they hold nothing of the machine or the time.

The bytes are the same on every machine with the same interpreters: sorted entries,
fixed timestamps, explicit modes, and entries stored uncompressed, so no zlib build
(zlib-ng compresses differently) can change them. Redeploying an unchanged layer
publishes no new version. The build says which runtimes got bytecode.
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import importlib.metadata
import importlib.util
import json
import os
import shutil
import ssl
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path, PurePosixPath
from typing import NamedTuple

# Beside layer/ both in a checkout and where the project is pip-installed.
GATE_PACKAGE_DIR = Path(__file__).resolve().parent.parent / "gate"
WRAPPER_SOURCE = Path(__file__).resolve().parent / "maintenance-gate"
WRAPPER_NAME = "maintenance-gate"
# Where Lambda extracts layers, hence the value of AWS_LAMBDA_EXEC_WRAPPER.
WRAPPER_PATH_ON_LAMBDA = f"/opt/{WRAPPER_NAME}"
COMPATIBLE_RUNTIMES = ("python3.10", "python3.11", "python3.12", "python3.13", "python3.14")
COMPATIBLE_ARCHITECTURES = ("x86_64", "arm64")

# Operator tooling lives in gate/ for `python -m gate`, but needs libraries the
# Lambda runtime does not have; it never runs inside a function. Paths relative to gate/.
OPERATOR_ONLY = ("cli/", "local/", "__main__.py", "repository.py")
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)
_FILE_MODE = 0o644
_EXEC_MODE = 0o755
_GIT_TIMEOUT_SECONDS = 30

# The Parameter Store endpoints' chains end in these (Amazon Trust Services; Starfield
# Services G2 cross-signs Amazon Root CA 1 to 4 for older clients).
AMAZON_ROOTS = (
    "Amazon Root CA 1",
    "Amazon Root CA 2",
    "Amazon Root CA 3",
    "Amazon Root CA 4",
    "Starfield Services Root Certificate Authority - G2",
)
ROOTS_NAME = "python/gate/window/roots.pem"
# CPython minor versions Lambda runs (COMPATIBLE_RUNTIMES), as "3.X".
BYTECODE_VERSIONS = tuple(runtime.removeprefix("python") for runtime in COMPATIBLE_RUNTIMES)
_COMPILE_TIMEOUT_SECONDS = 120

# (archive name, the file to copy or the bytes themselves, mode)
Entry = tuple[str, "Path | bytes", int]


class LayerSourceError(RuntimeError):
    """Raised when a file the layer needs (tzdata, the wrapper) cannot be found."""


def ships(relative: str) -> bool:
    """Whether the file at ``relative`` (a POSIX path under gate/) belongs in the layer."""
    parts = PurePosixPath(relative).parts
    return relative.endswith(".py") and "__pycache__" not in parts and not relative.startswith(OPERATOR_ONLY)


def gate_files(gate_root: Path) -> list[str]:
    """The gate's files for the layer, as POSIX paths relative to ``gate_root``, sorted."""
    tracked = _tracked_by_git(gate_root)
    if tracked is not None:
        candidates: Iterable[str] = tracked
    else:
        candidates = (path.relative_to(gate_root).as_posix() for path in gate_root.rglob("*.py"))
    # A tracked file deleted from the working tree is on its way out: it does not ship.
    return sorted(name for name in candidates if ships(name) and (gate_root / name).is_file())


def tzdata_files() -> list[tuple[str, Path]]:
    """(name under python/, source) for each file the installed tzdata distribution lists."""
    try:
        listed = importlib.metadata.files("tzdata")
    except importlib.metadata.PackageNotFoundError:
        raise LayerSourceError(
            "tzdata is not installed; it is pinned in requirements.txt (and a dependency of this package)"
        ) from None
    files = []
    for item in listed or ():
        name = PurePosixPath(str(item))
        if name.parts[0] == "tzdata" and "__pycache__" not in name.parts and name.suffix not in {".pyc", ".pyo"}:
            files.append((name.as_posix(), Path(str(item.locate()))))
    if not files:
        raise LayerSourceError("the tzdata distribution lists no files (its RECORD is missing)")
    return files


def trust_roots(bundle: Path | None = None) -> str:
    """The Amazon Trust Services roots, as PEM text in ``AMAZON_ROOTS`` order, from a maintained bundle."""
    bundle = bundle or _maintained_bundle()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.load_verify_locations(cafile=str(bundle))
    found: dict[str, str] = {}
    # Selected by the certificate's own subject, decoded by OpenSSL (not the bundle's comments).
    for decoded, der in zip(context.get_ca_certs(), context.get_ca_certs(binary_form=True), strict=True):
        subject: dict[str, str] = {key: value for rdn in decoded["subject"] for key, value in rdn}  # type: ignore[str-unpack]
        name = subject.get("commonName")
        if name in AMAZON_ROOTS and subject.get("organizationName") in ("Amazon", "Starfield Technologies, Inc."):
            found[name] = ssl.DER_cert_to_PEM_cert(der)
    missing = [name for name in AMAZON_ROOTS if name not in found]
    if missing:
        raise LayerSourceError(f"{bundle} lacks the roots {', '.join(missing)}; is botocore or certifi current?")
    return "".join(found[name] for name in AMAZON_ROOTS)


def _maintained_bundle() -> Path:
    for package in ("botocore", "certifi"):
        spec = importlib.util.find_spec(package)
        for location in (spec.submodule_search_locations or []) if spec else []:
            candidate = Path(location) / "cacert.pem"
            if candidate.is_file():
                return candidate
    raise LayerSourceError("neither botocore's nor certifi's cacert.pem is installed (botocore is pinned)")


class Interpreter(NamedTuple):
    version: str  # "3.11"
    path: str


def find_interpreters(versions: Sequence[str] = BYTECODE_VERSIONS) -> tuple[Interpreter, ...]:
    """Each CPython in ``versions`` found on PATH as python3.X, else by ``uv python find``, that runs."""
    found = []
    for version in versions:
        for candidate in (shutil.which(f"python{version}"), _uv_find(version)):
            if candidate and _reports(candidate, version):
                found.append(Interpreter(version, candidate))
                break
    return tuple(found)


def _uv_find(version: str) -> str | None:
    uv = shutil.which("uv")
    if uv is None:
        return None
    try:
        result = subprocess.run(
            [uv, "python", "find", version],
            capture_output=True,
            text=True,
            env={**os.environ, "UV_PYTHON_DOWNLOADS": "never"},  # find what is installed, never fetch one
            timeout=_GIT_TIMEOUT_SECONDS,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return result.stdout.strip() or None if result.returncode == 0 else None


@functools.cache
def _reports(path: str, version: str) -> bool:
    # A pyenv shim for a version not selected is on PATH but fails: it must not count.
    try:
        result = subprocess.run(
            [path, "-c", "import sys; print(sys.implementation.name, '%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
            timeout=_GIT_TIMEOUT_SECONDS,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return result.returncode == 0 and result.stdout.split() == ["cpython", version]


# Run by each interpreter: compile every file with a fixed path, as unchecked-hash pycs.
_COMPILE = """
import json, py_compile, sys
jobs = json.loads(sys.stdin.read())
for source, target, shown in jobs:
    py_compile.compile(source, cfile=target, dfile=shown, doraise=True,
                       invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
print(sys.implementation.cache_tag)
"""


def bytecode(gate_root: Path, names: Sequence[str], interpreter: Interpreter) -> dict[str, bytes]:
    """``{archive name: pyc bytes}`` for each gate module in ``names``, compiled by ``interpreter``."""
    # Kept per process: the tests and the local stack build the same layer many times.
    key = (interpreter, tuple((name, hashlib.sha256((gate_root / name).read_bytes()).digest()) for name in names))
    cached = _compiled.get(key)
    if cached is None:
        cached = _compiled[key] = _compile(gate_root, names, interpreter)
    return dict(cached)


_compiled: dict[tuple[Interpreter, tuple[tuple[str, bytes], ...]], dict[str, bytes]] = {}


def _compile(gate_root: Path, names: Sequence[str], interpreter: Interpreter) -> dict[str, bytes]:
    with tempfile.TemporaryDirectory(prefix="gate-pyc-") as scratch:
        jobs = [
            (str(gate_root / name), os.path.join(scratch, f"{index}.pyc"), f"/opt/python/gate/{name}")
            for index, name in enumerate(names)
        ]
        result = subprocess.run(
            [interpreter.path, "-s", "-c", _COMPILE],
            input=json.dumps(jobs),
            capture_output=True,
            text=True,
            # Set ordering in the constants (``x in {...}``) follows the hash seed: fix it.
            env={"PYTHONHASHSEED": "0", "PATH": os.environ.get("PATH", "")},
            timeout=_COMPILE_TIMEOUT_SECONDS,
            check=False,
        )
        if result.returncode != 0:
            raise LayerSourceError(f"{interpreter.path} could not compile the gate: {result.stderr.strip()[-500:]}")
        tag = result.stdout.strip()
        compiled = {}
        for name, (_, target, _) in zip(names, jobs, strict=True):
            module = PurePosixPath(name)
            pyc = module.parent / "__pycache__" / f"{module.stem}.{tag}.pyc"
            compiled[f"python/gate/{pyc.as_posix()}"] = Path(target).read_bytes()
    return compiled


class Layer(NamedTuple):
    entries: list[Entry]
    bytecode_runtimes: tuple[str, ...]  # "python3.11", ...


def assemble(
    gate_root: Path | None = None,
    *,
    interpreters: Sequence[Interpreter] | None = None,
    extra_roots: Sequence[Path] = (),
) -> Layer:
    """Every file in the layer, sorted by name, and the runtimes that got bytecode.

    ``extra_roots`` adds CA certificates to the trusted roots: only for tests and
    benchmarks that serve the window read from a local TLS front. Never for a deployment.
    """
    gate_root = gate_root or GATE_PACKAGE_DIR
    if not WRAPPER_SOURCE.is_file():
        raise LayerSourceError(f"the exec wrapper {WRAPPER_SOURCE} is missing")
    names = gate_files(gate_root)
    entries: list[Entry] = [(WRAPPER_NAME, WRAPPER_SOURCE, _EXEC_MODE)]
    entries += [(f"python/gate/{name}", gate_root / name, _FILE_MODE) for name in names]
    entries += [(f"python/{name}", source, _FILE_MODE) for name, source in tzdata_files()]
    roots = trust_roots() + "".join(path.read_text(encoding="ascii") for path in extra_roots)
    entries.append((ROOTS_NAME, roots.encode("ascii"), _FILE_MODE))
    found = find_interpreters() if interpreters is None else tuple(interpreters)
    for interpreter in found:
        entries += [(name, data, _FILE_MODE) for name, data in bytecode(gate_root, names, interpreter).items()]
    return Layer(sorted(entries, key=lambda entry: entry[0]), tuple(f"python{i.version}" for i in found))


def layer_entries(gate_root: Path | None = None, *, interpreters: Sequence[Interpreter] | None = None) -> list[Entry]:
    """(archive name, source file or bytes, mode) for every file in the layer, sorted by name."""
    return assemble(gate_root, interpreters=interpreters).entries


class Built(NamedTuple):
    sha256: str  # hex
    bytecode_runtimes: tuple[str, ...]


def build(
    output: Path,
    *,
    gate_root: Path | None = None,
    interpreters: Sequence[Interpreter] | None = None,
    extra_roots: Sequence[Path] = (),
    architecture: str | None = None,
) -> Built:
    """Write the archive; return its SHA-256 (hex) and the runtimes that got bytecode.

    With ``architecture``, the Runtime API proxy for it too (needs Go).
    """
    from layer.proxy import proxy_entries  # Go is needed only when the proxy is asked for

    layer = assemble(gate_root, interpreters=interpreters, extra_roots=extra_roots)
    entries: list[Entry] = sorted([*layer.entries, *proxy_entries(architecture)], key=lambda entry: entry[0])
    output.parent.mkdir(parents=True, exist_ok=True)
    temporary = output.with_name(output.name + ".partial")
    with zipfile.ZipFile(temporary, "w", compression=zipfile.ZIP_STORED) as archive:
        for name, source, mode in entries:
            info = zipfile.ZipInfo(name, date_time=_FIXED_TIME)
            info.create_system = 3  # Unix, so external_attr carries the mode
            info.external_attr = (0o100000 | mode) << 16
            # Stored: no compressor, so no machine's zlib can change the bytes.
            info.compress_type = zipfile.ZIP_STORED
            archive.writestr(info, source if isinstance(source, bytes) else source.read_bytes())
    temporary.replace(output)
    return Built(hashlib.sha256(output.read_bytes()).hexdigest(), layer.bytecode_runtimes)


def build_layer(
    output: Path, *, gate_root: Path | None = None, extra_roots: Sequence[Path] = (), architecture: str | None = None
) -> str:
    """Write the archive and return its SHA-256 (hex)."""
    return build(output, gate_root=gate_root, extra_roots=extra_roots, architecture=architecture).sha256


def unpack(entries: Iterable[Entry], opt: Path) -> Path:
    """Lay ``entries`` out as Lambda extracts a layer under /opt; returns ``opt``."""
    for name, source, mode in entries:
        target = opt / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(source if isinstance(source, bytes) else source.read_bytes())
        target.chmod(mode)
    return opt


def describe(built: Built) -> str:
    """One line for the operator: which runtimes run the gate from bytecode, which compile it."""
    missing = [runtime for runtime in COMPATIBLE_RUNTIMES if runtime not in built.bytecode_runtimes]
    have = ", ".join(built.bytecode_runtimes) or "none"
    line = f"bytecode for: {have}"
    if missing:
        line += f"; without (compiled at every cold start): {', '.join(missing)}"
    return line


def _tracked_by_git(gate_root: Path) -> list[str] | None:
    """The files git tracks under ``gate_root``, or None when it is not a tracked package in a checkout."""
    try:
        result = subprocess.run(
            ["git", "-C", str(gate_root), "ls-files", "-z", "--cached", "--", "."],
            capture_output=True,
            timeout=_GIT_TIMEOUT_SECONDS,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None  # no git here: the rule decides
    names = [name for name in result.stdout.decode("utf-8", "surrogateescape").split("\0") if name]
    # Outside a checkout git fails; inside one that does not track the package (a
    # virtualenv in someone's repository) it lists nothing: the rule decides then too.
    if result.returncode != 0 or "__init__.py" not in names:
        return None
    return names


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m layer.build", description=__doc__.splitlines()[0])
    parser.add_argument("output", type=Path, help="where to write the layer zip")
    parser.add_argument(
        "--architecture", choices=COMPATIBLE_ARCHITECTURES, help="add the Runtime API proxy for it (needs Go)"
    )
    parser.add_argument(
        "--extra-root",
        type=Path,
        action="append",
        default=[],
        metavar="PEM",
        help="also trust this CA for the window read (local TLS fronts in tests and benchmarks only)",
    )
    args = parser.parse_args(argv)
    built = build(args.output, extra_roots=args.extra_root, architecture=args.architecture)
    print(f"{args.output} sha256={built.sha256}")
    print(describe(built))
    return 0


if __name__ == "__main__":
    sys.exit(main())
