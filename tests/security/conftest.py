"""Security tests share the end-to-end fixtures: a moto server on 127.0.0.1 and the emulator."""

from __future__ import annotations

from tests.e2e.conftest import layer_dir, moto_server, stack, start_function  # noqa: F401 - fixtures
