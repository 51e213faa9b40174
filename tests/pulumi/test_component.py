"""The component from someone else's program: the README's snippet, gating, validation."""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from unittest import mock

import pulumi
import pulumi_aws as aws
import pytest

from layer import build
from maintenance_gate_pulumi import MaintenanceGate, MaintenanceGateArgs
from maintenance_gate_pulumi.gating import GateMode, UngateableFunctionError
from maintenance_gate_pulumi.naming import MAX_PREFIX_LENGTH, check_prefix, stack_prefix
from maintenance_gate_pulumi.window import InitialWindowError
from tests.pulumi.mocks import FUNCTION, GATE_COMPONENT, LAYER, PARAMETER, REPOSITORY_ROOT, ROLE_POLICY, plain, run

OTHER_LAYER = "arn:aws:lambda:eu-west-1:123456789012:layer:otel:3"
OTEL_LAYER = "arn:aws:lambda:eu-west-1:184161586896:layer:opentelemetry-python-0_9_0:1"


def readme_snippet() -> str:
    readme = (REPOSITORY_ROOT / "docs" / "deploying.md").read_text()
    section = readme
    [snippet] = re.findall(r"```python\n(.*?)```", section, flags=re.DOTALL)
    return snippet


def test_the_readme_snippet_gates_a_function_from_another_program() -> None:
    def program() -> Mapping[str, Any]:
        exported: dict[str, Any] = {}
        with mock.patch.object(pulumi, "export", exported.__setitem__):
            exec(compile(readme_snippet(), "README.md", "exec"), {"__name__": "__main__"})
        return exported

    result = run(program, stack="orders")
    orders = result.one(FUNCTION, "orders")
    variables = orders.inputs["environment"]["variables"]
    assert variables["LOG_LEVEL"] == "INFO"
    assert variables["AWS_LAMBDA_EXEC_WRAPPER"] == "/opt/maintenance-gate"
    assert variables["GATE_PARAMETER_NAME"] == result.outputs["ordersWindowParameter"]
    assert orders.inputs["layers"] == [result.arn(LAYER)]
    assert orders.inputs["handler"] == "orders.handler"
    assert result.one(ROLE_POLICY, "orders-gate-orders-gate-access")
    assert result.outputs["ordersFunction"].startswith("orders-")


def gate_program(function_args: aws.lambda_.FunctionArgs, tmp_path: Path) -> Mapping[str, Any]:
    gate = MaintenanceGate("team-gate", MaintenanceGateArgs(build_dir=tmp_path))
    function = aws.lambda_.Function("team-function", gate.function_args(function_args))
    return {"name": function.name}


def test_function_args_keep_the_functions_own_layers_and_variables(tmp_path: Path) -> None:
    args = aws.lambda_.FunctionArgs(
        role="arn:aws:iam::123456789012:role/team",
        runtime="python3.11",
        handler="team.handler",
        layers=[OTHER_LAYER],
        environment=aws.lambda_.FunctionEnvironmentArgs(variables={"TEAM": "payments"}),
    )
    result = run(lambda: gate_program(args, tmp_path), stack="team")
    function = result.one(FUNCTION, "team-function").inputs
    # The gate's layer comes last: a later layer wins where files overlap.
    assert function["layers"] == [OTHER_LAYER, result.arn(LAYER)]
    assert function["environment"]["variables"]["TEAM"] == "payments"
    assert function["environment"]["variables"]["GATE_ON_DEFER"] == "respond"
    # The caller's args are left as they were.
    assert args.layers == [OTHER_LAYER]
    assert args.environment.variables == {"TEAM": "payments"}


@pytest.mark.parametrize(
    "variables",
    [
        {"GATE_TABLE_NAME": "another-table", "TEAM": "payments"},
        {"GATE_ORIGINAL_HANDLER": "other.handler"},
    ],
)
def test_a_function_setting_a_gate_variable_is_refused(variables: dict[str, str], tmp_path: Path) -> None:
    args = aws.lambda_.FunctionArgs(
        role="arn:aws:iam::123456789012:role/team",
        runtime="python3.11",
        handler="team.handler",
        environment={"variables": variables},
    )
    clash = next(key for key in variables if key != "TEAM")
    with pytest.raises(ValueError, match=f"the function already sets {clash}; the gate sets these itself"):
        run(lambda: gate_program(args, tmp_path), stack="team")


def test_the_component_defaults_to_an_empty_window(tmp_path: Path) -> None:
    result = run(lambda: {"arn": MaintenanceGate("team-gate", MaintenanceGateArgs(build_dir=tmp_path)).layer_arn})
    assert plain(result.one(PARAMETER).inputs["value"]).replace(" ", "").replace("\n", "") == (
        '{"mode":"auto","windows":[],"recurring":[]}'
    )
    assert len(result.all(GATE_COMPONENT)) == 1


