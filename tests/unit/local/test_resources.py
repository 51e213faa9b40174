"""The local function gets every gate setting the stack file sets, as the Pulumi component would."""

from __future__ import annotations

from pathlib import Path

from gate.local.resources import LocalResources
from gate.local.servers import MotoServer
from gate.local.stack_config import load_stack_config


def test_the_local_function_answers_as_the_stack_file_says(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.edge.yaml").write_text(
        "config:\n"
        "  maintenance-gate:onHttp: accept\n"
        "  maintenance-gate:onOrdered: defer\n"
        "  maintenance-gate:onDefer: error\n"
        "  maintenance-gate:failMode: maintenance\n"
    )
    config = load_stack_config("edge", root=tmp_path)
    resources = LocalResources(MotoServer(), parameter="/p", table="t", bucket="b")

    environment = resources.gate_environment(config)

    assert environment["GATE_ON_HTTP"] == "accept"
    assert environment["GATE_ON_ORDERED"] == "defer"
    assert environment["GATE_ON_DEFER"] == "error"
    assert environment["GATE_FAIL_MODE"] == "maintenance"
