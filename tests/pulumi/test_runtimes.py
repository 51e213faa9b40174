"""The component gates a function of any managed runtime, with the layer for its architecture.

Python functions keep the Python layer (no Go needed); any other managed runtime gets a
layer version per architecture with the Runtime API proxy compiled for it; provided.*
runtimes and container images are refused, naming the runtime and the docs section.
"""

from __future__ import annotations

import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pulumi_aws as aws
import pytest

from layer.proxy import PROXY_NAME, ProxyBuildError
from maintenance_gate_pulumi import MaintenanceGate, MaintenanceGateArgs, layer_archive
from maintenance_gate_pulumi.gating import UngateableFunctionError
from tests.pulumi.mocks import FUNCTION, LAYER, run, run_stack

ROLE = "arn:aws:iam::123456789012:role/team"
# ELF e_machine (bytes 18-19, little-endian) of each architecture's binary.
ELF_MACHINE = {"x86_64": 0x3E, "arm64": 0xB7}


def gate_functions(tmp_path: Path, *functions: tuple[str, dict[str, Any]]) -> Any:
    """Run a program gating each (name, FunctionArgs keywords) with one component."""

    def program() -> Mapping[str, Any]:
        gate = MaintenanceGate("team-gate", MaintenanceGateArgs(build_dir=tmp_path))
        outputs = {}
        for name, args in functions:
            function_args = aws.lambda_.FunctionArgs(role=ROLE, **args)
            outputs[name] = aws.lambda_.Function(name, gate.function_args(function_args)).name
        return outputs

    return run(program, stack="team")


def proxy_in(archive: Path) -> zipfile.ZipInfo:
    return zipfile.ZipFile(archive).getinfo(PROXY_NAME)


def test_a_nodejs_function_gets_the_wrapper_and_the_proxy_layer_for_its_architecture(tmp_path: Path) -> None:
    result = gate_functions(
        tmp_path, ("orders", {"runtime": "nodejs22.x", "handler": "index.handler", "architectures": ["arm64"]})
    )

    function = result.one(FUNCTION, "orders").inputs
    assert function["environment"]["variables"]["AWS_LAMBDA_EXEC_WRAPPER"] == "/opt/maintenance-gate"
    assert function["handler"] == "index.handler"  # the function's own: no handler swap outside Python
    assert function["layers"] == [result.arn(LAYER, "team-gate-layer-arm64")]
    layer = result.one(LAYER, "team-gate-layer-arm64").inputs
    assert layer["compatibleArchitectures"] == ["arm64"]
    assert "nodejs22.x" in layer["compatibleRuntimes"]
    archive = tmp_path / "maintenance-gate-layer-arm64.zip"
    info = proxy_in(archive)
    assert (info.external_attr >> 16) & 0o777 == 0o755
    binary = zipfile.ZipFile(archive).read(info)
    assert binary[:4] == b"\x7fELF" and int.from_bytes(binary[18:20], "little") == ELF_MACHINE["arm64"]
    assert len(binary) <= 10 * 1024 * 1024


def test_one_layer_version_per_architecture_whatever_the_number_of_functions(tmp_path: Path) -> None:
    result = gate_functions(
        tmp_path,
        ("a", {"runtime": "nodejs22.x", "handler": "index.handler", "architectures": ["x86_64"]}),
        ("b", {"runtime": "java21", "handler": "example.Handler::handleRequest"}),  # Lambda's default: x86_64
        ("c", {"runtime": "ruby3.3", "handler": "app.handler", "architectures": ["arm64"]}),
        ("d", {"runtime": "python3.12", "handler": "app.handler", "architectures": ["arm64"]}),
    )

    layers = {resource.name for resource in result.all(LAYER)}
    assert layers == {"team-gate-layer", "team-gate-layer-x86_64", "team-gate-layer-arm64"}
    x86, arm = result.arn(LAYER, "layer-x86_64"), result.arn(LAYER, "layer-arm64")
    assert [result.one(FUNCTION, name).inputs["layers"] for name in "abc"] == [[x86], [x86], [arm]]
    assert result.one(FUNCTION, "d").inputs["layers"] == [result.arn(LAYER, "team-gate-layer")]
    binary = zipfile.ZipFile(tmp_path / "maintenance-gate-layer-x86_64.zip").read(PROXY_NAME)
    assert int.from_bytes(binary[18:20], "little") == ELF_MACHINE["x86_64"]