def test_a_bad_window_given_to_the_component_names_the_argument(tmp_path: Path) -> None:
    window = {"recurring": [{"days": ["someday"], "start": "01:00", "end": "02:00", "timezone": "UTC"}]}
    with pytest.raises(InitialWindowError, match=r"^MaintenanceGateArgs.initial_window: recurring\[0\]\.days\[0\]"):
        run(lambda: {"arn": MaintenanceGate("team-gate", MaintenanceGateArgs(window, build_dir=tmp_path)).layer_arn})


@pytest.mark.parametrize("name", ["Team-Gate", "team_gate", "-team", "team-", "x" * (MAX_PREFIX_LENGTH + 1), ""])
def test_a_component_name_that_cannot_prefix_bucket_and_role_names_is_refused(name: str, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="lowercase letters, digits and hyphens"):
        run(lambda: {"arn": MaintenanceGate(name, MaintenanceGateArgs(build_dir=tmp_path)).layer_arn})


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"cache_ttl_seconds": 3601}, "cache_ttl_seconds must be from 0 to 3600"),
        ({"retention_days": 0}, "retention_days must be at least 1"),
        ({"fail_mode": "closed"}, "'closed' is not a valid FailMode"),
        ({"on_http": "queue"}, "on_http must be one of reject, accept \\(got 'queue'\\)"),
        ({"on_ordered": "skip"}, "on_ordered must be one of hold, defer \\(got 'skip'\\)"),
    ],
)
def test_component_arguments_are_checked(args: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        MaintenanceGateArgs(**args)


@pytest.mark.parametrize(
    ("project", "stack"),
    [
        ("maintenance-gate", "dev"),
        ("Maintenance_Gate", "Feature.Branch"),
        ("maintenance-gate", "a-stack-name-long-enough-to-need-a-digest-1"),
        ("maintenance-gate", "a-stack-name-long-enough-to-need-a-digest-2"),
    ],
)
def test_stack_prefixes_are_always_valid_component_names(project: str, stack: str) -> None:
    prefix = stack_prefix(project, stack)

    # Judged by the rule S3 bucket and IAM role names impose, written out here, not by check_prefix.
    assert 1 <= len(prefix) <= MAX_PREFIX_LENGTH
    assert re.fullmatch(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?", prefix)
    assert "--" not in prefix
    assert check_prefix(prefix, "test") == prefix


@pytest.mark.parametrize(
    "name",
    ["Upper-case", "under_score", "-leading", "trailing-", "", "x" * (MAX_PREFIX_LENGTH + 1), "dot.ted"],
)
def test_check_prefix_refuses_a_name_aws_would_refuse(name: str) -> None:
    with pytest.raises(ValueError, match="lowercase letters, digits and hyphens") as refusal:
        check_prefix(name, "gate")

    assert repr(name) in str(refusal.value)


def test_long_stack_names_keep_distinct_prefixes() -> None:
    first = stack_prefix("maintenance-gate", "a-stack-name-long-enough-to-need-a-digest-1")
    second = stack_prefix("maintenance-gate", "a-stack-name-long-enough-to-need-a-digest-2")
    assert first != second
    assert stack_prefix("maintenance-gate", "dev") == "maintenance-gate-dev"


def test_a_gated_function_in_the_unit_testing_style(tmp_path: Path) -> None:
    # As in pulumi/examples testing-unit-py: the assertions run inside Output.all(...).apply.
    def program() -> Mapping[str, Any]:
        gate = MaintenanceGate("team-gate", MaintenanceGateArgs(initial_window={"mode": "live"}, build_dir=tmp_path))
        function = aws.lambda_.Function(
            "team-function",
            gate.function_args(
                aws.lambda_.FunctionArgs(
                    role="arn:aws:iam::123456789012:role/team", runtime="python3.13", handler="a.b"
                )
            ),
        )

        def check(values: list[Any]) -> None:
            layers, environment, layer_arn, parameter_name = values
            assert layers == [layer_arn]
            assert environment["variables"]["AWS_LAMBDA_EXEC_WRAPPER"] == "/opt/maintenance-gate"
            assert environment["variables"]["GATE_PARAMETER_NAME"] == parameter_name

        return {
            "checked": pulumi.Output.all(function.layers, function.environment, gate.layer_arn, gate.parameter_name)
            .apply(check)
            .apply(lambda _: "ok")
        }

    assert run(program, stack="team").outputs == {"checked": "ok"}


def function_with(tmp_path: Path, mode: GateMode | None = None, **args: Any) -> Any:
    base: dict[str, Any] = {"role": "arn:aws:iam::123456789012:role/team", "runtime": "python3.12"}
    base.setdefault("handler", "team.handler")
    function_args = aws.lambda_.FunctionArgs(**{**base, **args})

    def program() -> Mapping[str, Any]:
        gate = MaintenanceGate("team-gate", MaintenanceGateArgs(build_dir=tmp_path))
        return {"name": aws.lambda_.Function("team-function", gate.function_args(function_args, mode=mode)).name}

    result = run(program, stack="team")
    return result.one(FUNCTION, "team-function").inputs, result


@pytest.mark.parametrize("wrapper", ["/opt/otel-instrument", "/opt/datadog_wrapper", "/opt/dynatrace"])
def test_a_function_with_another_exec_wrapper_is_gated_in_handler_mode(wrapper: str, tmp_path: Path) -> None:
    # GIVEN a function that already has an observability layer's exec wrapper
    function, result = function_with(
        tmp_path, layers=[OTEL_LAYER], environment={"variables": {"AWS_LAMBDA_EXEC_WRAPPER": wrapper}}
    )

    # THEN its wrapper stays, and the gate stands in as the handler the wrapper calls
    variables = function["environment"]["variables"]
    assert variables["AWS_LAMBDA_EXEC_WRAPPER"] == wrapper
    assert function["handler"] == "gate.entry.handler"
    assert variables["GATE_ORIGINAL_HANDLER"] == "team.handler"
    assert function["layers"] == [OTEL_LAYER, result.arn(LAYER)]


def test_handler_mode_can_be_chosen_and_sets_no_wrapper(tmp_path: Path) -> None:
    function, _ = function_with(tmp_path, mode=GateMode.HANDLER)
    variables = function["environment"]["variables"]
    assert "AWS_LAMBDA_EXEC_WRAPPER" not in variables
    assert (function["handler"], variables["GATE_ORIGINAL_HANDLER"]) == ("gate.entry.handler", "team.handler")
    # The gate reads the same settings either way.
    from gate.config import GateConfig

    assert GateConfig.from_env(variables).parameter_name == variables["GATE_PARAMETER_NAME"]


def test_wrapper_mode_is_the_default_and_keeps_the_functions_handler(tmp_path: Path) -> None:
    function, _ = function_with(tmp_path)
    variables = function["environment"]["variables"]
    assert variables["AWS_LAMBDA_EXEC_WRAPPER"] == "/opt/maintenance-gate"
    assert function["handler"] == "team.handler"
    assert "GATE_ORIGINAL_HANDLER" not in variables


@pytest.mark.parametrize(
    ("args", "mode", "message"),
    [
        (
            {"environment": {"variables": {"AWS_LAMBDA_EXEC_WRAPPER": "/opt/bootstrap"}}},
            None,
            "Lambda Web Adapter \\(AWS_LAMBDA_EXEC_WRAPPER='/opt/bootstrap'\\)",
        ),
        (
            {"layers": ["arn:aws:lambda:eu-west-1:753240598075:layer:LambdaAdapterLayerArm64:25"]},
            None,
            "Lambda Web Adapter's layer \\(layers: 'arn:aws:lambda:eu-west-1:753240598075:"
            "layer:LambdaAdapterLayerArm64:25'",
        ),
        (
            {"environment": {"variables": {"AWS_LAMBDA_EXEC_WRAPPER": "/opt/otel-instrument"}}},
            GateMode.WRAPPER,
            "already sets AWS_LAMBDA_EXEC_WRAPPER='/opt/otel-instrument' .*mode=GateMode.HANDLER",
        ),
        ({"handler": "gate.entry.handler"}, None, "already gated \\(handler='gate.entry.handler'\\)"),
        ({"package_type": "Image", "image_uri": "x"}, None, "package_type='Image'"),
    ],
)
def test_what_cannot_be_gated_is_refused_naming_the_setting(
    args: dict[str, Any], mode: GateMode | None, message: str, tmp_path: Path
) -> None:
    with pytest.raises(UngateableFunctionError, match=message):
        function_with(tmp_path, mode=mode, **args)


@pytest.mark.parametrize("warned", [False, True])
def test_a_function_on_a_runtime_without_bytecode_in_the_layer_is_warned(tmp_path: Path, warned: bool) -> None:
    # GIVEN a layer built with bytecode for the interpreter running the tests only
    here = f"{sys.version_info.major}.{sys.version_info.minor}"
    runtime = "python3.99" if warned else f"python{here}"
    args = aws.lambda_.FunctionArgs(role="arn:aws:iam::123456789012:role/team", runtime=runtime, handler="t.handler")
    warnings: list[str] = []
    with (
        mock.patch.object(build, "find_interpreters", lambda: (build.Interpreter(here, sys.executable),)),
        mock.patch.object(pulumi.log, "warn", lambda message, *rest, **kw: warnings.append(message)),
    ):
        # WHEN a function on that runtime, or another, is gated
        run(lambda: gate_program(args, tmp_path), stack="team")

    # THEN only the other runtime is warned about
    ours = [message for message in warnings if "maintenance-gate layer holds bytecode" in message]
    assert len(ours) == (1 if warned else 0)
    if warned:
        assert f"not {runtime}" in ours[0] and f"python{here}" in ours[0]
