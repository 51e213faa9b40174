"""Fault tests share the end-to-end fixtures: a moto server on 127.0.0.1 and the emulator."""

from __future__ import annotations

import os

import pytest

from gate.local.servers import MotoServer
from tests.e2e.conftest import layer_dir, moto_server, stack, start_function  # noqa: F401 - fixtures


@pytest.fixture
def aws_environment(monkeypatch: pytest.MonkeyPatch, moto_server: MotoServer) -> MotoServer:  # noqa: F811
    """Point the gate's own clients (gate.aws reads the standard AWS settings) at moto."""
    for key in os.environ:
        if key.startswith("AWS_ENDPOINT_URL_") or key in {"AWS_PROFILE", "AWS_CONFIG_FILE"}:
            monkeypatch.delenv(key)
    for key, value in moto_server.client_environment().items():
        monkeypatch.setenv(key, value)
    return moto_server
