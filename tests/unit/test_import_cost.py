"""The gate's init imports nothing a Lambda Python runtime lacks, no operator tooling, and no botocore."""

from __future__ import annotations

import json
import subprocess
import sys

# What every Lambda Python runtime ships besides the standard library (boto3 and its
# dependencies), plus what the layer itself carries.
RUNTIME_PROVIDED = {"boto3", "botocore", "s3transfer", "jmespath", "dateutil", "urllib3", "six", "certifi"}
LAYER = {"gate", "tzdata"}

PROBE = """
import json, os, sys
os.environ.update({
    "GATE_ORIGINAL_HANDLER": "json.dumps", "GATE_PARAMETER_NAME": "/gate/window", "GATE_TABLE_NAME": "t",
    "AWS_ENDPOINT_URL": "http://127.0.0.1:9", "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x", "GATE_SSM_CONNECT_TIMEOUT_SECONDS": "0.2",
})
before = set(sys.modules)
import gate
after_package = set(sys.modules) - before
import gate.entry
loaded = sorted({name.split(".")[0] for name in set(sys.modules) - before})
print(json.dumps({"package": sorted(after_package), "entry": loaded}))
"""


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


def _probe() -> dict[str, list[str]]:
    result = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True, timeout=60)
    return json.loads(result.stdout.splitlines()[-1])  # type: ignore[no-any-return]
