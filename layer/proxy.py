"""Build the Runtime API proxy (``proxy/cmd/gate-proxy``) for the layer: ``python -m layer.proxy ARCH OUTPUT``.

One static binary per Lambda architecture, the same bytes on every build: no cgo, no
paths (``-trimpath``), no build id, no version-control stamp, no symbol tables
(``-s -w``), and the instruction-set level pinned rather than read from the machine's
environment. Go is needed only here: a layer for Python functions builds without it.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

from layer.build import COMPATIBLE_ARCHITECTURES, LayerSourceError

PROXY_MODULE_DIR = Path(__file__).resolve().parent.parent / "proxy"
PROXY_NAME = "maintenance-gate-proxy"
# Lambda's architecture names, as Go names them.
GOARCH = {"x86_64": "amd64", "arm64": "arm64"}
# The baseline each architecture's Lambda hosts all support.
_ISA_LEVEL = {"amd64": ("GOAMD64", "v1"), "arm64": ("GOARM64", "v8.0")}
MAX_BYTES = 10 * 1024 * 1024
_BUILD_TIMEOUT_SECONDS = 900
# Where a layer build keeps the binaries it made (git-ignored).
BUILD_DIR = Path(__file__).resolve().parent.parent / "build" / "proxy"

GO_MISSING = (
    "Go 1.26 or later is needed to build the Runtime API proxy, which gates functions of "
    "runtimes other than Python; install it from https://go.dev/dl/ and put `go` on PATH "
    "(a layer for Python functions alone builds without it: leave out --architecture)"
)


class ProxyBuildError(LayerSourceError):
    """Raised when the proxy cannot be built: no Go, a failed build, or a binary over the size limit."""


def go_command() -> str:
    go = shutil.which("go")
    if go is None:
        raise ProxyBuildError(GO_MISSING)
    return go


def build_proxy(architecture: str, output: Path) -> str:
    """Build the proxy for ``architecture`` (x86_64 or arm64) at ``output``; returns its SHA-256."""
    goarch = GOARCH.get(architecture)
    if goarch is None:
        raise ProxyBuildError(f"architecture={architecture!r} must be one of {', '.join(COMPATIBLE_ARCHITECTURES)}")
    go = go_command()
    output.parent.mkdir(parents=True, exist_ok=True)
    level_name, level = _ISA_LEVEL[goarch]
    env = {
        **os.environ,
        "CGO_ENABLED": "0",
        "GOOS": "linux",
        "GOARCH": goarch,
        level_name: level,
        "GOFLAGS": "-mod=readonly",
        "GOEXPERIMENT": "",
    }
    command = [
        go, "build", "-trimpath", "-buildvcs=false", "-ldflags=-s -w -buildid=",
        "-o", str(output.resolve()), "./cmd/gate-proxy",
    ]  # fmt: skip
    try:
        result = subprocess.run(
            command, cwd=PROXY_MODULE_DIR, env=env, capture_output=True, text=True,
            timeout=_BUILD_TIMEOUT_SECONDS, check=False,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        raise ProxyBuildError(f"go build for {architecture} took over {_BUILD_TIMEOUT_SECONDS} s") from None
    if result.returncode != 0:
        raise ProxyBuildError(f"go build for {architecture} failed:\n{result.stderr.strip()}")
    size = output.stat().st_size
    if size > MAX_BYTES:
        raise ProxyBuildError(f"the proxy for {architecture} is {size} bytes, over the {MAX_BYTES}-byte limit")
    return hashlib.sha256(output.read_bytes()).hexdigest()


def proxy_entries(architecture: str | None) -> list[tuple[str, Path, int]]:
    """The layer's entry for the proxy (at the zip root, mode 0755), or none without an architecture."""
    if architecture is None:
        return []
    binary = BUILD_DIR / architecture / PROXY_NAME
    build_proxy(architecture, binary)
    return [(PROXY_NAME, binary, 0o755)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m layer.proxy", description=__doc__.splitlines()[0])
    parser.add_argument("architecture", choices=COMPATIBLE_ARCHITECTURES)
    parser.add_argument("output", type=Path, help="where to write the binary")
    args = parser.parse_args(argv)
    try:
        digest = build_proxy(args.architecture, args.output)
    except ProxyBuildError as exc:
        print(f"layer.proxy: {exc}", file=sys.stderr)
        return 1
    print(f"{args.output} sha256={digest} bytes={args.output.stat().st_size}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
