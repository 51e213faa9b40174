"""The replay library ships in the layer and runs inside Lambda: no CLI libraries, no retried Invoke."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from gate.replay.invoke import LambdaInvoker
from layer.build import layer_entries

PROBE = """
import json, sys
import gate.replay.handler, gate.replay.engine, gate.replay.purge, gate.replay.config
print(json.dumps(sorted({name.split(".")[0] for name in sys.modules})))
"""


def test_the_layer_carries_the_replayer_and_not_the_cli() -> None:
    names = [name for name, _, _ in layer_entries()]

    assert "python/gate/replay/handler.py" in names and "python/gate/replay/engine.py" in names
    assert not [name for name in names if name.startswith(("python/gate/cli/", "python/gate/__main__"))]


def test_the_replay_library_imports_no_cli_library() -> None:
    result = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True, timeout=60)

    loaded = set(json.loads(result.stdout))
    assert not loaded & {"click", "rich", "pulumi", "moto", "yaml"}


def test_the_invoke_client_makes_exactly_one_attempt(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    invoker = LambdaInvoker.create(read_timeout=30)

    # A second attempt after a lost answer could run the function twice.
    retries = invoker._client.meta.config.retries
    assert retries.get("total_max_attempts") == 1
    assert invoker._client.meta.config.read_timeout == 30
