"""One window read shared by the processes of one execution environment, through a file.

Lambda Managed Instances run many runtime processes in one environment; without
this, each would read Parameter Store once per TTL. A process that needs the
document first looks for a fresh file written by a sibling; only if there is none
does it read Parameter Store, and it then writes what it read (to a temporary name,
then renamed into place, so a reader sees a whole file or the previous one).

A file is trusted only if it is a regular file owned by this user and writable by no
one else, holds this parameter's key (endpoint, region and name), is no older than
the TTL and not from the future, and its checksum matches its value. Anything else
is ignored, and a newer version is never replaced by an older one. Any problem with
the file falls back to reading Parameter Store: the file only ever saves reads.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
import time
from collections.abc import Callable
from typing import Any

from gate.window.cache import Reading
from gate.window.reader import Parameter
from gate.window.sigv4 import sha256_hex

_FORMAT = 1
_MAX_BYTES = 64 * 1024  # the value is at most 8 KB (SSM's advanced tier), JSON-escaped
# A reader whose clock is a little behind the writer's still trusts the file.
_CLOCK_SKEW_SECONDS = 1.0


class SharedRead:
    def __init__(
        self,
        read: Callable[[], Parameter],
        *,
        directory: str,
        key: str,
        ttl_seconds: float,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._read = read
        self._key = key
        self._ttl = ttl_seconds
        self._clock = clock
        digest = sha256_hex(key.encode())[:24]
        self.path = os.path.join(directory, f"maintenance-gate-{digest}.json")
        self.reads = 0  # reads of Parameter Store itself, for tests and metrics

    def __call__(self) -> Reading:
        now = self._clock()
        shared = self._load()
        if shared is not None and -_CLOCK_SKEW_SECONDS <= now - shared["read_at"] < self._ttl:
            return Reading(shared["value"], max(0.0, now - shared["read_at"]))
        self.reads += 1
        parameter = self._read()
        if shared is None or _version(shared) <= (parameter.version or 0):
            self._store(parameter, now)
        return Reading(parameter.value, 0.0)

    def _load(self) -> dict[str, Any] | None:
        try:
            descriptor = os.open(self.path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        except OSError:
            return None
        try:
            info = os.fstat(descriptor)
            if (
                not stat.S_ISREG(info.st_mode)
                or info.st_uid != os.getuid()
                or info.st_mode & 0o022
                or info.st_size > _MAX_BYTES
            ):
                return None
            raw = os.read(descriptor, _MAX_BYTES + 1)
        except OSError:
            return None
        finally:
            os.close(descriptor)
        return self._trusted(raw)

    def _trusted(self, raw: bytes) -> dict[str, Any] | None:
        try:
            data = json.loads(raw)
            valid = (
                isinstance(data, dict)
                and data.get("format") == _FORMAT
                and data.get("key") == self._key
                and isinstance(data.get("value"), str)
                and isinstance(data.get("read_at"), (int, float))
                and data.get("sha256") == sha256_hex(data["value"].encode())
            )
        except (ValueError, KeyError, TypeError, AttributeError):
            return None
        return data if valid else None

    def _store(self, parameter: Parameter, now: float) -> None:
        data = {
            "format": _FORMAT,
            "key": self._key,
            "version": parameter.version,
            "read_at": now,
            "value": parameter.value,
            "sha256": sha256_hex(parameter.value.encode()),
        }
        temporary = f"{self.path}.{os.getpid()}.{os.urandom(4).hex()}"
        try:
            descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
            try:
                os.write(descriptor, json.dumps(data).encode())
            finally:
                os.close(descriptor)
            os.replace(temporary, self.path)
        except OSError:
            with contextlib.suppress(OSError):
                os.unlink(temporary)


def _version(data: dict[str, Any]) -> int:
    version = data.get("version")
    return version if isinstance(version, int) else 0
