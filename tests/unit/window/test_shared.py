"""Processes of one environment share one window read through a file; a bad file is never trusted."""

from __future__ import annotations

import json
import os
import random
from pathlib import Path

import pytest

from gate.config import FailMode
from gate.window.cache import WindowSource
from gate.window.reader import Parameter
from gate.window.shared import SharedRead

KEY = "http://127.0.0.1:4566|us-east-1|/gate/window"
NOW = 1_800_000_000.0


class ParameterStore:
    """Counts reads, as Parameter Store's quota would."""

    def __init__(self, value: str = '{"mode": "maintenance"}', version: int = 3) -> None:
        self.parameter = Parameter(value, version)
        self.reads = 0

    def read(self) -> Parameter:
        self.reads += 1
        return self.parameter


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> float:
        return self.now


def process(store: ParameterStore, directory: Path, clock: Clock, key: str = KEY) -> SharedRead:
    """What one runtime process of the environment builds."""
    return SharedRead(store.read, directory=str(directory), key=key, ttl_seconds=10.0, clock=clock)


def test_sibling_processes_share_one_read_per_ttl(tmp_path: Path) -> None:
    store, clock = ParameterStore(), Clock()
    processes = [process(store, tmp_path, clock) for _ in range(16)]  # 16 processes, one environment

    first = [reader() for reader in processes]
    clock.now += 4
    later = [reader() for reader in processes]
    clock.now += 6  # the first read is now one TTL old
    after_ttl = processes[5]()

    assert store.reads == 2
    assert {reading.text for reading in first + later} == {'{"mode": "maintenance"}'}
    assert {reading.age_seconds for reading in first[1:]} == {0.0} and later[0].age_seconds == 4
    assert after_ttl.age_seconds == 0.0
    assert oct(os.stat(processes[0].path).st_mode & 0o777) == "0o600"


def test_the_age_of_a_shared_read_shortens_the_next_refresh(tmp_path: Path) -> None:
    # GIVEN a sibling read the document 4 s ago
    store, clock = ParameterStore(), Clock()
    process(store, tmp_path, clock)()
    clock.now += 4

    # WHEN another process's source takes it
    source = WindowSource(
        process(store, tmp_path, clock), ttl_seconds=10.0, fail_mode=FailMode.LIVE, clock=clock, rng=NoJitter()
    )
    assert source.prime().defer

    # THEN it refreshes when the sibling's read is a TTL old, not a TTL from now: edits still wait at most one TTL
    clock.now += 6
    source.current()
    assert source.settled(5)
    assert store.reads == 2


class NoJitter(random.Random):
    def uniform(self, a: float, b: float) -> float:
        return b


@pytest.mark.parametrize(
    "corrupt",
    [
        "torn",
        "foreign key",
        "checksum mismatch",
        "from the future",
        "not json",
        "group writable",
        "symlink",
    ],
)
def test_a_torn_foreign_or_unsafe_file_is_never_trusted(tmp_path: Path, corrupt: str) -> None:
    # GIVEN a good shared file, then damaged one way
    store, clock = ParameterStore(), Clock()
    reader = process(store, tmp_path, clock)
    reader()
    path = Path(reader.path)
    data = json.loads(path.read_text())
    if corrupt == "torn":
        path.write_bytes(path.read_bytes()[:40])
    elif corrupt == "foreign key":
        path.write_text(json.dumps({**data, "key": "http://other|us-east-1|/other"}))
    elif corrupt == "checksum mismatch":
        path.write_text(json.dumps({**data, "value": '{"mode": "live"}'}))
    elif corrupt == "from the future":
        path.write_text(json.dumps({**data, "read_at": NOW + 3600}))
    elif corrupt == "not json":
        path.write_bytes(b"\x00\xff garbage")
    elif corrupt == "group writable":
        path.write_text(json.dumps({**data, "value": '{"mode": "live"}'}))
        path.chmod(0o666)
    elif corrupt == "symlink":
        elsewhere = tmp_path / "elsewhere.json"
        elsewhere.write_text(path.read_text())
        path.unlink()
        path.symlink_to(elsewhere)

    # WHEN a sibling process reads
    reading = process(store, tmp_path, clock)()

    # THEN it read Parameter Store itself, and got the real value
    assert store.reads == 2
    assert reading.text == '{"mode": "maintenance"}'


def test_an_older_version_never_replaces_a_newer_one(tmp_path: Path) -> None:
    # GIVEN a sibling stored version 5 of the document, which has since grown a TTL old
    clock = Clock()
    newer = ParameterStore('{"mode": "live"}', version=5)
    process(newer, tmp_path, clock)()
    clock.now += 10

    # WHEN a process whose read was answered by a lagging replica with version 4 stores what it read
    older = ParameterStore('{"mode": "maintenance"}', version=4)
    process(older, tmp_path, clock)()

    # THEN the file still holds version 5
    stored = json.loads(Path(process(older, tmp_path, clock).path).read_text())
    assert (stored["version"], stored["value"]) == (5, '{"mode": "live"}')


def test_an_unwritable_directory_only_costs_the_sharing(tmp_path: Path) -> None:
    store, clock = ParameterStore(), Clock()
    missing = tmp_path / "does-not-exist"

    readings = [process(store, missing, clock)() for _ in range(2)]

    assert [reading.text for reading in readings] == ['{"mode": "maintenance"}'] * 2
    assert store.reads == 2
