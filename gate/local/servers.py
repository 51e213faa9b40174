"""Start and stop the local stand-ins: a moto server and AWS's Runtime Interface Emulator.

Both bind to 127.0.0.1 on free ports, and both are stopped by their context managers,
so tests, the demo and the sandbox never leave a process behind.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from gate.local import toolchains
from gate.local.checkout import REPOSITORY_ROOT

RUNTIME_BOOTSTRAP = Path(__file__).resolve().parent / "runtime" / "bootstrap"
# Stand-ins for the other managed runtimes' /var/runtime/bootstrap (see each file's header).
NODEJS_BOOTSTRAP = RUNTIME_BOOTSTRAP.parent / "nodejs" / "bootstrap"
JAVA_BOOTSTRAP = RUNTIME_BOOTSTRAP.parent / "java" / "bootstrap"
# "provided": an OS-only runtime (provided.al2023), whose bootstrap is the function's own.
RUNTIMES = ("python", "nodejs", "java", "provided")
EMULATOR_ENVIRONMENT_VARIABLE = "GATE_RIE_PATH"
# Read by runtime/bootstrap.py: the directory that stands in for /opt.
OPT_ROOT_VARIABLE = "GATE_LOCAL_OPT_ROOT"
DEFAULT_EMULATOR = REPOSITORY_ROOT / ".tools" / "bin" / "aws-lambda-rie"
LOCAL_REGION = "us-east-1"
# moto accepts any credentials; fixed ones keep every client pointed at one account.
LOCAL_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": LOCAL_REGION,
    "AWS_REGION": LOCAL_REGION,
}


class LocalServerError(RuntimeError):
    """Raised when a local server cannot be found, started, or reached."""


class RuntimeUnavailableError(LocalServerError):
    """Raised when the runtime an emulator is to run (Node.js, its client, Java) is not installed."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def emulator_path() -> Path:
    configured = os.environ.get(EMULATOR_ENVIRONMENT_VARIABLE)
    path = Path(configured) if configured else DEFAULT_EMULATOR
    if not path.is_file() or not os.access(path, os.X_OK):
        raise LocalServerError(f"aws-lambda-rie not found at {path}; run scripts/setup (make test does)")
    return path


def _wait_for_port(port: int, process: subprocess.Popen[bytes], name: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise _PortTakenError(f"{name} exited with status {process.returncode} before it listened")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return
        time.sleep(0.05)
    raise LocalServerError(f"{name} did not listen on 127.0.0.1:{port} within {timeout:.0f}s")


_START_ATTEMPTS = 3


class _PortTakenError(LocalServerError):
    """Raised when a server exits before listening, most likely because its free port was taken meanwhile."""


def _start_on_free_port(
    start: Callable[[int], subprocess.Popen[bytes]], name: str
) -> tuple[int, subprocess.Popen[bytes]]:
    """Start a server, trying a fresh port when another process took the chosen one first."""
    for attempt in range(1, _START_ATTEMPTS + 1):
        port = free_port()
        process = start(port)
        try:
            _wait_for_port(port, process, name)
        except _PortTakenError:
            if attempt == _START_ATTEMPTS:
                raise
            continue
        return port, process
    raise AssertionError("unreachable")  # pragma: no cover


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)


@dataclass
class MotoServer:
    """moto as a real HTTP server on 127.0.0.1, in its own process.

    Its DynamoDB applies each request whole before the next, so conditional writes to
    one item are atomic, as on DynamoDB (moto's own server does not: see
    ``gate.local.atomic_moto``).
    """

    port: int = 0  # chosen when started
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def client_environment(self) -> dict[str, str]:
        """What boto3 (and the gate inside the emulator) needs to talk to this server."""
        return {"AWS_ENDPOINT_URL": self.url, **LOCAL_CREDENTIALS}

    def start(self) -> MotoServer:
        def launch(port: int) -> subprocess.Popen[bytes]:
            # Our launcher: moto's server with DynamoDB's per-item atomicity (gate/local/atomic_moto.py).
            command = [sys.executable, "-m", "gate.local.atomic_moto", "-H", "127.0.0.1", "-p", str(port)]
            return subprocess.Popen(
                command,
                cwd=REPOSITORY_ROOT,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )

        self.port, self.process = _start_on_free_port(launch, "moto server")
        return self

    def stop(self) -> None:
        if self.process is not None:
            _stop(self.process)

    def __enter__(self) -> MotoServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def extract_layer(layer_zip: Path, destination: Path) -> Path:
    """Unpack a layer archive the way Lambda does into /opt, keeping file modes."""
    with zipfile.ZipFile(layer_zip) as archive:
        for info in archive.infolist():
            target = destination / info.filename
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(archive.read(info))
            mode = (info.external_attr >> 16) & 0o777
            if mode:
                target.chmod(mode)
    return destination


