"""Measure the gate against the original design: ``python benchmarks/run.py [--quick] [--json PATH]``.

Everything runs on this machine against one moto server and AWS's Runtime
Interface Emulator, both on 127.0.0.1 and both stopped on the way out. The table
goes to stdout, progress to stderr, and ``--json`` writes the metrics (top-level
keys) and a ``machine`` object. See docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python benchmarks/run.py", description="Measure the gate against the original design."
    )
    parser.add_argument("--quick", action="store_true", help="fewer calls; well under a minute")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the results as JSON")
    args = parser.parse_args(argv)
    _importable_from_anywhere()
    from benchmarks.suite import FULL, QUICK, run

    return run(QUICK if args.quick else FULL, args.json)


def _importable_from_anywhere() -> None:
    # Run as a script, Python puts benchmarks/ itself first on the path, where its
    # module names could shadow others; the repository root is what we import from.
    here = Path(__file__).resolve().parent
    sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != here]
    sys.path.insert(0, str(here.parent))


if __name__ == "__main__":
    began = time.monotonic()
    status = main()
    print(f"(benchmark wall time {time.monotonic() - began:.1f} s)", file=sys.stderr)
    sys.exit(status)
