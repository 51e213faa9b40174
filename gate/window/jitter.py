"""The jitter the window read and its cache draw from (retry delays, TTLs)."""

from __future__ import annotations

import os

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (gate.records says why)

if TYPE_CHECKING:
    from typing import Protocol

    class Jitter(Protocol):
        """What the cache draws its jitter from: ``random.Random`` fits, for a seeded test."""

        def uniform(self, a: float, b: float) -> float: ...

        def seed(self) -> None: ...


class SystemJitter:
    """Uniform draws from ``os.urandom``.

    Nothing here is state a SnapStart snapshot could freeze, and it spares a function's
    cold start the ``random`` module (about 1 ms with ``bisect`` and ``_sha512``).
    """

    def uniform(self, a: float, b: float) -> float:
        fraction = (int.from_bytes(os.urandom(7), "big") >> 3) / (1 << 53)  # 53 random bits in [0, 1)
        return a + (b - a) * fraction

    def seed(self) -> None:
        """Nothing to reseed: every draw reads the kernel's generator afresh."""
