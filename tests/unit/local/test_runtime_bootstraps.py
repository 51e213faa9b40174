"""The stand-ins for the Node.js and Java runtimes' /var/runtime/bootstrap apply the managed ones' rules.

Each is run with a stand-in interpreter (a script that prints what it was started
with), so what is checked is the bootstrap's own work: AWS_EXECUTION_ENV, the command
line, and AWS_LAMBDA_EXEC_WRAPPER handled as the managed bootstraps handle it.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from gate.local import toolchains
from gate.local.servers import JAVA_BOOTSTRAP, NODEJS_BOOTSTRAP, Emulator, RuntimeUnavailableError

SHOW = (
    "#!/bin/bash\nprintf '%s\\n' \"$(python3 -c 'import json, os, sys; print(json.dumps({\"argv\": sys.argv[1:],"
    ' "env": os.environ.get("AWS_EXECUTION_ENV"), "node_path": os.environ.get("NODE_PATH")}))\' "$0" "$@")"\n'
)


def executable(path: Path, text: str) -> Path:
    path.write_text(text)
    path.chmod(0o755)
    return path


def run(bootstrap: Path, tmp_path: Path, **environment: str) -> subprocess.CompletedProcess[str]:
    interpreter = executable(tmp_path / "interpreter", SHOW)
    base = {
        "PATH": os.environ["PATH"],
        "LAMBDA_TASK_ROOT": "/var/task",
        "_HANDLER": "example.Handler::handleRequest",
        "GATE_LOCAL_NODE": str(interpreter),
        "GATE_LOCAL_NODE_RIC": "/var/runtime",
        "GATE_LOCAL_JAVA": str(interpreter),
        "GATE_LOCAL_JAVA_CLASSPATH": "/var/runtime/lib/ric.jar",
        "GATE_LOCAL_OPT_ROOT": "/opt",
    }
    return subprocess.run(
        [str(bootstrap)], env={**base, **environment}, capture_output=True, text=True, timeout=20, check=False
    )


@pytest.mark.parametrize(
    ("bootstrap", "runtime", "tail"),
    [
        (NODEJS_BOOTSTRAP, "AWS_Lambda_nodejs22.x", ["/var/runtime/index.mjs"]),
        (
            JAVA_BOOTSTRAP,
            "AWS_Lambda_java21",
            ["com.amazonaws.services.lambda.runtime.api.client.AWSLambda", "example.Handler::handleRequest"],
        ),
    ],
    ids=["nodejs", "java"],
)
def test_the_wrapper_gets_the_interpreter_and_its_arguments_and_the_runtime_is_named(
    bootstrap: Path, runtime: str, tail: list[str], tmp_path: Path
) -> None:
    wrapper = executable(tmp_path / "wrapper", '#!/bin/bash\necho "wrapped: $AWS_EXECUTION_ENV"\nexec "$@"\n')

    result = run(bootstrap, tmp_path, AWS_LAMBDA_EXEC_WRAPPER=str(wrapper))

    assert result.returncode == 0, result.stderr
    first, shown = result.stdout.splitlines()
    assert first == f"wrapped: {runtime}"  # named before the wrapper runs, as the managed bootstraps do
    started = json.loads(shown)
    assert started["argv"][0] == str(tmp_path / "interpreter")
    assert started["argv"][-len(tail) :] == tail
    assert started["env"] == runtime


def test_without_a_wrapper_nodejs_starts_the_client_with_the_managed_node_path(tmp_path: Path) -> None:
    result = run(NODEJS_BOOTSTRAP, tmp_path, AWS_LAMBDA_FUNCTION_MEMORY_SIZE="1024")

    started = json.loads(result.stdout)
    assert started["argv"][1:] == [
        "--expose-gc",
        "--max-http-header-size",
        "81920",
        "--max-semi-space-size=51",
        "--max-old-space-size=922",
        "/var/runtime/index.mjs",
    ]
    assert started["node_path"] == (
        "/opt/nodejs/node22/node_modules:/opt/nodejs/node_modules:/var/runtime/node_modules:/var/runtime:/var/task"
    )


@pytest.mark.parametrize("bootstrap", [NODEJS_BOOTSTRAP, JAVA_BOOTSTRAP], ids=["nodejs", "java"])
def test_a_missing_or_unexecutable_wrapper_exits_127_or_126(bootstrap: Path, tmp_path: Path) -> None:
    not_executable = tmp_path / "wrapper"
    not_executable.write_text("#!/bin/bash\n")

    missing = run(bootstrap, tmp_path, AWS_LAMBDA_EXEC_WRAPPER=str(tmp_path / "absent"))
    unexecutable = run(bootstrap, tmp_path, AWS_LAMBDA_EXEC_WRAPPER=str(not_executable))

    assert (missing.returncode, missing.stdout) == (127, f"{tmp_path / 'absent'}: does not exist\n")
    assert (unexecutable.returncode, unexecutable.stdout) == (126, f"{not_executable}: is not an executable\n")


def test_an_unknown_runtime_is_refused_naming_the_choices(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"runtime 'ruby': expected one of python, nodejs, java, provided"):
        Emulator(handler="h", code_dir=tmp_path, runtime="ruby").start()


def test_a_runtime_not_installed_says_to_run_setup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(toolchains, "NODE_RIC", tmp_path / "absent")

    with pytest.raises(RuntimeUnavailableError, match=r"aws-lambda-ric .* not found .*; run scripts/setup"):
        Emulator(handler="index.handler", code_dir=tmp_path, runtime="nodejs").start()
