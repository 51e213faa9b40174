"""What must exist before what, as the engine is told, and names that fit AWS's limits however long the stack's name."""

from __future__ import annotations

import pytest

from tests.pulumi.mocks import (
    BUCKET,
    BUCKET_LIFECYCLE,
    BUCKET_POLICY,
    BUCKET_VERSIONING,
    FUNCTION,
    LAYER,
    LOG_GROUP,
    PARAMETER,
    PUBLIC_ACCESS_BLOCK,
    ROLE,
    ROLE_POLICY,
    SCHEDULE,
    TABLE,
    Run,
    autoname,
    run_stack,
)


@pytest.fixture(scope="module")
def stack() -> Run:
    return run_stack(config={"replayerEnabled": True})


def depends(run_: Run, resource: tuple[str, str], on: tuple[str, str]) -> bool:
    return run_.registration(run_.one(*on)).urn in run_.registration(run_.one(*resource)).dependencies


@pytest.mark.parametrize(
    ("resource", "on", "why"),
    [
        ((FUNCTION, "-sample"), (ROLE_POLICY, "-sample-gate-access"), "its first deferral needs the grant"),
        ((FUNCTION, "-sample"), (ROLE_POLICY, "-sample-write-logs"), "its first logs need the grant"),
        ((FUNCTION, "-replayer"), (ROLE_POLICY, "-replayer-access"), "its first run needs the grant"),
        ((FUNCTION, "-replayer"), (ROLE_POLICY, "-replayer-write-logs"), "its first logs need the grant"),
        ((SCHEDULE, "-dev-schedule"), (ROLE_POLICY, "-dev-schedule-invoke"), "its first invoke needs the grant"),
        ((SCHEDULE, "-replayer-schedule"), (ROLE_POLICY, "-replayer-schedule-invoke"), "as above"),
        ((BUCKET_LIFECYCLE, ""), (BUCKET_VERSIONING, ""), "noncurrent-version rules need versioning"),
        ((BUCKET_POLICY, ""), (PUBLIC_ACCESS_BLOCK, ""), "S3 refuses both changes at once"),
    ],
)
def test_each_resource_waits_for_what_it_needs(
    stack: Run, resource: tuple[str, str], on: tuple[str, str], why: str
) -> None:
    # None of these is an input of the other: only depends_on orders them.
    assert depends(stack, resource, on), why


def test_functions_wait_for_their_log_group_and_layer(stack: Run) -> None:
    for suffix in ("-sample", "-replayer"):
        assert depends(stack, (FUNCTION, suffix), (LOG_GROUP, f"{suffix}-logs"))
        assert depends(stack, (FUNCTION, suffix), (LAYER, ""))


# AWS's limits on names built from the stack's prefix (the mocks add Pulumi's "-" and 7 characters).
LIMITS = {ROLE: 64, FUNCTION: 64, SCHEDULE: 64, BUCKET: 63, ROLE_POLICY: 128, TABLE: 255, PARAMETER: 1011}
LOG_GROUP_LIMIT = 512
LOG_GROUP_SUFFIX = 26  # the provider's unique id after a name_prefix
LAYER_NAME_LIMIT = 64


@pytest.mark.parametrize(
    ("project", "stack_name"),
    [
        ("maintenance-gate", "dev"),
        ("a-very-long-project-name-for-the-gate-of-the-payments-team", "Feature_Branch.With-A-Very-Long-Name-1"),
        ("P" * 100, "s" * 100),
    ],
)
def test_every_name_fits_awss_limits_for_any_project_and_stack(project: str, stack_name: str) -> None:
    run_ = run_stack(stack=stack_name, project=project, config={"replayerEnabled": True})
    for resource in run_.resources:
        computed = run_.outputs_of(resource)
        physical = computed.get("name") or computed.get("bucket") or autoname(resource.name)
        if resource.typ in LIMITS:
            assert len(physical) <= LIMITS[resource.typ], (resource.typ, physical)
    for group in run_.all(LOG_GROUP):
        assert len(group.inputs["namePrefix"]) + LOG_GROUP_SUFFIX <= LOG_GROUP_LIMIT
    assert len(run_.one(LAYER).inputs["layerName"]) <= LAYER_NAME_LIMIT
    assert run_.outputs["bucketName"] == run_.outputs["bucketName"].lower()
