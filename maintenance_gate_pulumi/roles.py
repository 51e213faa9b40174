"""Execution roles for Lambda functions: trusted by Lambda, writing to the function's own log group, nothing else."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from maintenance_gate_pulumi import policies
from maintenance_gate_pulumi.logs import FunctionLogs, function_logs


@dataclass(frozen=True)
class ExecutionRole:
    role: aws.iam.Role
    logs: FunctionLogs

    @property
    def grants(self) -> tuple[pulumi.Resource, ...]:
        # A function should wait for these, or its first invocations may run without them.
        return (self.logs.grant,)


def lambda_execution_role(
    name: str, *, log_retention_days: int, opts: pulumi.ResourceOptions | None = None
) -> ExecutionRole:
    role = aws.iam.Role(f"{name}-role", assume_role_policy=policies.assume_role(policies.LAMBDA_SERVICE), opts=opts)
    return ExecutionRole(role=role, logs=function_logs(name, role, retention_days=log_retention_days, opts=opts))
