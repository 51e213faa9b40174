"""The layer's zips, written by the repository's own deterministic builder.

Pulumi's own archiver can drop the wrapper's exec bit (pulumi/pulumi#3593), so the
program never hands Pulumi a directory: it hands over the finished zip.

Two kinds of layer: the Python one (the gate and the wrapper; one zip for every
architecture, built with no Go), and one per architecture for every other managed
runtime, which adds the Runtime API proxy built for that architecture. The second is
built only when a non-Python function is gated, so only then is Go needed
(``layer.build``'s ``architecture`` option, ``layer/proxy.py``).
"""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass
from pathlib import Path

import pulumi

from layer.build import build
from layer.proxy import ProxyBuildError

# Relative to the working directory: the Pulumi project's under the CLI, so the path
# Pulumi records is the same on every machine. Git-ignore it in your project.
DEFAULT_BUILD_DIR = Path("build")
ARCHIVE_NAME = "maintenance-gate-layer.zip"


@dataclass(frozen=True)
class LayerArchive:
    path: Path
    sha256: str  # hex, as the builder prints it
    # The runtimes the builder found an interpreter for, so the layer holds their bytecode.
    bytecode_runtimes: tuple[str, ...] = ()

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
    built = build(path)
    return LayerArchive(path=path, sha256=built.sha256, bytecode_runtimes=built.bytecode_runtimes)


def build_proxy_layer_archive(architecture: str, runtime: str, build_dir: Path | None = None) -> LayerArchive:
    """The layer for ``architecture`` with the proxy: what a non-Python function (``runtime``) is gated with."""
    path = (DEFAULT_BUILD_DIR if build_dir is None else build_dir) / f"maintenance-gate-layer-{architecture}.zip"
    try:
        built = build(path, architecture=architecture)
    except ProxyBuildError as exc:
        raise ProxyBuildError(f"gating a {runtime} function: {exc}") from exc
    return LayerArchive(path=path, sha256=built.sha256, bytecode_runtimes=built.bytecode_runtimes)
