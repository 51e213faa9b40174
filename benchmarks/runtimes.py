"""A Node.js function behind the Runtime API proxy, against the same function bare, in one run.

- ``nodejs_warm_added_p50_ms``: median warm invocation through the emulator, gated
  minus bare. As in e2e.py, a bare and a gated environment run side by side, the
  invocations alternate between them (which goes first alternates too), over several
  fresh pairs; the difference is of the medians over all of them.
- ``nodejs_cold_start_added_ms``: process start to first response, gated minus bare,
  the median of per-repetition differences (as cold_start.py): for the gated one that
  holds the wrapper, the proxy's start and its first window read, and one invocation.
  The read goes over https, as on AWS: a TLS front before the moto server, trusted
  through the system store (Go's, which honours ``SSL_CERT_FILE``: the system bundle
  plus the front's throwaway CA), so the proxy pays the store load and the handshake.
- ``proxy_rss_mb``: the proxy process's resident set (VmRSS) after the warm invocations.
- ``proxy_binary_mb_x86_64`` / ``_arm64``: the stripped static binary per architecture.

The handler is benchmarks/handlers/nodejs/index.mjs, run by npm aws-lambda-ric on
Node.js 22. ``python -m benchmarks.runtimes`` runs this measurement alone.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from benchmarks.emulated import Function
from benchmarks.stack import Result, Stack
from benchmarks.stats import median, percentile
from gate.local.servers import LocalServerError, extract_layer
from layer.proxy import GOARCH, PROXY_NAME, ProxyBuildError, build_proxy
from maintenance_gate_pulumi.layer_archive import build_proxy_layer_archive

NODEJS_DIR = Path(__file__).resolve().parent / "handlers" / "nodejs"
HANDLER = "index.handler"
RUNTIME = "nodejs22.x"
ANSWER = b'"ok":true'
_WARM_UP = 20
METRICS = (
    "nodejs_warm_added_p50_ms",
    "nodejs_cold_start_added_ms",
    "proxy_rss_mb",
    "proxy_binary_mb_x86_64",
    "proxy_binary_mb_arm64",
)


def measure(stack: Stack, invocations: int, pairs: int, cold_starts: int) -> Result:
    with tempfile.TemporaryDirectory(prefix="gate-bench-runtimes-") as scratch:
        work = Path(scratch)
        try:
            sizes = {}
            for arch in GOARCH:
                build_proxy(arch, work / f"proxy-{arch}")
                sizes[arch] = (work / f"proxy-{arch}").stat().st_size
            archive = build_proxy_layer_archive(_host_architecture(), RUNTIME, work)
        except ProxyBuildError as exc:
            return Result(dict.fromkeys(METRICS), (f"runtimes: not measured: {exc}",))
        layer = extract_layer(archive.path, work / "opt")
        environment = stack.gate_environment()
        try:
            warm = _warm(environment, layer, work, invocations, pairs)
            with _https(stack, work) as https_environment:
                cold = _cold(https_environment, layer, work, cold_starts)
        except LocalServerError as exc:
            return Result(dict.fromkeys(METRICS), (f"runtimes: not measured: {exc}",))
    bare, gated, rss_kb = warm
    bare_cold, gated_cold, bare_init, gated_init = cold
    metrics: dict[str, float | None] = {
        "nodejs_warm_added_p50_ms": (median(gated) - median(bare)) * 1000,
        "nodejs_cold_start_added_ms": median([g - b for g, b in zip(gated_cold, bare_cold, strict=True)]) * 1000,
        "proxy_rss_mb": max(rss_kb) / 1024 if rss_kb else None,
        **{f"proxy_binary_mb_{arch}": size / 1e6 for arch, size in sizes.items()},
    }
    notes = (
        f"runtimes: {len(bare):,} warm invocations each of a Node.js 22 handler (aws-lambda-ric 4.0.2) over "
        f"{pairs} pairs of environments; median bare {median(bare) * 1e3:.3f} ms, gated {median(gated) * 1e3:.3f} ms; "
        f"p99 bare {percentile(bare, 0.99) * 1e3:.3f} ms, gated {percentile(gated, 0.99) * 1e3:.3f} ms",
        f"runtimes: {cold_starts} cold starts each; median to first response bare {median(bare_cold) * 1e3:.0f} ms, "
        f"gated {median(gated_cold) * 1e3:.0f} ms; the emulator's INIT REPORT median bare "
        f"{median(bare_init) if bare_init else float('nan'):.1f} ms, gated "
        f"{median(gated_init) if gated_init else float('nan'):.1f} ms; proxy RSS per environment (MB) "
        + ", ".join(f"{kb / 1024:.1f}" for kb in rss_kb),
    )
    return Result(metrics, notes)


def _host_architecture() -> str:
    return "arm64" if os.uname().machine in ("aarch64", "arm64") else "x86_64"


def _function(environment: dict[str, str], layer: Path | None, log: Path) -> Function:
    return Function(HANDLER, environment, layer, log, runtime="nodejs", code_dir=NODEJS_DIR, answer=ANSWER)


def _warm(
    environment: dict[str, str], layer: Path, work: Path, invocations: int, pairs: int
) -> tuple[list[float], list[float], list[float]]:
    bare_s: list[float] = []
    gated_s: list[float] = []
    rss_kb: list[float] = []
    per_pair = max(1, invocations // pairs)
    for pair in range(pairs):
        with (
            _function(environment, None, work / f"warm-{pair}-bare.log") as bare,
            _function(environment, layer, work / f"warm-{pair}-gated.log") as gated,
        ):
            for _ in range(_WARM_UP):
                bare.invoke()
                gated.invoke()
            for index in range(per_pair):
                order = (bare, gated) if index % 2 == 0 else (gated, bare)
                for function in order:
                    (bare_s if function is bare else gated_s).append(function.invoke())
            rss = _proxy_rss_kb(gated)
            if rss is not None:
                rss_kb.append(rss)
    return bare_s, gated_s, rss_kb


Cold = tuple[list[float], list[float], list[float], list[float]]


@contextmanager
def _https(stack: Stack, work: Path) -> Iterator[dict[str, str]]:
    """The gate's environment with the window read through a TLS front, trusted by the system store."""
    from benchmarks.cold_start import system_bundle_with
    from gate.local.tls import ThrowawayCa, TlsFront

    (work / "tls").mkdir(exist_ok=True)
    ca = ThrowawayCa(work / "tls", "benchmark throwaway CA")
    with TlsFront(ca, ("127.0.0.1", stack.server.port)) as front:
        bundle = system_bundle_with(ca.ca_file.read_text(), work / "system-plus-ca.pem")
        yield stack.gate_environment(AWS_ENDPOINT_URL_SSM=front.url, SSL_CERT_FILE=str(bundle))


