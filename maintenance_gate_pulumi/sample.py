"""The stack's sample function (code in sample/), gated by the component."""

from __future__ import annotations

import os
from pathlib import Path

import pulumi
import pulumi_aws as aws

from maintenance_gate_pulumi.component import MaintenanceGate
from maintenance_gate_pulumi.roles import lambda_execution_role
from maintenance_gate_pulumi.settings import StackSettings

# The program's own sample, in this checkout; a component user brings their own code.
SAMPLE_DIR = Path(__file__).resolve().parent.parent / "sample"
HANDLER = "app.handler"


def sample_code() -> pulumi.AssetArchive:
    # Named files rather than the folder, so a local __pycache__ never changes the archive.
    return pulumi.AssetArchive(
        {path.name: pulumi.FileAsset(os.path.relpath(path)) for path in sorted(SAMPLE_DIR.glob("*.py"))}
    )


def sample_function(name: str, gate: MaintenanceGate, settings: StackSettings) -> aws.lambda_.Function:
    execution = lambda_execution_role(name, log_retention_days=settings.log_retention_days)
    access = gate.grant("sample", execution.role)
    return aws.lambda_.Function(
        name,
        gate.function_args(
            aws.lambda_.FunctionArgs(
                role=execution.role.arn,
                runtime=settings.runtime,
                architectures=[settings.architecture],
                handler=HANDLER,
                code=sample_code(),
                memory_size=settings.memory,
                timeout=settings.timeout,
                logging_config=execution.logs.logging_config(),
            )
        ),
        opts=pulumi.ResourceOptions(depends_on=[access, *execution.grants]),
    )
