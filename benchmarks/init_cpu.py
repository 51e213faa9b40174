"""The CPU the gate's init costs, which other work on a busy machine does not inflate much.

``python -m benchmarks.init_cpu --baseline-ref REF [--https] [--handler plain|with_boto3] [--repetitions N]``

Each start is a fresh interpreter with awslambdaric's bootstrap already imported (as in
the managed runtime); the clock covers what init adds: ``import gate.entry`` (settings,
the first read from the moto server or through the TLS front, the handler's import, the
first decision) for a gated start, the handler module's import for a bare one. It
reads ``time.process_time`` (CPU of every thread of the process) and
``time.perf_counter`` (wall). The layers are unpacked as Lambda unpacks them and run
with ``PYTHONDONTWRITEBYTECODE=1``; a baseline built from ``REF`` by its own builder is
given the front's CA as ``cold_start.trust_front`` says over https. The
figures are medians of per-repetition differences (gated minus bare), rotating the
order. Unlike ``cold_start_added_ms``, this leaves out the emulator, the exec wrapper
and the invocation, and counts waiting only in the wall figure: a cross-check on a
machine too busy for wall times, not a replacement for them.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks import cold_start
from benchmarks.emulated import HANDLERS_DIR
from benchmarks.stack import aws_environment, create_stack
from benchmarks.stats import median, percentile
from gate.local.servers import MotoServer, built_layer

GATED = """
import json, time
import awslambdaric.bootstrap
cpu, wall = time.process_time(), time.perf_counter()
import gate.entry
cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
assert gate.entry.source.document is not None, gate.entry.source.current().reason
print(json.dumps({"cpu": cpu * 1000, "wall": wall * 1000}))
"""
BARE = """
import importlib, json, os, time
import awslambdaric.bootstrap
cpu, wall = time.process_time(), time.perf_counter()
importlib.import_module(os.environ["GATE_ORIGINAL_HANDLER"].split(".")[0])
cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
print(json.dumps({"cpu": cpu * 1000, "wall": wall * 1000}))
"""


def measure(baseline_ref: str, https: bool, handler: str, repetitions: int) -> str:
    with MotoServer() as server, aws_environment(server), tempfile.TemporaryDirectory() as scratch:
        stack = create_stack(server)
        front = cold_start.https_front(stack) if https else contextlib.nullcontext()
        with front as served, built_layer() as plain_layer:
            layer, environment = served if https else (plain_layer, stack.gate_environment())
            tree = Path(scratch) / "tree"
            tree.mkdir()
            archive = subprocess.run(
                ["git", "archive", baseline_ref, "gate", "layer"], check=True, capture_output=True
            ).stdout
            subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
            baseline = cold_start._baseline_layer(tree, Path(scratch))
            baseline_extra = cold_start.trust_front(baseline, layer, Path(scratch)) if https else {}
            variants = {
                "bare": (None, {}, BARE),
                baseline_ref: (baseline, baseline_extra, GATED),
                "this checkout": (layer, {}, GATED),
            }
            host = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "SSL_CERT", "GATE_", "PYTHON"))}
            results: dict[str, dict[str, list[float]]] = {name: {"cpu": [], "wall": []} for name in variants}
            for repetition in range(repetitions):
                names = list(variants)
                shift = repetition % len(names)
                for name in names[shift:] + names[:shift]:
                    opt, extra, code = variants[name]
                    path = str(HANDLERS_DIR) + (f":{opt / 'python'}" if opt else "")
                    env = {
                        **host,
                        **environment,
                        **extra,
                        "GATE_ORIGINAL_HANDLER": handler,
                        "GATE_INIT_WAIT_MS": "5000",  # a busy machine must not turn a slow read into a failed one
                        "PYTHONPATH": path,
                        "PYTHONDONTWRITEBYTECODE": "1",
                    }
                    done = subprocess.run(
                        [sys.executable, "-c", code], env=env, capture_output=True, text=True, cwd=scratch, check=True
                    )
                    for key, value in json.loads(done.stdout.strip().splitlines()[-1]).items():
                        results[name][key].append(value)
    lines = [
        f"init added over bare ({'https' if https else 'http'}, {handler}), median of {repetitions} rotated"
        " repetitions of paired differences (quartiles):"
    ]
    for name in list(variants)[1:]:
        for key in ("cpu", "wall"):
            added = [g - b for g, b in zip(results[name][key], results["bare"][key], strict=True)]
            lines.append(
                f"  {name:15} {key:4} {median(added):6.1f} ms ({percentile(added, 0.25):.1f} to"
                f" {percentile(added, 0.75):.1f}); bare median {median(results['bare'][key]):.1f} ms"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.init_cpu", description=__doc__.splitlines()[0])
    parser.add_argument("--baseline-ref", required=True)
    parser.add_argument("--https", action="store_true")
    parser.add_argument("--handler", choices=("plain", "with_boto3"), default="plain")
    parser.add_argument("--repetitions", type=int, default=15)
    args = parser.parse_args(argv)
    print(measure(args.baseline_ref, args.https, f"{args.handler}.handler", args.repetitions))
    return 0


if __name__ == "__main__":
    sys.exit(main())
