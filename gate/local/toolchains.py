"""Where scripts/install-runtimes puts the runtimes the local stand-ins run, and the check that they are there.

The managed runtimes' interface clients, pinned in scripts/runtimes/: Node.js 22 and
npm aws-lambda-ric for Node.js, the Java runtime interface client's jars for Java (run
by the machine's JDK). Go custom runtimes are built from their module by ``go build``.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from gate.local.checkout import REPOSITORY_ROOT

RUNTIMES_DIR = REPOSITORY_ROOT / ".tools" / "runtimes"
NODE = RUNTIMES_DIR / "nodejs" / "bin" / "node"
NODE_RIC = RUNTIMES_DIR / "nodejs-ric" / "node_modules" / "aws-lambda-ric"
JAVA_RIC = RUNTIMES_DIR / "java-ric"


class ToolchainMissingError(RuntimeError):
    """Raised when a runtime the stand-ins need is not installed (scripts/setup installs it)."""


def _missing(what: str) -> ToolchainMissingError:
    return ToolchainMissingError(f"{what}; run scripts/setup (make test does)")


def node() -> Path:
    if not os.access(NODE, os.X_OK):
        raise _missing(f"Node.js not found at {NODE}")
    return NODE


def node_ric() -> Path:
    if not (NODE_RIC / "index.mjs").is_file() or not (NODE_RIC / "rapid-client.node").is_file():
        raise _missing(f"aws-lambda-ric (with its native addon) not found at {NODE_RIC}")
    return NODE_RIC


def java() -> Path:
    found = shutil.which("java")
    if found is None:
        raise _missing("java is not on PATH (a JDK 17 or later)")
    return Path(found)


def java_classpath() -> str:
    jars = sorted(JAVA_RIC.glob("*.jar"))
    if not any(jar.name.startswith("aws-lambda-java-runtime-interface-client-") for jar in jars):
        raise _missing(f"the Java runtime interface client not found in {JAVA_RIC}")
    return os.pathsep.join(str(jar) for jar in jars)


def go() -> Path:
    found = shutil.which("go")
    if found is None:
        raise _missing("go is not on PATH (Go 1.26 or later)")
    return Path(found)
