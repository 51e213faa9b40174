"""The layer's zips, written by the repository's own deterministic builder.

Pulumi's own archiver can drop the wrapper's exec bit (pulumi/pulumi#3593), so the
program never hands Pulumi a directory: it hands over the finished zip.

Two kinds of layer: the Python one (the gate and the wrapper; one zip for every
architecture, built with no Go), and one per architecture for every other managed
runtime, which adds the Runtime API proxy built for that architecture. The second is
built only when a non-Python function is gated, so only then is Go needed.
"""

from __future__ import annotations

import base64
import hashlib
import os
import shutil
import subprocess
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pulumi

from layer.build import build_layer

# Relative to the working directory: the Pulumi project's under the CLI, so the path
# Pulumi records is the same on every machine. Git-ignore it in your project.
DEFAULT_BUILD_DIR = Path("build")
ARCHIVE_NAME = "maintenance-gate-layer.zip"
PROXY_MODULE = Path(__file__).resolve().parent.parent / "proxy"
PROXY_NAME = "maintenance-gate-proxy"
GOARCH = {"x86_64": "amd64", "arm64": "arm64"}
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)
_BUILD_TIMEOUT_SECONDS = 600


class ProxyBuildError(RuntimeError):
    """Raised when the Runtime API proxy cannot be built: Go missing, or the build failing."""


@dataclass(frozen=True)
class LayerArchive:
    path: Path
    sha256: str  # hex, as the builder prints it

    @property
    def source_code_hash(self) -> str:
        # Lambda reports CodeSha256 base64-encoded, and the provider compares in that form.
        return base64.b64encode(bytes.fromhex(self.sha256)).decode("ascii")

    def archive(self) -> pulumi.FileArchive:
        # Relative to the working directory (the project's, under the CLI): the path is
        # part of the archive's identity in state, and an absolute one differs per machine.
        return pulumi.FileArchive(os.path.relpath(self.path))


def build_layer_archive(build_dir: Path | None = None) -> LayerArchive:
    """The Python layer: the in-process gate and the wrapper."""
    path = (DEFAULT_BUILD_DIR if build_dir is None else build_dir) / ARCHIVE_NAME
    return LayerArchive(path=path, sha256=build_layer(path))


def build_proxy_layer_archive(architecture: str, runtime: str, build_dir: Path | None = None) -> LayerArchive:
    """The layer for ``architecture`` with the proxy: what a non-Python function (``runtime``) is gated with."""
    if architecture not in GOARCH:
        raise ValueError(f"architecture must be one of {', '.join(GOARCH)} (got {architecture!r})")
    path = (DEFAULT_BUILD_DIR if build_dir is None else build_dir) / f"maintenance-gate-layer-{architecture}.zip"
    with tempfile.TemporaryDirectory(prefix="gate-proxy-") as scratch:
        binary = build_proxy(architecture, runtime, Path(scratch) / PROXY_NAME)
        build_layer(path)
        _add_at_root(path, PROXY_NAME, binary.read_bytes())
    return LayerArchive(path=path, sha256=hashlib.sha256(path.read_bytes()).hexdigest())


def build_proxy(architecture: str, runtime: str, output: Path) -> Path:
    go = shutil.which("go")
    if go is None:
        raise ProxyBuildError(
            f"gating a {runtime} function builds the Runtime API proxy, which needs Go: install Go 1.26 or later "
            "so that `go` is on PATH (Python functions need no Go)"
        )
    if not (PROXY_MODULE / "cmd" / "gate-proxy").is_dir():
        raise ProxyBuildError(f"the proxy's source is not at {PROXY_MODULE / 'cmd' / 'gate-proxy'}")
    command = [go, "build", "-trimpath", "-ldflags=-s -w -buildid=", "-o", str(output), "./cmd/gate-proxy"]
    environment = {**os.environ, "CGO_ENABLED": "0", "GOOS": "linux", "GOARCH": GOARCH[architecture]}
    result = subprocess.run(
        command,
        cwd=PROXY_MODULE,
        env=environment,
        capture_output=True,
        text=True,
        timeout=_BUILD_TIMEOUT_SECONDS,
        check=False,
    )
    if result.returncode != 0:
        raise ProxyBuildError(f"building the proxy for {architecture} failed: {result.stderr.strip()[-2000:]}")
    return output


def _add_at_root(archive: Path, name: str, data: bytes) -> None:
    """Add an executable at the zip's root, keeping the builder's order, timestamps and storage."""
    with zipfile.ZipFile(archive) as source:
        entries = [(info, source.read(info)) for info in source.infolist()]
    added = zipfile.ZipInfo(name, date_time=_FIXED_TIME)
    added.external_attr = (0o100755 & 0xFFFF) << 16
    added.create_system = 3
    entries.append((added, data))
    entries.sort(key=lambda entry: entry[0].filename)
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_STORED) as target:
        for info, content in entries:
            target.writestr(info, content)