def _cold(environment: dict[str, str], layer: Path, work: Path, repetitions: int) -> Cold:
    """Spawn-to-first-response seconds, bare and gated, and the emulator's INIT REPORT ms of each."""
    bare_s: list[float] = []
    gated_s: list[float] = []
    inits: dict[bool, list[float]] = {False: [], True: []}
    for repetition in range(repetitions):
        variants = [(None, bare_s), (layer, gated_s)]
        for opt, sink in variants if repetition % 2 == 0 else variants[::-1]:
            began = time.perf_counter()
            with _function(environment, opt, work / f"cold-{repetition}-{'gated' if opt else 'bare'}.log") as function:
                function.invoke()
                sink.append(time.perf_counter() - began)
            init = function.init_duration_ms()
            if init is not None:
                inits[opt is not None].append(init)
    return bare_s, gated_s, inits[False], inits[True]


def _proxy_rss_kb(function: Function) -> float | None:
    """VmRSS of the proxy process of this environment."""
    for pid, name in function.emulator.processes().items():
        if name == PROXY_NAME:
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                return None
            for line in status.splitlines():
                if line.startswith("VmRSS:"):
                    return float(line.split()[1])
    return None


def main(argv: list[str] | None = None) -> int:
    from benchmarks.stack import aws_environment, create_stack
    from gate.local.servers import MotoServer

    parser = argparse.ArgumentParser(prog="python -m benchmarks.runtimes", description=__doc__.splitlines()[0])
    parser.add_argument("--invocations", type=int, default=2000)
    parser.add_argument("--pairs", type=int, default=10)
    parser.add_argument("--cold-starts", type=int, default=9)
    args = parser.parse_args(argv)
    with MotoServer() as server, aws_environment(server):
        result = measure(create_stack(server), args.invocations, args.pairs, args.cold_starts)
    for key, value in result.metrics.items():
        print(f"{key}: {'null' if value is None else f'{value:.4f}'}")
    for note in result.notes:
        print(f"- {note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