@dataclass
class Emulator:
    """One Lambda execution environment: the emulator running our runtime bootstrap.

    With ``layer_dir`` set, ``AWS_LAMBDA_EXEC_WRAPPER`` points at the layer's wrapper,
    exactly as a function configured with the layer would have it. ``opt_dir`` stands
    in for ``/opt``, where Lambda unpacks a function's layers (``layer_dir`` when not
    given; an empty directory when neither is): the runtime's bootstrap puts its
    ``python/`` directories on ``sys.path`` as the managed runtime does.

    ``runtime`` picks the stand-in bootstrap: ``python`` (the default), ``nodejs``
    (npm aws-lambda-ric on Node.js 22), ``java`` (the Java runtime interface client) or
    ``provided``, an OS-only runtime: the emulator runs ``code_dir/bootstrap`` itself
    and, as Lambda, sets no exec wrapper (``layer_dir`` is then only ``/opt``).
    """

    handler: str
    code_dir: Path
    environment: Mapping[str, str] = field(default_factory=dict)
    layer_dir: Path | None = None
    opt_dir: Path | None = None
    function_name: str = "function"
    timeout_seconds: int = 30
    log: TextIO | None = None
    runtime: str = "python"
    port: int = 0  # chosen when started
    process: subprocess.Popen[bytes] | None = None
    _empty_opt: Path | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _opt_root(self) -> Path:
        opt_root = self.opt_dir or self.layer_dir
        if opt_root is None:
            # Never the host's real /opt: a function with no layers has an empty one.
            self._empty_opt = opt_root = Path(tempfile.mkdtemp(prefix="gate-opt-"))
        return opt_root

    def _runtime_bootstrap(self) -> tuple[Path, dict[str, str]]:
        """The bootstrap the emulator starts for this runtime, and what that stand-in reads."""
        if self.runtime == "python":
            return RUNTIME_BOOTSTRAP, {}
        if self.runtime == "nodejs":
            ric = toolchains.node_ric()
            return NODEJS_BOOTSTRAP, {
                "GATE_LOCAL_NODE": str(toolchains.node()),
                "GATE_LOCAL_NODE_RIC": str(ric),
                "LAMBDA_RUNTIME_DIR": str(ric),
            }
        if self.runtime == "java":
            return JAVA_BOOTSTRAP, {
                "GATE_LOCAL_JAVA": str(toolchains.java()),
                "GATE_LOCAL_JAVA_CLASSPATH": toolchains.java_classpath(),
                "LAMBDA_RUNTIME_DIR": str(JAVA_BOOTSTRAP.parent),
            }
        if self.runtime == "provided":
            return self.code_dir / "bootstrap", {}
        raise ValueError(f"runtime {self.runtime!r}: expected one of {', '.join(RUNTIMES)}")

    def start(self) -> Emulator:
        try:
            bootstrap, runtime_environment = self._runtime_bootstrap()
        except toolchains.ToolchainMissingError as exc:
            raise RuntimeUnavailableError(str(exc)) from exc
        env = {key: value for key, value in os.environ.items() if not key.startswith(("GATE_", "AWS_"))}
        env.pop("PYTHONPATH", None)
        # Lambda sets neither: a host that points OpenSSL at its own bundle must not change what a function trusts.
        env.pop("SSL_CERT_FILE", None)
        env.pop("SSL_CERT_DIR", None)
        env.update(
            {
                "_HANDLER": self.handler,
                "GATE_LOCAL_PYTHON": sys.executable,
                "GATE_LOCAL_PYTHON_VERSION": f"{sys.version_info.major}.{sys.version_info.minor}",
                "AWS_LAMBDA_FUNCTION_NAME": self.function_name,
                "AWS_LAMBDA_FUNCTION_TIMEOUT": str(self.timeout_seconds),
                "LAMBDA_TASK_ROOT": str(self.code_dir),
                # Lambda sets it (a reserved variable); bootstrap.py and other layers' wrappers read it.
                "LAMBDA_RUNTIME_DIR": str(RUNTIME_BOOTSTRAP.parent),
                "PYTHONDONTWRITEBYTECODE": "1",
            }
        )
        env.update(runtime_environment)
        env.update(self.environment)
        env[OPT_ROOT_VARIABLE] = str(self._opt_root())
        # Lambda runs no exec wrapper for OS-only runtimes: their bootstrap starts what it will.
        if self.layer_dir is not None and self.runtime != "provided":
            env["AWS_LAMBDA_EXEC_WRAPPER"] = str(self.layer_dir / "maintenance-gate")
        output: Any = self.log if self.log is not None else subprocess.DEVNULL
        emulator = str(emulator_path())

        def launch(port: int) -> subprocess.Popen[bytes]:
            command = [
                emulator,
                "--runtime-interface-emulator-address",
                f"127.0.0.1:{port}",
                "--runtime-api-address",
                f"127.0.0.1:{free_port()}",
                str(bootstrap),
            ]
            return subprocess.Popen(
                command, cwd=self.code_dir, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
            )

        self.port, self.process = _start_on_free_port(launch, "aws-lambda-rie")
        return self

    def processes(self) -> dict[int, str]:
        """pid -> executable name of every process in the emulator's session (it starts one of its own)."""
        if self.process is None:
            return {}
        found = {}
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                # Field 6 of /proc/PID/stat, counted after the command name's closing parenthesis.
                session = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[3])
                executable = os.readlink(entry / "exe")
            except (OSError, IndexError, ValueError):
                continue
            if session == self.process.pid:
                found[int(entry.name)] = Path(executable).name
        return found

    def lambda_client(self, read_timeout: float = 60.0) -> Any:
        import boto3
        from botocore.config import Config

        return boto3.client(
            "lambda",
            endpoint_url=self.url,
            region_name=LOCAL_REGION,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            config=Config(read_timeout=read_timeout, retries={"max_attempts": 0}),
        )

    def stop(self) -> None:
        if self.process is not None:
            _stop(self.process)
        if self._empty_opt is not None:
            shutil.rmtree(self._empty_opt, ignore_errors=True)

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


@contextlib.contextmanager
def built_layer(extra_roots: Sequence[Path] = ()) -> Iterator[Path]:
    """Build the layer with the same builder the Pulumi program uses, and unpack it.

    ``extra_roots``: CA certificates the window read also trusts (a local TLS front's).
    """
    from layer.build import build_layer

    workdir = Path(tempfile.mkdtemp(prefix="gate-layer-"))
    try:
        archive = workdir / "layer.zip"
        build_layer(archive, extra_roots=extra_roots)
        yield extract_layer(archive, workdir / "opt")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
