"""The stack as ``pulumi up`` would declare it: every resource, its key properties, its outputs."""

from __future__ import annotations

import base64
import inspect
import json
import re
import zipfile
from collections import Counter
from pathlib import Path

import pulumi_aws as aws
import pytest

from gate.config import FailMode, OnDefer
from gate.deferral import table as schema
from gate.window.document import parse_document
from layer.build import COMPATIBLE_ARCHITECTURES, COMPATIBLE_RUNTIMES, WRAPPER_NAME, build_layer
from tests.pulumi.mocks import (
    BUCKET,
    BUCKET_ENCRYPTION,
    BUCKET_LIFECYCLE,
    BUCKET_POLICY,
    BUCKET_VERSIONING,
    FUNCTION,
    GATE_COMPONENT,
    LAYER,
    LOG_GROUP,
    PARAMETER,
    PUBLIC_ACCESS_BLOCK,
    REGION,
    REPLAYER_COMPONENT,
    REPOSITORY_ROOT,
    ROLE,
    ROLE_POLICY,
    SCHEDULE,
    TABLE,
    Run,
    autoname,
    plain,
    run_stack,
)

OUTPUTS = {
    "functionName",
    "functionArn",
    "layerArn",
    "parameterName",
    "tableName",
    "bucketName",
    "scheduleName",
    "region",
}
WINDOW = {
    "mode": "auto",
    "windows": [{"start": "2026-12-01T22:00:00+00:00", "end": "2026-12-02T02:00:00+00:00", "name": "db upgrade"}],
    "recurring": [{"days": ["sat", "sun"], "start": "01:00", "end": "03:30", "timezone": "Europe/Rome"}],
}


BUCKET_SETTINGS = (PUBLIC_ACCESS_BLOCK, BUCKET_ENCRYPTION, BUCKET_VERSIONING, BUCKET_LIFECYCLE, BUCKET_POLICY)


@pytest.fixture(scope="module")
def dev() -> Run:
    # Read-only by every test that takes it; tests that change config run their own.
    return run_stack(config={"initialWindow": WINDOW, "scheduleTimezone": "Europe/Rome"})


def test_the_stack_declares_exactly_its_resources(dev: Run) -> None:
    assert Counter(resource.typ for resource in dev.resources) == {
        GATE_COMPONENT: 1,
        LAYER: 1,
        PARAMETER: 1,
        TABLE: 1,
        BUCKET: 1,
        "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": 1,
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": 1,
        BUCKET_VERSIONING: 1,
        BUCKET_LIFECYCLE: 1,
        "aws:s3/bucketPolicy:BucketPolicy": 1,
        ROLE: 2,  # the sample function's and the schedule's
        ROLE_POLICY: 3,  # the gate's grant to the sample, the sample's logging, the schedule's invoke
        LOG_GROUP: 1,
        FUNCTION: 1,
        SCHEDULE: 1,
    }


def test_the_gates_resources_are_children_of_the_component(dev: Run) -> None:
    component = dev.registration(dev.one(GATE_COMPONENT)).urn
    children = [resource for resource in dev.resources if dev.registration(resource).parent == component]
    assert {resource.typ for resource in children} == {
        LAYER,
        PARAMETER,
        TABLE,
        BUCKET,
        "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        BUCKET_VERSIONING,
        BUCKET_LIFECYCLE,
        "aws:s3/bucketPolicy:BucketPolicy",
        ROLE_POLICY,  # the grant to the sample function's role
    }


