"""``make soak``: the concurrency and replay tests, run again and again under CPU load.

A race that loses one time in forty passes a single run; run twenty times on a
loaded machine, it shows. Each run is a fresh pytest process (its own moto server and
emulators, as in ``make test``), with ``CI=true`` so that nothing is skipped. While
the runs go on, busy-looping processes (one per core by default) compete with them
for the CPU, as the rest of the suite does in ``make test``.

Everything is bounded: the number of runs, each run's time (a run over it is killed
and counted as failed), the whole soak's time (no run starts after it), and the
burners (each stops itself at the soak's deadline, even if this script is killed).

Prints one line per run and then ``N runs, K failures``; exits 1 when K > 0.
Each run's output is kept in a log directory, printed at the end.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPOSITORY_ROOT = Path(__file__).resolve().parent.parent
TESTS = (
    "tests/faults/test_atomic_writes.py",
    "tests/faults/test_concurrency.py",
    "tests/e2e/test_replay_under_emulator.py",
)
# A burner spins until its deadline; it stops by itself if the soak is killed.
_BURN = "import sys, time\ndeadline = float(sys.argv[1])\nwhile time.time() < deadline:\n    pass\n"
_FAILED_LINE = re.compile(r"^(?:FAILED|ERROR) (\S+)", re.MULTILINE)
_SUMMARY_LINE = re.compile(r"^=*\s*(\d+ \w+(?:, \d+ \w+)*) in [\d.]+s", re.MULTILINE)


def arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=20, help="how many runs (default 20)")
    parser.add_argument(
        "--burners", type=int, default=os.cpu_count() or 1, help="CPU-burning processes alongside (default: 1 per core)"
    )
    parser.add_argument("--run-timeout", type=float, default=600.0, help="seconds one run may take (default 600)")
    parser.add_argument(
        "--max-minutes", type=float, default=120.0, help="no run starts after this many minutes (default 120)"
    )
    parser.add_argument("tests", nargs="*", default=list(TESTS), help="test files or ids (default: %(default)s)")
    options = parser.parse_args(argv)
    if options.runs < 1 or options.burners < 0 or options.run_timeout <= 0 or options.max_minutes <= 0:
        parser.error("--runs must be at least 1, --burners at least 0, the times positive")
    return options


def start_burners(count: int, deadline: float) -> list[subprocess.Popen[bytes]]:
    return [
        subprocess.Popen([sys.executable, "-c", _BURN, str(deadline)], start_new_session=True) for _ in range(count)
    ]


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def run_once(tests: list[str], timeout: float, log: Path) -> tuple[bool, str]:
    """One pytest run of the soaked tests; whether it passed, and what it said."""
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-m", "not load", *tests]
    environment = {**os.environ, "CI": "true"}
    with log.open("w") as output:
        process = subprocess.Popen(
            command,
            cwd=REPOSITORY_ROOT,
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            status = process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            stop(process)
            return False, f"killed after {timeout:.0f} s"
    text = log.read_text(errors="replace")
    summary = _SUMMARY_LINE.findall(text)
    said = summary[-1] if summary else f"exit status {status}"
    failed = _FAILED_LINE.findall(text)
    if failed:
        said += "; " + ", ".join(failed)
    return status == 0, said


def main(argv: list[str]) -> int:
    options = arguments(argv)
    started = time.monotonic()
    last_start = started + options.max_minutes * 60
    burn_until = time.time() + options.max_minutes * 60 + options.run_timeout
    logs = Path(tempfile.mkdtemp(prefix="gate-soak-"))
    print(f"soak: {options.runs} runs of {' '.join(options.tests)}, {options.burners} CPU burners alongside")
    burners = start_burners(options.burners, burn_until)
    runs = failures = 0
    try:
        for number in range(1, options.runs + 1):
            if time.monotonic() > last_start:
                print(f"soak: stopped at the {options.max_minutes:.0f}-minute limit")
                break
            began = time.monotonic()
            passed, said = run_once(options.tests, options.run_timeout, logs / f"run-{number:02d}.log")
            runs += 1
            failures += not passed
            verdict = "passed" if passed else "FAILED"
            print(f"run {number}/{options.runs}: {verdict} in {time.monotonic() - began:.0f} s ({said})", flush=True)
    finally:
        for burner in burners:
            stop(burner)
    minutes = (time.monotonic() - started) / 60
    print(f"{runs} runs, {failures} failures ({minutes:.0f} min; logs in {logs})")
    return 1 if failures or runs < options.runs else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
