"""Test functions in other languages, run by their runtimes' own interface clients under the emulator.

``nodejs/`` (npm aws-lambda-ric), ``java/`` (the Java runtime interface client) and
``go/`` (a provided.al2023 custom runtime built with aws-lambda-go). This module builds
the compiled ones, and the layer with the Runtime API proxy, for the tests.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

from gate.local import toolchains
from gate.local.checkout import REPOSITORY_ROOT
from gate.local.servers import extract_layer
from layer.build import build_layer
from layer.proxy import PROXY_NAME as PROXY_NAME
from layer.proxy import ProxyBuildError

FUNCTIONS_DIR = Path(__file__).resolve().parent
RUNTIMES_DOC = REPOSITORY_ROOT / "docs" / "runtimes.md"
# The fenced block in docs/runtimes.md that is an OS-only function's gated bootstrap.
_BOOTSTRAP_BLOCK = re.compile(r"```sh\n(#!/bin/sh\n[^`]*?/opt/maintenance-gate[^`]*?)```")
_BUILD_TIMEOUT_SECONDS = 300


class FunctionBuildError(RuntimeError):
    """Raised when a test function or the proxy cannot be built."""


def _run(command: list[str], cwd: Path, **env: str) -> None:
    result = subprocess.run(
        command,
        cwd=cwd,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=_BUILD_TIMEOUT_SECONDS,
        check=False,
    )
    if result.returncode != 0:
        raise FunctionBuildError(f"{' '.join(command)} (in {cwd}) failed:\n{result.stderr[-2000:]}")


def java_function(destination: Path) -> Path:
    """Compile the Java handler into ``destination`` (a task root: classes at its top)."""
    javac = shutil.which("javac")
    if javac is None:
        raise toolchains.ToolchainMissingError("javac is not on PATH (a JDK 17 or later); run scripts/setup")
    destination.mkdir(parents=True, exist_ok=True)
    sources = [str(path) for path in (FUNCTIONS_DIR / "java").rglob("*.java")]
    _run([javac, "-d", str(destination), "-cp", toolchains.java_classpath(), *sources], FUNCTIONS_DIR)
    return destination


def go_function(destination: Path) -> Path:
    """Build the aws-lambda-go custom runtime into ``destination/function``, statically."""
    destination.mkdir(parents=True, exist_ok=True)
    binary = destination / "function"
    _run([str(toolchains.go()), "build", "-trimpath", "-o", str(binary), "."], FUNCTIONS_DIR / "go", CGO_ENABLED="0")
    return binary


def documented_bootstrap() -> str:
    """The gated bootstrap for an OS-only runtime, as docs/runtimes.md shows it."""
    match = _BOOTSTRAP_BLOCK.search(RUNTIMES_DOC.read_text(encoding="utf-8"))
    if match is None:
        raise AssertionError(f"{RUNTIMES_DOC} shows no sh bootstrap that runs /opt/maintenance-gate")
    return match.group(1)


def write_bootstrap(code_dir: Path, text: str) -> Path:
    bootstrap = code_dir / "bootstrap"
    bootstrap.write_text(text)
    bootstrap.chmod(0o755)
    return bootstrap


def proxy_layer(destination: Path) -> Path:
    """The layer for this machine's architecture, with the proxy, unpacked into ``destination`` as on /opt."""
    architecture = "arm64" if os.uname().machine in ("aarch64", "arm64") else "x86_64"
    archive = destination.parent / f"layer-{architecture}.zip"
    try:
        build_layer(archive, architecture=architecture)
    except ProxyBuildError as exc:
        raise FunctionBuildError(str(exc)) from exc
    return extract_layer(archive, destination)