def test_outputs_are_exactly_the_names_the_operator_cli_reads(dev: Run) -> None:
    assert set(dev.outputs) == OUTPUTS
    # Auto-named: the logical name (project and stack) plus Pulumi's random suffix.
    assert dev.outputs["functionName"] == autoname(dev.one(FUNCTION).name)
    assert dev.outputs["tableName"] == autoname(dev.one(TABLE).name)
    assert dev.outputs["bucketName"] == autoname(dev.one(BUCKET).name)
    assert dev.outputs["parameterName"] == autoname(dev.one(PARAMETER).name)
    assert dev.outputs["scheduleName"] == autoname(dev.one(SCHEDULE).name)
    assert dev.outputs["layerArn"].startswith("arn:aws:lambda:") and ":layer:" in dev.outputs["layerArn"]
    assert dev.outputs["functionArn"].endswith(f":function:{dev.outputs['functionName']}")
    # The provider's own region, so the CLI's --stack reads the stack where it lives.
    assert dev.outputs["region"] == REGION == dev.outputs["functionArn"].split(":")[3]


def test_outputs_carry_no_secret_and_no_document_or_payload(dev: Run) -> None:
    assert dev.secret_outputs == set()
    for name, value in dev.outputs.items():
        assert isinstance(value, str), name
        assert "{" not in value and "\n" not in value, name


def test_the_sample_function_is_gated(dev: Run) -> None:
    function = dev.one(FUNCTION, "-sample")
    variables = function.inputs["environment"]["variables"]
    assert function.inputs["layers"] == [dev.outputs["layerArn"]]
    assert variables == {
        "AWS_LAMBDA_EXEC_WRAPPER": "/opt/maintenance-gate",
        "GATE_PARAMETER_NAME": dev.outputs["parameterName"],
        "GATE_TABLE_NAME": dev.outputs["tableName"],
        "GATE_OVERFLOW_BUCKET": dev.outputs["bucketName"],
        "GATE_CACHE_TTL_SECONDS": "10",
        "GATE_FAIL_MODE": "live",
        "GATE_ON_DEFER": "respond",
        "GATE_ON_HTTP": "reject",
        "GATE_ON_ORDERED": "hold",
    }
    assert function.inputs["handler"] == "app.handler"
    assert (function.inputs["runtime"], function.inputs["architectures"]) == ("python3.12", ["arm64"])
    assert (function.inputs["memorySize"], function.inputs["timeout"]) == (256, 10)
    assert set(function.inputs["code"].assets) == {path.name for path in (REPOSITORY_ROOT / "sample").glob("*.py")}


def test_the_gate_variables_are_what_the_gate_itself_accepts(dev: Run) -> None:
    from gate.config import GateConfig

    variables = dev.one(FUNCTION, "-sample").inputs["environment"]["variables"]
    config = GateConfig.from_env(variables)
    assert (config.parameter_name, config.table_name) == (dev.outputs["parameterName"], dev.outputs["tableName"])
    assert (config.fail_mode, config.on_defer) == (FailMode.LIVE, OnDefer.RESPOND)


def test_the_layer_is_the_builders_deterministic_archive(dev: Run, tmp_path: Path) -> None:
    layer = dev.one(LAYER)
    # Relative to the working directory, as Pulumi reads it.
    archive = Path(layer.inputs["code"].path)
    assert not archive.is_absolute()
    expected = tmp_path / "layer.zip"
    digest = build_layer(expected)
    assert archive.read_bytes() == expected.read_bytes()
    assert layer.inputs["sourceCodeHash"] == base64.b64encode(bytes.fromhex(digest)).decode()
    assert layer.inputs["compatibleRuntimes"] == list(COMPATIBLE_RUNTIMES)
    assert layer.inputs["compatibleArchitectures"] == list(COMPATIBLE_ARCHITECTURES)
    # A new version never deletes the one other stacks may have pinned.
    assert layer.inputs["skipDestroy"] is True
    with zipfile.ZipFile(archive) as built:
        assert (built.getinfo(WRAPPER_NAME).external_attr >> 16) & 0o777 == 0o755


def test_the_parameter_starts_with_the_configured_window_and_then_belongs_to_operators(dev: Run) -> None:
    parameter = dev.one(PARAMETER)
    text = plain(parameter.inputs["value"])
    assert parse_document(text).to_json() == parse_document(json.dumps(WINDOW)).to_json()
    assert (parameter.inputs["type"], parameter.inputs["tier"]) == ("String", "Intelligent-Tiering")
    assert "value" in dev.registration(parameter).ignore_changes


