"""``python -m gate sandbox``: the demo's services kept running for a user's own handler.

Prints the endpoints and the environment to export so that the CLI, ``aws`` and
boto3 talk to the sandbox, then waits for Ctrl-C and stops everything it started.
"""

from __future__ import annotations

import shlex
import signal
import threading
from collections.abc import Callable
from pathlib import Path
from types import FrameType

from gate.local.resources import LocalResources
from gate.local.servers import Emulator, MotoServer, built_layer
from gate.local.stack_config import load_stack_config


class SandboxError(ValueError):
    """Raised when the sandbox is asked to serve a handler it cannot find."""


def run_sandbox(
    handler: str,
    code_dir: Path,
    *,
    stack: str = "dev",
    function_name: str = "function",
    stop: threading.Event | None = None,
    say: Callable[[str], None] = print,
) -> int:
    if not code_dir.is_dir():
        raise SandboxError(f"--code {code_dir}: not a directory")
    if "." not in handler:
        raise SandboxError(f"--handler {handler!r}: expected module.function")
    stop = stop or _stop_on_signals()
    config = load_stack_config(stack)
    with MotoServer() as server, built_layer() as layer_dir:
        resources = LocalResources.named(server, stack)
        resources.create(config)
        with Emulator(
            handler=handler,
            code_dir=code_dir.resolve(),
            environment=resources.gate_environment(config),
            layer_dir=layer_dir,
            function_name=function_name,
        ) as function:
            exports = {
                **server.client_environment(),
                **resources.cli_environment(),
                "AWS_ENDPOINT_URL_LAMBDA": function.url,
            }
            say(f"moto server (SSM, DynamoDB, S3): {server.url}")
            say(f"function {function_name} ({handler}) behind the gate: {function.url}")
            say("export these to use the CLI, aws or boto3 against the sandbox:")
            for key, value in exports.items():
                say(f"  export {key}={shlex.quote(value)}")
            say("then, for example:")
            say("  python -m gate status")
            say(f"  aws lambda invoke --function-name {function_name} --cli-binary-format raw-in-base64-out \\")
            say("      --payload '{\"hello\": 1}' out.json")
            say("Ctrl-C stops the sandbox.")
            stop.wait()
    say("sandbox stopped.")
    return 0


def _stop_on_signals() -> threading.Event:
    stop = threading.Event()

    def handle(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, handle)
    signal.signal(signal.SIGTERM, handle)
    return stop
