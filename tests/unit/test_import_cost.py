"""The gate's init imports nothing a Lambda Python runtime lacks, no operator tooling, and no botocore;
its https read loads no trust store larger than the one the layer's build selected."""

from __future__ import annotations

import contextlib
import http.server
import json
import os
import ssl
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

from gate.local.tls import ThrowawayCa
from layer import build

# What every Lambda Python runtime ships besides the standard library (boto3 and its
# dependencies), plus what the layer itself carries.
RUNTIME_PROVIDED = {"boto3", "botocore", "s3transfer", "jmespath", "dateutil", "urllib3", "six", "certifi"}
LAYER = {"gate", "tzdata"}

PROBE = """
import json, os, sys
os.environ.update({
    "GATE_ORIGINAL_HANDLER": "json.dumps", "GATE_PARAMETER_NAME": "/gate/window", "GATE_TABLE_NAME": "t",
    "AWS_ENDPOINT_URL": sys.argv[1], "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x", "GATE_SSM_CONNECT_TIMEOUT_SECONDS": "0.2",
})
before = set(sys.modules)
import gate
after_package = set(sys.modules) - before
import gate.entry
loaded = sorted({name.split(".")[0] for name in set(sys.modules) - before})
gate_modules = sorted(name for name in sys.modules if name.startswith("gate."))
print(json.dumps({"package": sorted(after_package), "entry": loaded, "gate_modules": gate_modules}))
"""
# Nothing listens there: the first read fails at once.
UNREACHABLE = "http://127.0.0.1:9"


def test_importing_the_package_imports_nothing_else() -> None:
    modules = _probe()

    assert modules["package"] == ["gate"]


def test_the_gate_init_imports_only_the_stdlib_boto3_and_the_layer() -> None:
    modules = _probe()

    allowed = sys.stdlib_module_names | RUNTIME_PROVIDED | LAYER
    # Underscored names are the interpreter's own (sysconfig data, multiprocessing's alias).
    foreign = [name for name in modules["entry"] if name not in allowed and not name.startswith("_")]
    assert foreign == []
    assert "click" not in modules["entry"] and "pulumi" not in modules["entry"]


def test_the_gate_init_imports_no_botocore_boto3_or_urllib3() -> None:
    # A function that never imports boto3 must not pay ~80 ms of its cold start for the
    # gate's one window read: the read is signed and sent with the standard library.
    modules = _probe()

    assert {"boto3", "botocore", "urllib3", "s3transfer"} & set(modules["entry"]) == set()
    # ... nor the modules a hand-written HTTP/1.1 and HMAC avoid: http.client (with email and
    # ssl; ssl loads only for an https endpoint), urllib.parse (with ipaddress), OpenSSL's hashes.
    assert {"http", "email", "ssl", "urllib", "ipaddress", "_hashlib"} & set(modules["entry"]) == set()


def test_the_gate_init_imports_no_dataclasses_or_random() -> None:
    # A function that does not load them itself would pay for them at every cold start:
    # dataclasses brings inspect, ast and dis (about 4 ms), random bisect and _sha512 (about 1 ms).
    modules = _probe()

    assert {"dataclasses", "inspect", "ast", "dis", "random"} & set(modules["entry"]) == set()


def test_the_gate_init_imports_no_typing() -> None:
    # awslambdaric's bootstrap does not import typing, so a function that does not either
    # would pay for it (about 2.5 ms): the gate's records and protocols exist for the type
    # checker only (gate.records), on the path of a successful read and of a failed one.
    for modules in (_probe(), _probe(read_succeeds=True)):
        assert "typing" not in modules["entry"]


def test_a_successful_first_read_compiles_nothing_for_failures_or_deferrals() -> None:
    # Compiling costs every cold start (the layer ships no bytecode): the AWS error helpers
    # and the deferral path load only when a read fails or an event is deferred.
    modules = _probe(read_succeeds=True)

    assert {"gate.aws", "gate.deferral", "gate.window.credentials", "gate.window.proxy"} & set(
        modules["gate_modules"]
    ) == set()


