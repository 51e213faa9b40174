"""cold_start_added_ms(_plain)(_https): process start to first response, gated minus bare.

Two handlers: ``with_boto3`` imports boto3 itself, as many functions do, so boto3's
import is the function's cost and not the gate's (``cold_start_added_ms``); ``plain``
imports nothing, so whatever the gate loads is all its own (``cold_start_added_ms_plain``).

Two ways to read the window: over plain http straight from the moto server (the keys
without a suffix), and over https, as on AWS (``_https``): a local TLS front
(:class:`gate.local.tls.TlsFront`, Nagle off on both legs) before the moto server, with
a certificate for 127.0.0.1 from a throwaway CA. The gated layer for https is built
with that CA added to its Amazon Trust Services roots (``--extra-root``), so the read
loads a store of the same size as on AWS (5 roots + 1) and verifies as it does there.
``round_trip_ms`` adds a delay per network round trip, standing in for the in-region
network (0 by default: this machine's loopback).

Each repetition starts a bare environment and a gated one of each kind for each handler
(the order rotates): the clock starts before the emulator's process is spawned and stops
when the first invocation's response has been read, so it holds the emulator's start,
the runtime's init (for the gated one: the wrapper, the gate's imports, its window read)
and one invocation. Each metric is the median of the per-repetition differences
(gated minus the bare start of the same repetition), so work elsewhere on the machine
that comes and goes falls on both sides of each; the emulator's own INIT REPORT
durations are in the notes as a cross-check.

``python -m benchmarks.cold_start --baseline-ref main`` compares the layer built from
this checkout with one built from a git ref, in the same run (see docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import contextlib
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from pathlib import Path

from benchmarks.emulated import Function
from benchmarks.stack import Result, Stack
from benchmarks.stats import median, percentile

HANDLERS = {"with_boto3": "with_boto3.handler", "plain": "plain.handler"}
KEYS = {
    ("with_boto3.handler", "http"): "cold_start_added_ms",
    ("plain.handler", "http"): "cold_start_added_ms_plain",
    ("with_boto3.handler", "https"): "cold_start_added_ms_https",
    ("plain.handler", "https"): "cold_start_added_ms_plain_https",
}


class Variant:
    """A layer (None: bare) and the environment its function gets."""

    def __init__(self, name: str, layer: Path | None, environment: Mapping[str, str]) -> None:
        self.name, self.layer, self.environment = name, layer, dict(environment)


def measure(stack: Stack, layer_dir: Path, repetitions: int, round_trip_ms: float = 0.0) -> Result:
    """The four keys: each handler, read over http and over https, against bare starts in the same run."""
    with https_front(stack, round_trip_ms) as (https_layer, https_environment):
        variants = [
            Variant("bare", None, stack.gate_environment()),
            Variant("http", layer_dir, stack.gate_environment()),
            Variant("https", https_layer, https_environment),
        ]
        totals, inits = starts(variants, repetitions)
    metrics: dict[str, float | None] = {}
    notes = []
    for (handler, kind), key in KEYS.items():
        bare, gated = totals[(handler, "bare")], totals[(handler, kind)]
        metrics[key] = median([g - b for g, b in zip(gated, bare, strict=True)]) * 1000
        notes.append(
            f"cold start ({key}): {repetitions} starts each of {handler} bare and gated over {kind}"
            + (f" (+{round_trip_ms:g} ms per round trip)" if kind == "https" and round_trip_ms else "")
            + f"; median to first response bare {median(bare) * 1000:.0f} ms, gated {median(gated) * 1000:.0f} ms; "
            + _init_note(inits[(handler, "bare")], inits[(handler, kind)])
        )
    return Result(metrics, tuple(notes))


@contextlib.contextmanager
def https_front(stack: Stack, round_trip_ms: float = 0.0) -> Iterator[tuple[Path, dict[str, str]]]:
    """A TLS front before the moto server, and a layer whose roots also hold the front's throwaway CA."""
    from gate.local.servers import built_layer
    from gate.local.tls import ThrowawayCa, TlsFront

    with tempfile.TemporaryDirectory(prefix="gate-bench-tls-") as scratch:
        ca = ThrowawayCa(Path(scratch), "benchmark throwaway CA")
        front = TlsFront(ca, ("127.0.0.1", stack.server.port), round_trip=round_trip_ms / 1000)
        with front, built_layer(extra_roots=[ca.ca_file]) as layer:
            yield layer, stack.gate_environment(AWS_ENDPOINT_URL_SSM=front.url)


Key = tuple[str, str]


def starts(variants: list[Variant], repetitions: int) -> tuple[dict[Key, list[float]], dict[Key, list[float]]]:
    """Start every handler in every variant, ``repetitions`` times, rotating the order."""
    totals: dict[Key, list[float]] = {(h, v.name): [] for h in HANDLERS.values() for v in variants}
    inits: dict[Key, list[float]] = {(h, v.name): [] for h in HANDLERS.values() for v in variants}
    with tempfile.TemporaryDirectory(prefix="gate-bench-cold-") as logs:
        for repetition in range(repetitions):
            for handler in HANDLERS.values():
                shift = repetition % len(variants)
                for variant in variants[shift:] + variants[:shift]:
                    log_path = Path(logs) / f"{repetition}-{handler}-{variant.name}.log"
                    began = time.perf_counter()
                    with Function(handler, variant.environment, variant.layer, log_path) as function:
                        function.invoke()
                        totals[(handler, variant.name)].append(time.perf_counter() - began)
                    init = function.init_duration_ms()
                    if init is not None:
                        inits[(handler, variant.name)].append(init)
    return totals, inits


