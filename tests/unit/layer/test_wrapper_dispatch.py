"""The exec wrapper's choice: the in-process gate for Python, the Runtime API proxy for any other runtime.

The wrapper runs here from a copy of layer/maintenance-gate beside a stand-in proxy (a
script that follows the proxy's process contract: one ``host:port`` line on stdout once
listening). The real proxy under the real runtimes is tested end to end in
tests/e2e/test_runtimes_under_emulator.py.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from layer.build import WRAPPER_NAME, WRAPPER_SOURCE

PROXY_NAME = "maintenance-gate-proxy"
SHOW = (
    "import json, os, sys; print(json.dumps({'argv': sys.argv[1:], 'env': {name: os.environ.get(name) for name in"
    " ('_HANDLER', 'GATE_ORIGINAL_HANDLER', 'AWS_LAMBDA_RUNTIME_API', 'PYTHONPATH')}}))"
)


def layer_with_proxy(tmp_path: Path, proxy_script: str | None) -> Path:
    """A layer directory holding the wrapper and, unless None, a stand-in proxy."""
    layer = tmp_path / "opt"
    layer.mkdir()
    shutil.copy2(WRAPPER_SOURCE, layer / WRAPPER_NAME)
    if proxy_script is not None:
        proxy = layer / PROXY_NAME
        proxy.write_text("#!/bin/bash\n" + proxy_script)
        proxy.chmod(0o755)
    return layer


def run(layer: Path, environment: dict[str, str], *command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(layer / WRAPPER_NAME), *command],
        env={"PATH": os.environ["PATH"], **environment},
        capture_output=True,
        text=True,
        timeout=20,
        check=False,
    )


# A Node.js-like command line: any interpreter but python, any arguments.
def node_like_command(*words: str) -> list[str]:
    return [sys.executable, "-c", SHOW, *words]


PROXY_ANSWERS = 'echo "upstream=${AWS_LAMBDA_RUNTIME_API:-}" > "${0%/*}/seen"\necho 127.0.0.1:45678\n'


@pytest.mark.parametrize("runtime", ["nodejs22.x", "java21", "dotnet8", "ruby3.3", "nodejs24.x"])
def test_any_other_runtime_gets_the_proxy_and_its_command_line_unchanged(tmp_path: Path, runtime: str) -> None:
    layer = layer_with_proxy(tmp_path, PROXY_ANSWERS)
    words = ["/var/runtime/index.mjs", "", "two words", "*", "$HOME", "line\nbreak"]
    environment = {
        "AWS_EXECUTION_ENV": f"AWS_Lambda_{runtime}",
        "AWS_LAMBDA_RUNTIME_API": "127.0.0.1:9001",
        "_HANDLER": "index.handler",
    }

    result = run(layer, environment, *node_like_command(*words))

    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout)
    assert shown["argv"] == words
    # Only the Runtime API address changes: the handler is the function's own.
    assert shown["env"] == {
        "_HANDLER": "index.handler",
        "GATE_ORIGINAL_HANDLER": None,
        "AWS_LAMBDA_RUNTIME_API": "127.0.0.1:45678",
        "PYTHONPATH": None,
    }
    # The proxy was started with the real Runtime API's address, to forward to.
    assert (layer / "seen").read_text() == "upstream=127.0.0.1:9001\n"


def test_python_named_by_the_runtime_gets_the_in_process_gate_whatever_the_command(tmp_path: Path) -> None:
    layer = layer_with_proxy(tmp_path, PROXY_ANSWERS)
    environment = {"AWS_EXECUTION_ENV": "AWS_Lambda_python3.12", "_HANDLER": "app.handler"}

    # The command line starts with no interpreter named python: the runtime's word wins.
    result = run(layer, environment, "/bin/sh", "-c", 'echo "$_HANDLER $GATE_ORIGINAL_HANDLER"')

    assert result.returncode == 0, result.stderr
    assert result.stdout == "gate.entry.handler app.handler\n"
    assert not (layer / "seen").exists()


def test_with_no_runtime_named_a_python_interpreter_gets_the_in_process_gate(tmp_path: Path) -> None:
    # The interpreter's name decides only where nothing named the runtime (stand-ins, other wrappers).
    layer = layer_with_proxy(tmp_path, PROXY_ANSWERS)

    result = run(layer, {"_HANDLER": "app.handler"}, sys.executable, "-c", SHOW)

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["env"]["_HANDLER"] == "gate.entry.handler"
    assert not (layer / "seen").exists()


def test_a_runtime_named_other_than_python_gets_the_proxy_even_from_a_python_interpreter(tmp_path: Path) -> None:
    layer = layer_with_proxy(tmp_path, PROXY_ANSWERS)
    environment = {"AWS_EXECUTION_ENV": "AWS_Lambda_nodejs22.x", "_HANDLER": "index.handler"}

    result = run(layer, environment, sys.executable, "-c", SHOW)

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["env"]["AWS_LAMBDA_RUNTIME_API"] == "127.0.0.1:45678"


def test_a_layer_without_the_proxy_refuses_a_non_python_function_and_says_why(tmp_path: Path) -> None:
    layer = layer_with_proxy(tmp_path, None)
    environment = {"AWS_EXECUTION_ENV": "AWS_Lambda_nodejs22.x", "_HANDLER": "index.handler"}

    result = run(layer, environment, "/bin/echo", "the function ran")

    assert result.returncode == 127
    assert result.stdout == ""
    assert "maintenance-gate-proxy is missing" in result.stderr
    assert "AWS_Lambda_nodejs22.x" in result.stderr and "docs/runtimes.md" in result.stderr


@pytest.mark.parametrize(
    "proxy_script",
    ["exit 3\n", "exec sleep 5\n", "echo -n ''\nexit 0\n"],
    ids=["dies-before-listening", "never-answers", "answers-an-empty-line"],
)
def test_no_address_from_the_proxy_fails_the_init_within_the_bound_and_never_runs_ungated(
    tmp_path: Path, proxy_script: str
) -> None:
    layer = layer_with_proxy(tmp_path, proxy_script)
    environment = {"AWS_EXECUTION_ENV": "AWS_Lambda_java21", "_HANDLER": "example.Handler::handleRequest"}

    started = time.monotonic()
    result = run(layer, environment, "/bin/echo", "the function ran")
    elapsed = time.monotonic() - started

    assert result.returncode == 1
    assert result.stdout == ""
    assert "did not report its address within 2 s" in result.stderr
    assert elapsed < 10  # bounded: the read gives up after 2 s (generous margin for a loaded machine)