def test_python_functions_need_no_go_and_get_no_proxy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "no-tools-here"))

    result = gate_functions(tmp_path, ("orders", {"runtime": "python3.13", "handler": "app.handler"}))

    assert [resource.name for resource in result.all(LAYER)] == ["team-gate-layer"]
    assert PROXY_NAME not in zipfile.ZipFile(tmp_path / layer_archive.ARCHIVE_NAME).namelist()


def test_without_go_a_nodejs_function_is_refused_saying_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "no-tools-here"))

    with pytest.raises(ProxyBuildError, match=r"gating a nodejs22\.x function: Go 1\.26 or later is needed.*install"):
        gate_functions(tmp_path, ("orders", {"runtime": "nodejs22.x", "handler": "index.handler"}))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            {"runtime": "provided.al2023", "handler": "bootstrap"},
            r"runtime 'provided\.al2023' is OS-only.*docs/runtimes\.md, "
            r"section 'OS-only runtimes \(provided\.al2023\)'",
        ),
        (
            {"runtime": "provided.al2", "handler": "bootstrap"},
            r"runtime 'provided\.al2' is OS-only.*docs/runtimes\.md",
        ),
        (
            {"package_type": "Image", "image_uri": "x"},
            r"package_type='Image'.*docs/runtimes\.md, section 'Container images'",
        ),
        (
            {"runtime": "nodejs22.x", "handler": "index.handler", "architectures": ["arm64", "x86_64"]},
            r"architectures must be a plain list of one.*\['arm64', 'x86_64'\]",
        ),
        (
            {
                "runtime": "nodejs22.x",
                "handler": "index.handler",
                "environment": {"variables": {"AWS_LAMBDA_EXEC_WRAPPER": "/opt/otel-handler"}},
            },
            r"already sets AWS_LAMBDA_EXEC_WRAPPER='/opt/otel-handler'.*a nodejs22\.x function has no handler mode",
        ),
    ],
    ids=["provided.al2023", "provided.al2", "image", "two-architectures", "another-wrapper"],
)
def test_what_the_layer_cannot_gate_is_refused_naming_the_runtime_and_the_docs(
    args: dict[str, Any], message: str, tmp_path: Path
) -> None:
    with pytest.raises(UngateableFunctionError, match=message):
        gate_functions(tmp_path, ("orders", args))


def test_the_stack_declares_a_nodejs_sample_beside_the_python_one(tmp_path: Path) -> None:
    result = run_stack(config={"nodejsSample": True, "architecture": "x86_64", "protectData": False})

    python = result.one(FUNCTION, "dev-sample").inputs
    nodejs = result.one(FUNCTION, "dev-nodejs-sample").inputs
    assert (python["runtime"], nodejs["runtime"]) == ("python3.12", "nodejs22.x")
    assert nodejs["handler"] == "index.handler"
    assert nodejs["layers"] == [result.arn(LAYER, "layer-x86_64")]
    assert python["layers"] == [result.arn(LAYER, "dev-layer")]
    tables = {function["environment"]["variables"]["GATE_TABLE_NAME"] for function in (python, nodejs)}
    assert len(tables) == 1  # one gate: the same window, table and replay
    assert result.outputs["nodejsFunctionName"]


def test_the_stack_has_no_nodejs_sample_unless_asked() -> None:
    result = run_stack()

    assert [resource.name for resource in result.all(FUNCTION) if "nodejs" in resource.name] == []
    assert "nodejsFunctionName" not in result.outputs