def _init_note(bare: list[float], gated: list[float]) -> str:
    if not bare or not gated:
        return "no INIT REPORT in the emulator's log"
    paired = f", median paired difference {_paired_init(gated, bare)} ms" if len(bare) == len(gated) else ""
    return f"INIT REPORT medians bare {median(bare):.0f} ms, gated {median(gated):.0f} ms{paired}"


def compare(baseline_ref: str, repetitions: int, https: bool = False, round_trip_ms: float = 0.0) -> str:
    """This checkout's layer against one built from ``baseline_ref``, both measured in one run."""
    from benchmarks.stack import aws_environment, create_stack
    from gate.local.checkout import REPOSITORY_ROOT
    from gate.local.servers import MotoServer, built_layer

    with tempfile.TemporaryDirectory(prefix="gate-bench-baseline-") as scratch:
        tree = Path(scratch) / "tree"
        tree.mkdir()
        archive = subprocess.run(
            ["git", "-C", str(REPOSITORY_ROOT), "archive", baseline_ref, "gate", "layer"],
            check=True,
            capture_output=True,
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
        baseline = _baseline_layer(tree, Path(scratch))
        with MotoServer() as server, aws_environment(server):
            stack = create_stack(server)
            with contextlib.ExitStack() as stacked:
                if https:
                    current, environment = stacked.enter_context(https_front(stack, round_trip_ms))
                    baseline_environment = {**environment, **trust_front(baseline, current, Path(scratch))}
                else:
                    current = stacked.enter_context(built_layer())
                    environment = baseline_environment = stack.gate_environment()
                variants = [
                    Variant("bare", None, environment),
                    Variant(baseline_ref, baseline, baseline_environment),
                    Variant("this checkout", current, environment),
                ]
                totals, inits = starts(variants, repetitions)
    lines = [
        f"cold start added over bare ({'https' if https else 'http'}), median of {repetitions} rotated repetitions"
        " (ms), with the quartiles of the per-repetition differences and the median difference of the emulator's"
        " INIT REPORTs:"
    ]
    for handler in HANDLERS.values():
        bare = totals[(handler, "bare")]
        for variant in variants[1:]:
            added = [(g - b) * 1000 for g, b in zip(totals[(handler, variant.name)], bare, strict=True)]
            lines.append(
                f"  {handler:20} {variant.name:15} {median(added):6.1f}"
                f"   (quartiles {percentile(added, 0.25):.1f} to {percentile(added, 0.75):.1f};"
                f" INIT {_paired_init(inits[(handler, variant.name)], inits[(handler, 'bare')])};"
                f" bare median {median(bare) * 1000:.0f} ms)"
            )
    return "\n".join(lines)


def trust_front(baseline: Path, current: Path, scratch: Path) -> dict[str, str]:
    """What makes the baseline's layer trust the TLS front; its extra environment.

    A baseline that carries its own roots gets the front's CA appended to them, as this
    checkout's build appends it. One that trusts the system store is given the system
    bundle plus the front's CA through ``SSL_CERT_FILE``, as the issue measured it.
    """
    roots = baseline / "python" / "gate" / "window" / "roots.pem"
    if roots.exists():
        roots.write_text(roots.read_text() + _front_ca(current))
        return {}
    return {"SSL_CERT_FILE": str(system_bundle_with(_front_ca(current), scratch / "system-plus-ca.pem"))}


def _front_ca(layer: Path) -> str:
    """The throwaway CA: the last certificate of the layer's roots (the builder appends extra roots)."""
    roots = (layer / "python" / "gate" / "window" / "roots.pem").read_text()
    begin = "-----BEGIN CERTIFICATE-----"
    return begin + roots.split(begin)[-1]


def system_bundle_with(ca: str, target: Path) -> Path:
    import ssl

    system = ssl.get_default_verify_paths().cafile
    target.write_text((Path(system).read_text() if system else "") + ca)
    return target


def _baseline_layer(tree: Path, scratch: Path) -> Path:
    """The baseline's layer, built by the baseline's own builder (with or without its bytecode and roots)."""
    from gate.local.servers import extract_layer

    archive = scratch / "baseline.zip"
    subprocess.run([sys.executable, "-m", "layer.build", str(archive)], cwd=tree, check=True, capture_output=True)
    return extract_layer(archive, scratch / "opt")


def _paired_init(gated: list[float], bare: list[float]) -> str:
    # An INIT REPORT can be missing from a log; pair them only when every start has one.
    if not gated or len(gated) != len(bare):
        return "n/a"
    return f"{median([g - b for g, b in zip(gated, bare, strict=True)]):.1f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.cold_start", description=compare.__doc__)
    parser.add_argument("--baseline-ref", required=True, help="a git ref to build the baseline layer from")
    parser.add_argument("--repetitions", type=int, default=9)
    parser.add_argument("--https", action="store_true", help="read the window over https through a local TLS front")
    parser.add_argument("--round-trip-ms", type=float, default=0.0, help="delay per network round trip (https)")
    args = parser.parse_args(argv)
    print(compare(args.baseline_ref, args.repetitions, args.https, args.round_trip_ms))
    return 0


if __name__ == "__main__":
    sys.exit(main())
