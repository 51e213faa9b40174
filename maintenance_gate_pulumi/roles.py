"""Execution roles for Lambda functions: logging through the managed policy, nothing else."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from maintenance_gate_pulumi import policies


@dataclass(frozen=True)
class ExecutionRole:
    role: aws.iam.Role
    # A function should wait for these, or its first invocations may run without them.
    grants: tuple[pulumi.Resource, ...]


def lambda_execution_role(name: str, opts: pulumi.ResourceOptions | None = None) -> ExecutionRole:
    role = aws.iam.Role(f"{name}-role", assume_role_policy=policies.assume_role(policies.LAMBDA_SERVICE), opts=opts)
    logs = aws.iam.RolePolicyAttachment(
        f"{name}-logs",
        role=role.name,
        policy_arn=aws.iam.ManagedPolicy.AWS_LAMBDA_BASIC_EXECUTION_ROLE.value,
        opts=opts,
    )
    return ExecutionRole(role=role, grants=(logs,))
