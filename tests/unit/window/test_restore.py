"""SnapStart: after a restore the window is read again, and credentials and jitter are renewed.

The emulator cannot take or restore a snapshot, so these tests call the registered hook
as awslambdaric's ``lambda_runtime_hooks_runner.run_after_restore`` would: with the
arguments it was registered with. The registry is a fake, except in the wiring test,
which uses the real ``snapshot_restore_py`` that awslambdaric itself depends on.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

import pytest

from gate.config import FailMode
from gate.window import restore
from gate.window.cache import WindowSource
from gate.window.reader import ParameterFetcher

SNAPSHOT_TIME = 1_800_000_000.0


class RecordingRandom(random.Random):
    def __init__(self) -> None:
        super().__init__(0)
        self.reseeded = 0

    def seed(self, *args: Any, **kwargs: Any) -> None:
        self.reseeded = getattr(self, "reseeded", -1) + 1
        super().seed(*args, **kwargs)

    def uniform(self, a: float, b: float) -> float:
        return b


class FakeFetcher:
    def __init__(self) -> None:
        self.value = '{"mode": "live"}'
        self.calls = 0
        self.renewed = 0

    def __call__(self) -> str:
        self.calls += 1
        return self.value

    def renew(self) -> None:
        self.renewed += 1


class FakeRegistry:
    def __init__(self) -> None:
        self.hooks: list[tuple[Any, tuple[Any, ...]]] = []

    def __call__(self, func: Any, *args: Any) -> Any:
        self.hooks.append((func, args))
        return func

    def run_after_restore(self) -> None:
        for func, args in self.hooks:
            func(*args)


def test_nothing_is_registered_outside_snapstart() -> None:
    registry = FakeRegistry()

    for init_type in ("on-demand", "provisioned-concurrency", ""):
        environ = {"AWS_LAMBDA_INITIALIZATION_TYPE": init_type}
        assert not restore.register(FakeFetcher(), FakeFetcher(), environ, registry)
    assert registry.hooks == []


def test_after_a_restore_the_document_is_read_again_and_the_random_state_reseeded() -> None:
    # GIVEN a gate initialised when the version was published, in a live window
    clock = [SNAPSHOT_TIME]
    fetcher, rng = FakeFetcher(), RecordingRandom()
    source = WindowSource(fetcher, ttl_seconds=3600.0, fail_mode=FailMode.LIVE, clock=lambda: clock[0], rng=rng)
    assert not source.prime().defer
    registry = FakeRegistry()
    assert restore.register(source, fetcher, {"AWS_LAMBDA_INITIALIZATION_TYPE": "snap-start"}, registry)
    reseeded_before = rng.reseeded

    # WHEN the snapshot is restored ten minutes later, well inside the TTL, after an operator began maintenance
    clock[0] += 600
    fetcher.value = '{"mode": "maintenance"}'
    registry.run_after_restore()

    # THEN the hook read the parameter again, renewed the reader and reseeded the jitter
    assert fetcher.calls == 2
    assert fetcher.renewed == 1
    assert rng.reseeded == reseeded_before + 1
    # ... so the first invocation after the restore defers, without waiting for the TTL
    assert source.current().defer


@pytest.fixture
def real_registry() -> Iterator[list[Any]]:
    import snapshot_restore_py  # type: ignore[import-untyped]

    hooks: list[Any] = snapshot_restore_py.get_after_restore()
    before = list(hooks)
    yield hooks
    hooks[:] = before


def test_the_fetcher_renews_its_credentials_after_a_restore(monkeypatch: pytest.MonkeyPatch) -> None:
    environ = {"AWS_ACCESS_KEY_ID": "before", "AWS_SECRET_ACCESS_KEY": "s", "AWS_REGION": "eu-west-1"}
    fetcher = ParameterFetcher("/w", connect_timeout=0.1, read_timeout=0.1, environ=environ)
    environ["AWS_ACCESS_KEY_ID"] = "after"  # a restored environment gets its own credentials

    fetcher.renew()

    assert fetcher._credentials().access_key == "after"


def test_the_gate_registers_its_hook_with_the_runtime_under_snapstart(
    real_registry: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    environ = {
        "GATE_ORIGINAL_HANDLER": "json.dumps",
        "GATE_PARAMETER_NAME": "/gate/window",
        "GATE_TABLE_NAME": "t",
        "GATE_INIT_WAIT_MS": "0",
        "AWS_ENDPOINT_URL": "http://127.0.0.1:9",  # nothing listens: the gate starts on its fail mode
        "AWS_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "x",
        "AWS_SECRET_ACCESS_KEY": "x",
        "AWS_LAMBDA_INITIALIZATION_TYPE": "snap-start",
    }

    for name, value in environ.items():
        monkeypatch.setenv(name, value)  # importing gate.entry the first time builds a gate from os.environ
    from gate.entry import build_gate

    _, source = build_gate(environ)

    ours = [args for func, args, _ in real_registry if func is restore.renew_after_restore]
    assert any(args[0] is source for args in ours)
