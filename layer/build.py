"""Build the layer archive: ``python -m layer.build OUTPUT.zip``.

The archive holds the exec wrapper at its root and, under ``python/``, the gate's
runtime modules and ``tzdata``, and nothing else. What goes in is an explicit list:

- the gate: the ``.py`` files of the ``gate`` package that git tracks, when the
  package is in a git checkout (a stray untracked file never ships); elsewhere (an
  installed wheel, a tarball) every ``.py`` file under it. Either way, minus the
  operator-only code in ``OPERATOR_ONLY``;
- tzdata: the files its installed distribution lists in its RECORD.

The bytes are the same on every machine: sorted entries, fixed timestamps, explicit
modes, and entries stored uncompressed, so no zlib build (zlib-ng compresses
differently) can change them. Redeploying an unchanged layer publishes no new version.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.metadata
import subprocess
import sys
import zipfile
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

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

Entry = tuple[str, Path, int]


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


def layer_entries(gate_root: Path | None = None) -> list[Entry]:
    """(archive name, source file, mode) for every file in the layer, sorted by name."""
    gate_root = gate_root or GATE_PACKAGE_DIR
    if not WRAPPER_SOURCE.is_file():
        raise LayerSourceError(f"the exec wrapper {WRAPPER_SOURCE} is missing")
    entries = [(WRAPPER_NAME, WRAPPER_SOURCE, _EXEC_MODE)]
    entries += [(f"python/gate/{name}", gate_root / name, _FILE_MODE) for name in gate_files(gate_root)]
    entries += [(f"python/{name}", source, _FILE_MODE) for name, source in tzdata_files()]
    return sorted(entries)


def build_layer(output: Path, *, gate_root: Path | None = None, architecture: str | None = None) -> str:
    """Write the archive and return its SHA-256 (hex); with ``architecture``, the Runtime API proxy too (needs Go)."""
    from layer.proxy import proxy_entries  # Go is needed only when the proxy is asked for

    entries = sorted(layer_entries(gate_root) + proxy_entries(architecture))
    output.parent.mkdir(parents=True, exist_ok=True)
    temporary = output.with_name(output.name + ".partial")
    with zipfile.ZipFile(temporary, "w", compression=zipfile.ZIP_STORED) as archive:
        for name, source, mode in entries:
            info = zipfile.ZipInfo(name, date_time=_FIXED_TIME)
            info.create_system = 3  # Unix, so external_attr carries the mode
            info.external_attr = (0o100000 | mode) << 16
            # Stored: no compressor, so no machine's zlib can change the bytes.
            info.compress_type = zipfile.ZIP_STORED
            archive.writestr(info, source.read_bytes())
    temporary.replace(output)
    return hashlib.sha256(output.read_bytes()).hexdigest()


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
    args = parser.parse_args(argv)
    digest = build_layer(args.output, architecture=args.architecture)
    print(f"{args.output} sha256={digest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
