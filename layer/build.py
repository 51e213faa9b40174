"""Build the layer archive: ``python -m layer.build OUTPUT.zip``.

The archive holds the ``gate`` runtime package and ``tzdata`` under ``python/`` and
the exec wrapper at its root, and nothing else. It is deterministic: sorted entries,
fixed timestamps and explicit modes, so the same tree always gives the same bytes
and redeploying an unchanged layer publishes no new version.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

REPOSITORY_ROOT = Path(__file__).resolve().parent.parent
WRAPPER_SOURCE = Path(__file__).resolve().parent / "maintenance-gate"
WRAPPER_NAME = "maintenance-gate"
# Where Lambda extracts layers, hence the value of AWS_LAMBDA_EXEC_WRAPPER.
WRAPPER_PATH_ON_LAMBDA = f"/opt/{WRAPPER_NAME}"
COMPATIBLE_RUNTIMES = ("python3.10", "python3.11", "python3.12", "python3.13", "python3.14")
COMPATIBLE_ARCHITECTURES = ("x86_64", "arm64")

# Operator tooling lives in gate/ for `python -m gate`, but needs libraries the
# Lambda runtime does not have; it never runs inside a function.
_OPERATOR_ONLY = ("gate/cli/", "gate/local/", "gate/__main__.py", "gate/repository.py")
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)
_FILE_MODE = 0o644
_EXEC_MODE = 0o755


def layer_entries(gate_root: Path | None = None, tzdata_root: Path | None = None) -> list[tuple[str, Path, int]]:
    """(archive name, source file, mode) for every file in the layer, sorted by name."""
    gate_root = gate_root or REPOSITORY_ROOT / "gate"
    tzdata_root = tzdata_root or _installed_tzdata()
    entries = [(WRAPPER_NAME, WRAPPER_SOURCE, _EXEC_MODE)]
    for package_root in (gate_root, tzdata_root):
        for source in _package_files(package_root):
            relative = f"{package_root.name}/{source.relative_to(package_root).as_posix()}"
            if not relative.startswith(_OPERATOR_ONLY):
                entries.append((f"python/{relative}", source, _FILE_MODE))
    return sorted(entries)


def build_layer(output: Path) -> str:
    """Write the archive and return its SHA-256."""
    output.parent.mkdir(parents=True, exist_ok=True)
    temporary = output.with_name(output.name + ".partial")
    with zipfile.ZipFile(temporary, "w") as archive:
        for name, source, mode in layer_entries():
            info = zipfile.ZipInfo(name, date_time=_FIXED_TIME)
            info.create_system = 3  # Unix, so external_attr carries the mode
            info.external_attr = (0o100000 | mode) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, source.read_bytes(), compresslevel=9)
    temporary.replace(output)
    return hashlib.sha256(output.read_bytes()).hexdigest()


def _package_files(root: Path) -> Iterator[Path]:
    for path in root.rglob("*"):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix not in {".pyc", ".pyo"}:
            yield path


def _installed_tzdata() -> Path:
    try:
        import tzdata
    except ImportError:
        raise SystemExit(
            "tzdata is not installed; run the README's set-up (it is pinned in requirements.txt)"
        ) from None
    return Path(tzdata.__file__).resolve().parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m layer.build", description=__doc__.splitlines()[0])
    parser.add_argument("output", type=Path, help="where to write the layer zip")
    args = parser.parse_args(argv)
    digest = build_layer(args.output)
    print(f"{args.output} sha256={digest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
