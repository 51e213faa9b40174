"""Least privilege and data protection: every grant names exact ARNs, storage is private and encrypted."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pulumi_aws as aws
import pytest

from gate.deferral import table as schema
from gate.replay.config import ReplayerConfig
from maintenance_gate_pulumi import GateReplayer, GateReplayerArgs, MaintenanceGate, MaintenanceGateArgs
from maintenance_gate_pulumi.settings import StackConfigError
from tests.pulumi.mocks import (
    ACCOUNT,
    BUCKET_ENCRYPTION,
    BUCKET_POLICY,
    FUNCTION,
    LAYER,
    LOG_GROUP,
    PARAMETER,
    PUBLIC_ACCESS_BLOCK,
    REPLAYER_COMPONENT,
    REPOSITORY_ROOT,
    ROLE,
    ROLE_POLICY,
    ROLE_POLICY_ATTACHMENT,
    SCHEDULE,
    TABLE,
    Run,
    as_list,
    policy_documents,
    run,
    run_stack,
    statements,
)


@pytest.fixture(scope="module")
def dev() -> Run:
    return run_stack()


@pytest.fixture(scope="module")
def with_replayer() -> Run:
    return run_stack(config={"replayerEnabled": True, "replayerRate": 20, "retentionDays": 21})


def grants(run_: Run, policy_suffix: str) -> dict[str, tuple[list[str], list[str]]]:
    """Sid -> (actions, resources) of one inline role policy."""
    document = json.loads(run_.one(ROLE_POLICY, policy_suffix).inputs["policy"])
    return {s["Sid"]: (as_list(s["Action"]), as_list(s["Resource"])) for s in statements(document)}


def owned(run_: Run, resource: str) -> bool:
    # Under an owned ARN: an object or index ("/"), or a log group's streams (":").
    return any(resource == own or resource.startswith((f"{own}/", f"{own}:")) for own in run_.arns())


@pytest.mark.parametrize("which", ["dev", "with_replayer"])
def test_every_iam_statement_names_specific_arns(which: str, request: pytest.FixtureRequest) -> None:
    run_: Run = request.getfixturevalue(which)
    documents = policy_documents(run_)
    assert documents
    for name, document in documents:
        for statement in statements(document):
            actions = as_list(statement["Action"])
            assert "*" not in actions, name
            if statement["Effect"] == "Allow" and "Principal" in statement:
                # A trust policy: one AWS service may assume the role, nobody else.
                assert actions == ["sts:AssumeRole"], name
                assert set(statement["Principal"]) == {"Service"}, name
                continue
            resources = as_list(statement["Resource"])
            assert resources and "*" not in resources, name
            assert all(owned(run_, resource) for resource in resources), (name, resources)
            if statement["Effect"] == "Allow":
                assert all("*" not in action for action in actions), (name, actions)
            else:
                assert name.endswith("-tls-only"), name


@pytest.mark.parametrize("which", ["dev", "with_replayer"])
def test_each_function_writes_only_to_its_own_expiring_log_group(which: str, request: pytest.FixtureRequest) -> None:
    run_: Run = request.getfixturevalue(which)
    # No managed policy at all: AWSLambdaBasicExecutionRole's Resource "*" is gone.
    assert run_.all(ROLE_POLICY_ATTACHMENT) == []
    functions = run_.all(FUNCTION)
    assert len(run_.all(LOG_GROUP)) == len(functions)
    for function in functions:
        group = run_.one(LOG_GROUP, f"{function.name}-logs")
        assert group.inputs["retentionInDays"] == 30
        assert group.inputs["namePrefix"] == f"/aws/lambda/{function.name}-"
        group_name, group_arn = run_.outputs_of(group)["name"], run_.arn(LOG_GROUP, f"{function.name}-logs")
        assert function.inputs["loggingConfig"] == {"logFormat": "Text", "logGroup": group_name}
        assert grants(run_, f"{function.name}-write-logs") == {
            "WriteOwnLogs": (["logs:CreateLogStream", "logs:PutLogEvents"], [group_arn, f"{group_arn}:*"])
        }
        role = function.inputs["role"].rsplit("/", 1)[1]
        assert run_.one(ROLE_POLICY, f"{function.name}-write-logs").inputs["role"] == role
        # The function is created after its grant, so its first logs are not lost.
        assert run_.registration(run_.one(ROLE_POLICY, f"{function.name}-write-logs")).urn in (
            run_.registration(function).dependencies
        )


def test_log_retention_is_stack_config() -> None:
    run_ = run_stack(config={"logRetentionDays": 7, "replayerEnabled": True})
    assert {group.inputs["retentionInDays"] for group in run_.all(LOG_GROUP)} == {7}


def test_the_gated_function_may_make_exactly_the_gates_calls(dev: Run) -> None:
    bucket_arn = f"arn:aws:s3:::{dev.outputs['bucketName']}"
    assert grants(dev, "-sample-gate-access") == {
        "ReadMaintenanceWindow": (["ssm:GetParameter"], [dev.arn(PARAMETER)]),
        "StoreDeferredEvents": (["dynamodb:PutItem", "dynamodb:UpdateItem"], [dev.arn(TABLE)]),
        "StoreOversizedEvents": (["s3:PutObject"], [f"{bucket_arn}/{schema.OVERFLOW_PREFIX}*"]),
    }
    sample_role = dev.one(FUNCTION, "-sample").inputs["role"]
    assert dev.one(ROLE_POLICY, "-sample-gate-access").inputs["role"] == sample_role.rsplit("/", 1)[1]


def test_the_schedule_may_only_invoke_the_sample_function(dev: Run) -> None:
    invoke = (["lambda:InvokeFunction"], [dev.outputs["functionArn"]])
    assert grants(dev, "-schedule-invoke") == {"InvokeTarget": invoke}
    trust = json.loads(dev.one(ROLE, "-schedule-role").inputs["assumeRolePolicy"])
    assert [s["Principal"] for s in statements(trust)] == [{"Service": "scheduler.amazonaws.com"}]
    # Schedules of another account cannot have Scheduler assume it (confused deputy).
    assert [s["Condition"] for s in statements(trust)] == [{"StringEquals": {"aws:SourceAccount": ACCOUNT}}]


def test_every_scheduler_role_trusts_this_account_only(with_replayer: Run) -> None:
    roles = [role for role in with_replayer.all(ROLE) if role.name.endswith("-schedule-role")]
    assert len(roles) == 2
    for role in roles:
        [statement] = statements(json.loads(role.inputs["assumeRolePolicy"]))
        assert statement["Condition"] == {"StringEquals": {"aws:SourceAccount": ACCOUNT}}


def test_the_functions_trust_only_lambda(dev: Run) -> None:
    trust = json.loads(dev.one(ROLE, "-sample-role").inputs["assumeRolePolicy"])
    assert [s["Principal"] for s in statements(trust)] == [{"Service": "lambda.amazonaws.com"}]


def test_the_overflow_bucket_is_private_encrypted_and_tls_only(dev: Run) -> None:
    block = dev.one(PUBLIC_ACCESS_BLOCK).inputs
    assert all(block[key] is True for key in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls"))
    assert block["restrictPublicBuckets"] is True
    [rule] = dev.one(BUCKET_ENCRYPTION).inputs["rules"]
    assert rule["applyServerSideEncryptionByDefault"] == {"sseAlgorithm": "AES256"}

    bucket_arn = f"arn:aws:s3:::{dev.outputs['bucketName']}"
    [deny] = statements(json.loads(dev.one(BUCKET_POLICY).inputs["policy"]))
    assert deny["Effect"] == "Deny"
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert deny["Resource"] == [bucket_arn, f"{bucket_arn}/*"]
    assert deny["Principal"] == {"AWS": "*"}
    assert deny["Action"] == "s3:*"


def test_the_replayer_is_a_separate_least_privilege_function(with_replayer: Run) -> None:
    run_ = with_replayer
    assert len(run_.all(REPLAYER_COMPONENT)) == 1
    replayer = run_.one(FUNCTION, "-replayer")
    sample_arn, sample_name = run_.outputs["functionArn"], run_.outputs["functionName"]
    assert run_.outputs["replayerName"] != sample_name
    assert replayer.inputs["handler"] == "gate.replay.handler.handler"
    assert replayer.inputs["layers"] == [run_.outputs["layerArn"]]
    assert replayer.inputs["environment"]["variables"] == {
        "GATE_PARAMETER_NAME": run_.outputs["parameterName"],
        "GATE_TABLE_NAME": run_.outputs["tableName"],
        "GATE_OVERFLOW_BUCKET": run_.outputs["bucketName"],
        "GATE_REPLAY_FUNCTIONS": sample_name,
        "GATE_REPLAY_RATE": "20",
        "GATE_RETENTION_DAYS": "21",
        "GATE_REPLAY_CONCURRENCY": "1",
        "GATE_REPLAY_MARGIN_SECONDS": "20",  # the sample's 10 s timeout, and 10 s to record the outcome
        "GATE_REPLAY_LEASE_SECONDS": "960",
    }

    table_arn = run_.arn(TABLE)
    bucket_arn = f"arn:aws:s3:::{run_.outputs['bucketName']}"
    assert grants(run_, "-replayer-access") == {
        "InvokeGatedFunctions": (["lambda:InvokeFunction"], [sample_arn]),
        "ReadPendingQueue": (["dynamodb:Query"], [f"{table_arn}/index/{schema.QUEUE_INDEX}"]),
        "LeaseAndFinishRecords": (["dynamodb:GetItem", "dynamodb:UpdateItem"], [table_arn]),
        "ReadMaintenanceWindow": (["ssm:GetParameter"], [run_.arn(PARAMETER)]),
        "KeepReadAndRemoveOverflowObjects": (
            ["s3:DeleteObject", "s3:GetObject", "s3:PutObject"],
            [f"{bucket_arn}/deferred/*"],
        ),
    }
    replayer_role = replayer.inputs["role"].rsplit("/", 1)[1]
    assert run_.one(ROLE_POLICY, "-replayer-access").inputs["role"] == replayer_role
    # The gate's own grant stays with the gated function, never with the replayer.
    assert run_.one(ROLE_POLICY, "-sample-gate-access").inputs["role"] != replayer_role


def test_the_replayers_resources_are_children_of_its_component(with_replayer: Run) -> None:
    component = with_replayer.one(REPLAYER_COMPONENT)
    children = [r for r in with_replayer.resources if r.name.startswith(component.name) and r is not component]
    # Role, log group, its grant, the gate grant, function, and the schedule with its role and grant.
    assert len(children) == 8
    for resource in children:
        assert with_replayer.registration(resource).parent == with_replayer.registration(component).urn, resource.name


def test_the_replayer_is_not_gated_itself(with_replayer: Run) -> None:
    variables: dict[str, Any] = with_replayer.one(FUNCTION, "-replayer").inputs["environment"]["variables"]
    assert "AWS_LAMBDA_EXEC_WRAPPER" not in variables


def test_the_replayer_runs_on_its_own_schedule(with_replayer: Run) -> None:
    schedule = with_replayer.one(SCHEDULE, "-replayer-schedule").inputs
    assert schedule["target"]["arn"] == with_replayer.arn(FUNCTION, "-replayer")
    assert schedule["state"] == "ENABLED"
    assert grants(with_replayer, "-replayer-schedule-invoke") == {
        "InvokeTarget": (["lambda:InvokeFunction"], [with_replayer.arn(FUNCTION, "-replayer")])
    }
    assert with_replayer.one(LAYER).inputs["layerName"] == "maintenance-gate-dev"


def test_no_output_carries_the_window_a_secret_or_a_payload() -> None:
    # GIVEN an initial window whose name is a marker, with the replayer on (more outputs)
    marker = "PLANTED-WINDOW-MARKER"
    window = {
        "mode": "auto",
        "windows": [{"start": "2026-12-01T22:00:00Z", "end": "2026-12-02T02:00:00Z", "name": marker}],
    }

    # WHEN the stack runs
    result = run_stack(config={"initialWindow": window, "replayerEnabled": True})

    # THEN every output is a plain name or ARN: no secret, no document, no marker
    assert result.secret_outputs == set()
    for name, value in result.outputs.items():
        assert isinstance(value, str), name
        assert marker not in value and "{" not in value, name
    parameter = result.one(PARAMETER)
    assert marker in str(parameter.inputs["value"])  # it did reach the stack, so the check above can fail


@pytest.mark.parametrize(("timeout", "margin", "replayer_timeout", "rate"), [(10, 20, 250, 5), (300, 310, 540, 9)])
def test_the_replayer_outlasts_any_invocation_it_starts(
    timeout: int, margin: int, replayer_timeout: int, rate: int
) -> None:
    # GIVEN a gated function with this timeout
    run_ = run_stack(config={"replayerEnabled": True, "timeout": timeout, "replayerConcurrency": 4})
    replayer = run_.one(FUNCTION, "-replayer").inputs
    config = ReplayerConfig.from_env(replayer["environment"]["variables"])

    # THEN it stops taking records at least that long before its own timeout, and its
    # leases outlive it, so a record is never redelivered while its invocation runs
    assert config.margin_seconds == margin >= timeout
    assert replayer["timeout"] == replayer_timeout <= 900
    assert config.lease_seconds > replayer["timeout"]
    assert replayer["environment"]["variables"]["GATE_REPLAY_CONCURRENCY"] == "4"
    # and runs never overlap: the schedule's period is at least the timeout
    assert run_.one(SCHEDULE, "-replayer-schedule").inputs["scheduleExpression"] == f"rate({rate} minutes)"
    assert rate * 60 >= replayer_timeout


def test_a_gated_function_too_slow_for_automatic_replay_is_refused() -> None:
    # The stack names the config key before declaring anything.
    with pytest.raises(StackConfigError, match=r"maintenance-gate:timeout: a gated function's timeout of 850 s"):
        run_stack(config={"replayerEnabled": True, "timeout": 850})


def test_the_replayer_component_refuses_functions_too_slow_for_it(tmp_path: Path) -> None:
    def program() -> dict[str, Any]:
        gate = MaintenanceGate("team-gate", MaintenanceGateArgs(build_dir=tmp_path))
        slow = aws.lambda_.Function(
            "team-slow",
            role="arn:aws:iam::123456789012:role/team",
            runtime="python3.12",
            handler="app.handler",
            timeout=900,
        )
        return {"name": GateReplayer("team-replayer", GateReplayerArgs(gate=gate, functions=[slow])).function_name}

    with pytest.raises(ValueError, match=r"timeout of 900 s .* at most 830 s"):
        run(program)


def test_no_arn_is_written_by_hand() -> None:
    # Every ARN comes from a resource's output (or a partition lookup), so the program
    # deploys in aws-cn and aws-us-gov too; a literal "arn:aws:" would not.
    sources = [*(REPOSITORY_ROOT / "maintenance_gate_pulumi").glob("*.py"), REPOSITORY_ROOT / "__main__.py"]
    assert len(sources) > 5
    for source in sources:
        assert "arn:aws:" not in source.read_text(), source.name