def _probe(read_succeeds: bool = False) -> dict[str, list[str]]:
    if not read_succeeds:
        return _run_probe(UNREACHABLE)
    with _parameter_store() as endpoint:
        return _run_probe(endpoint)


def _run_probe(endpoint: str) -> dict[str, list[str]]:
    command = [sys.executable, "-c", PROBE, endpoint]
    result = subprocess.run(command, capture_output=True, text=True, check=True, timeout=60)
    return json.loads(result.stdout.splitlines()[-1])  # type: ignore[no-any-return]


class _GetParameter(http.server.BaseHTTPRequestHandler):
    """Answers every request as SSM answers GetParameter, with a document of no windows."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        body = json.dumps({"Parameter": {"Name": "/gate/window", "Value": '{"windows": []}', "Version": 1}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/x-amz-json-1.1")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextlib.contextmanager
def _parameter_store(ca: ThrowawayCa | None = None) -> Iterator[str]:
    """GetParameter on 127.0.0.1: plain http, or https with a certificate from ``ca``."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _GetParameter)
    scheme = "http"
    if ca is not None:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(*ca.issue("127.0.0.1"))
        server.socket = context.wrap_socket(server.socket, server_side=True)
        scheme = "https"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"{scheme}://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


HTTPS_PROBE = """
import json, os, ssl, sys
loaded = []
for name in ("load_verify_locations", "load_default_certs", "set_default_verify_paths"):
    original = getattr(ssl.SSLContext, name)
    def record(self, *args, _name=name, _original=original, **kwargs):
        loaded.append(_name)
        return _original(self, *args, **kwargs)
    setattr(ssl.SSLContext, name, record)
os.environ.update({
    "GATE_ORIGINAL_HANDLER": "json.dumps", "GATE_PARAMETER_NAME": "/gate/window", "GATE_TABLE_NAME": "t",
    "AWS_ENDPOINT_URL": sys.argv[1], "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x", "GATE_INIT_WAIT_MS": "5000",
})
import gate.entry
from gate.window import trust
stores = {store.origin: made.cert_store_stats()["x509_ca"] for store, made in trust._contexts.items()}
print(json.dumps({"read": gate.entry.source.document is not None, "gate": gate.__file__, "loaded": loaded,
                  "stores": stores, "typing": "typing" in sys.modules}))
"""


def test_the_https_read_loads_no_trust_store_larger_than_the_layers_roots(tmp_path: Path) -> None:
    # GIVEN the built layer, whose roots hold the five Amazon roots plus a throwaway CA that
    # signed a local Parameter Store's certificate (the benchmark's arrangement)
    ca = ThrowawayCa(tmp_path, "guard CA")
    layer = build.unpack(build.assemble(interpreters=(), extra_roots=[ca.ca_file]).entries, tmp_path / "opt")
    selected = (layer / "python" / "gate" / "window" / "roots.pem").read_text().count("BEGIN CERTIFICATE")
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"SSL_CERT_FILE", "SSL_CERT_DIR", "PYTHONPATH"} and not key.startswith(("AWS_", "GATE_"))
    }

    # WHEN a gated function starts and reads the window over https
    with _parameter_store(ca) as endpoint:
        result = subprocess.run(
            [sys.executable, "-c", HTTPS_PROBE, endpoint],
            cwd=tmp_path,
            env={**environment, "PYTHONPATH": str(layer / "python")},
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        )
    report = json.loads(result.stdout.splitlines()[-1])

    # THEN the read verified against the layer's roots alone: no default store, nothing larger
    assert report["read"] is True and report["gate"].startswith(str(layer)), result.stderr
    assert selected == len(build.AMAZON_ROOTS) + 1
    assert report["loaded"] == ["load_verify_locations"]
    assert report["stores"] == {"the layer's Amazon Trust Services roots": selected}
    # ... and neither ssl nor the layer's bytecode brought typing back
    assert report["typing"] is False
