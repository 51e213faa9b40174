"""The checkout the operator tools run from (the CLI, the demo, the sandbox); never used on Lambda."""

from __future__ import annotations

from pathlib import Path

REPOSITORY_ROOT = Path(__file__).resolve().parents[2]