def test_no_later_update_can_write_the_parameters_value(dev: Run) -> None:
    # The provider's update re-sends the value from state on any non-tag change
    # (pulumi/pulumi-aws#2524), so every property but name, region and tags is fixed
    # at creation, checked against the pinned SDK's own argument list.
    properties = {
        re.sub(r"_([a-z])", lambda match: match.group(1).upper(), argument)
        for argument in inspect.signature(aws.ssm.ParameterArgs.__init__).parameters
        if argument not in ("self", "__self__")
    }
    ignored = set(dev.registration(dev.one(PARAMETER)).ignore_changes)
    assert ignored == properties - {"name", "region", "tags"}


def test_the_table_is_built_from_the_gates_schema(dev: Run) -> None:
    table = dev.one(TABLE).inputs
    definition = schema.table_definition()
    assert table["hashKey"] == schema.KEY
    assert table["billingMode"] == "PAY_PER_REQUEST"
    assert {(a["name"], a["type"]) for a in table["attributes"]} == {
        (a["AttributeName"], a["AttributeType"]) for a in definition["AttributeDefinitions"]
    }
    [index] = table["globalSecondaryIndexes"]
    assert index["name"] == schema.QUEUE_INDEX
    assert [(k["attributeName"], k["keyType"]) for k in index["keySchemas"]] == [
        (schema.QUEUE, "HASH"),
        (schema.QUEUE_ORDER, "RANGE"),
    ]
    assert index["projectionType"] == "INCLUDE"
    assert index["nonKeyAttributes"] == list(schema.QUEUE_INDEX_INCLUDE)
    assert table["ttl"] == {"attributeName": schema.EXPIRES_AT, "enabled": True}
    assert table["pointInTimeRecovery"] == {"enabled": True}
    assert table["serverSideEncryption"] == {"enabled": True}


def test_the_overflow_lifecycle_keeps_pending_events_and_expires_finished_ones(dev: Run) -> None:
    [rule] = dev.one(BUCKET_LIFECYCLE).inputs["rules"]
    assert rule["status"] == "Enabled"
    assert rule["filter"] == {"prefix": schema.OVERFLOW_PREFIX}
    assert rule["noncurrentVersionExpiration"] == {"noncurrentDays": 14}
    assert rule["abortIncompleteMultipartUpload"] == {"daysAfterInitiation": 1}
    # Only delete markers expire; a current object is a pending event.
    assert rule["expiration"] == {"expiredObjectDeleteMarker": True}
    assert dev.one(BUCKET_VERSIONING).inputs["versioningConfiguration"] == {"status": "Enabled"}


def test_the_schedule_invokes_the_sample_function_in_its_time_zone(dev: Run) -> None:
    schedule = dev.one(SCHEDULE).inputs
    assert schedule["scheduleExpression"] == "rate(5 minutes)"
    assert schedule["scheduleExpressionTimezone"] == "Europe/Rome"
    assert schedule["flexibleTimeWindow"] == {"mode": "OFF"}
    assert schedule["state"] == "ENABLED"
    assert schedule["target"]["arn"] == dev.outputs["functionArn"]
    assert schedule["target"]["roleArn"].startswith("arn:aws:iam::")


def test_the_schedule_switch_disables_it_without_removing_it() -> None:
    off = run_stack(config={"scheduleEnabled": False})
    assert off.one(SCHEDULE).inputs["state"] == "DISABLED"
    assert "scheduleName" in off.outputs


def test_config_reaches_the_function_the_gate_and_the_storage() -> None:
    custom = run_stack(
        config={
            "runtime": "python3.13",
            "architecture": "x86_64",
            "memory": 512,
            "timeout": 30,
            "cacheTtlSeconds": 60,
            "failMode": "maintenance",
            "onDefer": "error",
            "onHttp": "accept",
            "onOrdered": "defer",
            "retentionDays": 30,
            "protectData": False,
        }
    )
    function = custom.one(FUNCTION).inputs
    assert (function["runtime"], function["architectures"]) == ("python3.13", ["x86_64"])
    assert (function["memorySize"], function["timeout"]) == (512, 30)
    variables = function["environment"]["variables"]
    assert (variables["GATE_CACHE_TTL_SECONDS"], variables["GATE_FAIL_MODE"], variables["GATE_ON_DEFER"]) == (
        "60",
        "maintenance",
        "error",
    )
    assert (variables["GATE_ON_HTTP"], variables["GATE_ON_ORDERED"]) == ("accept", "defer")
    assert custom.one(BUCKET_LIFECYCLE).inputs["rules"][0]["noncurrentVersionExpiration"] == {"noncurrentDays": 30}
    assert custom.one(TABLE).inputs["deletionProtectionEnabled"] is False
    assert custom.one(BUCKET).inputs["forceDestroy"] is True


STORAGE = {TABLE, BUCKET, *BUCKET_SETTINGS}


def test_data_is_protected_by_default(dev: Run) -> None:
    assert dev.one(TABLE).inputs["deletionProtectionEnabled"] is True
    assert dev.one(BUCKET).inputs["forceDestroy"] is False


def test_destroy_keeps_the_stored_events_and_deletes_everything_else(dev: Run) -> None:
    # retain_on_delete: destroy forgets table and bucket (with the bucket's settings)
    # rather than failing on them halfway; nothing is `protect`ed, so it never refuses.
    kept = {resource.typ for resource in dev.resources if dev.registration(resource).retain_on_delete}
    assert kept == STORAGE
    assert not any(dev.registration(resource).protect for resource in dev.resources)


def test_an_unprotected_stack_is_deleted_whole() -> None:
    throwaway = run_stack(config={"protectData": False})
    assert not any(throwaway.registration(resource).retain_on_delete for resource in throwaway.resources)


def test_two_stacks_get_distinct_names() -> None:
    dev, prod = run_stack(stack="dev"), run_stack(stack="prod")
    assert not {r.name for r in dev.resources} & {r.name for r in prod.resources}
    names = [{value for key, value in run_.outputs.items() if key != "region"} for run_ in (dev, prod)]
    assert not names[0] & names[1]
    assert dev.one(LAYER).inputs["layerName"] != prod.one(LAYER).inputs["layerName"]
    for run_ in (dev, prod):
        assert all(resource.name.startswith(f"maintenance-gate-{run_.stack}") for resource in run_.resources)


def test_long_stack_names_still_give_valid_distinct_role_and_bucket_names() -> None:
    first = run_stack(stack="Feature_Branch.With-A-Very-Long-Name-1")
    second = run_stack(stack="Feature_Branch.With-A-Very-Long-Name-2")
    assert not {r.name for r in first.resources} & {r.name for r in second.resources}
    for run_ in (first, second):
        for role in run_.all(ROLE):
            assert len(role.name) + len("-1234567") <= 64
        assert len(run_.outputs["bucketName"]) <= 63
        assert run_.outputs["bucketName"] == run_.outputs["bucketName"].lower()


SERVICE_SETTING = "aws:ssm/serviceSetting:ServiceSetting"


def test_high_parameter_throughput_is_off_unless_asked_for(dev: Run) -> None:
    # It is account-wide and billed: the default stack must not touch it.
    assert dev.all(SERVICE_SETTING) == []
    on = run_stack(config={"parameterHighThroughput": True})
    [setting] = on.all(SERVICE_SETTING)
    assert setting.inputs == {"settingId": "/ssm/parameter-store/high-throughput-enabled", "settingValue": "true"}


def test_the_replayer_is_off_by_default(dev: Run) -> None:
    assert not dev.all(REPLAYER_COMPONENT)
    assert "replayerName" not in dev.outputs
